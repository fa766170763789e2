"""The trial knowledge base on disk: one folder per trial under knowledge/, each with a trial.yml.

Everything about a trial is data: adding a trial is a new folder and a rebuild of the index.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_DIR / "knowledge"
TRIAL_FILE = "trial.yml"
TEAM_ANSWERS_FILE = "team_answers.yml"
CHROME_FILE = "chrome.yml"
SECTION_QUESTIONS_FILE = "section_questions.yml"


@dataclass(frozen=True)
class SectionSpec:
    start: str
    key: str | None = None
    title: str | None = None
    heading: bool = False
    list: bool = False  # a list of criteria: each item is a passage of its own
    skip: bool = False


@dataclass(frozen=True)
class SourceSpec:
    path: Path
    sections: tuple[SectionSpec, ...]


@dataclass(frozen=True)
class SiteEmergency:
    """Where a trial's patients are, and the numbers they call there (trial.yml `site_settings`)."""
    country: str
    number: str       # "911", "15 or 112"
    crisis_line: str  # "call or text 988 (...)"
    # The same in French (`site_settings.fr`), for messages written in French; None: English only.
    in_french: "SiteEmergency | None" = None

    def numbers(self) -> list[str]:
        return re.findall(r"\d{2,}", self.number)


@dataclass(frozen=True)
class TeamAnswer:
    """A question the listing leaves open, answered by the study team in their own words."""
    question: str
    answer: str
    approved_by: str
    approved_on: date


@dataclass(frozen=True)
class Trial:
    id: str
    title: str
    label: str
    names: tuple[str, ...]
    contact: str
    folder: Path
    sources: tuple[SourceSpec, ...]
    emergency: SiteEmergency
    team_answers: tuple[TeamAnswer, ...] = ()
    strip: tuple[str, ...] = ()
    described_as: tuple[str, ...] = ()  # "French": names the trial only as "the French one/study/trial"
    facts: dict = field(default_factory=dict)  # site, sponsor, phase, dates: shown as stated

    def end_date_passed(self, today: date) -> date | None:
        """The end date the listing states, when it is before today (the study may be closed)."""
        end = (self.facts.get("dates") or {}).get("end")
        end = date.fromisoformat(str(end)) if end else None
        return end if end and end < today else None


def _by_country(trials) -> list[SiteEmergency]:
    """Each site's settings once (two sites of one country with the same numbers: once)."""
    return list(dict.fromkeys(trial.emergency for trial in trials))


def emergency_numbers(trials, language: str = "en") -> str:
    """'911 in the United States, 15 or 112 in France': each country once (in French where given)."""
    return ", ".join(f"le {site.in_french.number} en {site.in_french.country}" if language == "fr" and site.in_french
                     else f"{site.number} in {site.country}" for site in _by_country(trials))


def emergency_lines(trials, language: str = "en") -> str:
    """The emergency and crisis numbers of each country the trials are in, a line per country; in
    French (language "fr") for the sites that give them in French."""
    return "\n".join(
        f"En {site.in_french.country} : appelez le {site.in_french.number} pour les secours. Si vous pensez à vous "
        f"faire du mal : {site.in_french.crisis_line}." if language == "fr" and site.in_french else
        f"In {site.country}: call {site.number} for emergency services. If you are thinking about "
        f"harming yourself: {site.crisis_line}." for site in _by_country(trials))


def contact_lines(trials) -> str:
    """How to reach each trial's study team, one line per trial."""
    return "\n".join(f"{t.label}: {t.contact}" for t in trials)


class KnowledgeError(ValueError):
    """knowledge/ holds something the loader cannot use; the message says what and where."""


def _require(data: dict, key: str, where: Path | str):
    if key not in data or data[key] in (None, ""):
        raise KnowledgeError(f"{where}: missing '{key}'")
    return data[key]


def _text(value, key: str, where: Path | str) -> str:
    """A text setting; YAML reads `no`, `yes`, `on` as booleans and 911 as a number."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise KnowledgeError(f"{where}: '{key}' must be text (put it in quotes), not {value!r}")
    return " ".join(str(value).split())


def _site_settings(data: dict, where: Path) -> SiteEmergency:
    settings = _require(data, "site_settings", where)
    if not isinstance(settings, dict):
        raise KnowledgeError(f"{where}: 'site_settings' must hold country, emergency_number and crisis_line")
    return _site_emergency(settings, "site_settings", where)


def _site_emergency(settings: dict, name: str, where: Path | str) -> SiteEmergency:
    french = settings.get("fr")
    if french is not None and not isinstance(french, dict):
        raise KnowledgeError(f"{where}: '{name}.fr' must hold country, emergency_number and crisis_line in French")
    return SiteEmergency(**{field_name: _text(_require(settings, key, where), f"{name}.{key}", where)
                            for field_name, key in (("country", "country"), ("number", "emergency_number"),
                                                    ("crisis_line", "crisis_line"))},
                         in_french=_site_emergency(french, f"{name}.fr", where) if french else None)


def _approval_date(value, where: str) -> date:
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise KnowledgeError(f"{where}: 'approved_on' must be a date such as 2026-11-30, not {value!r}") from None


def load_team_answers(folder: Path) -> tuple[TeamAnswer, ...]:
    """The study team's own answers (team_answers.yml). An entry without an answer is a draft and is
    skipped; an answered one without who approved it and when is refused."""
    path = folder / TEAM_ANSWERS_FILE
    if not path.is_file():
        return ()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path}: not readable YAML ({error.problem})") from None
    entries = data.get("answers") or [] if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise KnowledgeError(f"{path}: 'answers' must be a list of question, answer, approved_by, approved_on")
    answers = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: answer {number}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: must hold question, answer, approved_by, approved_on")
        question = _text(_require(entry, "question", where), "question", where)
        if entry.get("answer") is None or (isinstance(entry["answer"], str) and not entry["answer"].strip()):
            continue  # a draft the team has not answered yet: never used
        answers.append(TeamAnswer(question, _text(entry["answer"], "answer", where),
                                  _text(_require(entry, "approved_by", where), "approved_by", where),
                                  _approval_date(_require(entry, "approved_on", where), where)))
    return tuple(answers)


def load_trial(folder: Path) -> Trial:
    path = folder / TRIAL_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    trial_id = str(_require(data, "id", path))
    sources = []
    for source in _require(data, "sources", path):
        file = folder / _require(source, "file", path)
        if not file.is_file():
            raise KnowledgeError(f"{path}: source file {file.name} not found")
        specs = tuple(SectionSpec(**spec) for spec in _require(source, "sections", path))
        for spec in specs:
            if not spec.skip and not spec.key:
                raise KnowledgeError(f"{path}: section starting {spec.start!r} needs a key")
        sources.append(SourceSpec(path=file, sections=specs))
    return Trial(
        id=trial_id,
        title=" ".join(str(_require(data, "title", path)).split()),
        label=str(data.get("label") or trial_id),
        names=tuple(str(n) for n in data.get("names", [])) + (trial_id,),
        contact=" ".join(str(_require(data, "contact", path)).split()),
        folder=folder,
        sources=tuple(sources),
        emergency=_site_settings(data, path),
        team_answers=load_team_answers(folder),
        strip=tuple(data.get("strip", [])),
        described_as=tuple(str(w) for w in data.get("described_as", [])),
        facts={k: data[k] for k in ("site", "sponsor", "phase", "dates") if k in data},
    )


def load_trials(knowledge_dir: Path = KNOWLEDGE_DIR) -> dict[str, Trial]:
    """All trials, keyed by id, in folder order (stable across runs)."""
    trials: dict[str, Trial] = {}
    for folder in sorted(p for p in knowledge_dir.iterdir() if (p / TRIAL_FILE).is_file()):
        trial = load_trial(folder)
        if trial.id in trials:
            raise KnowledgeError(f"{folder}: trial id {trial.id} is used twice")
        trials[trial.id] = trial
    if not trials:
        raise KnowledgeError(f"{knowledge_dir}: no trial folders (each needs a {TRIAL_FILE})")
    return trials


def load_chrome(knowledge_dir: Path = KNOWLEDGE_DIR) -> dict:
    path = knowledge_dir / CHROME_FILE
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def load_section_questions(knowledge_dir: Path = KNOWLEDGE_DIR) -> dict[str, tuple[str, ...]]:
    """Patients' questions that a section answers, by section key (knowledge/section_questions.yml)."""
    path = knowledge_dir / SECTION_QUESTIONS_FILE
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
    for key, questions in data.items():
        if not (isinstance(key, str) and isinstance(questions, list) and all(isinstance(q, str) and q for q in questions)):
            raise KnowledgeError(f"{path}: {key!r} must be a section key with a list of questions (text)")
    return {key: tuple(questions) for key, questions in data.items()}


def knowledge_files(knowledge_dir: Path = KNOWLEDGE_DIR) -> list[Path]:
    return sorted(p for p in knowledge_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def corpus_hash(knowledge_dir: Path = KNOWLEDGE_DIR) -> str:
    """sha256 over every file of knowledge/ (names and bytes): what the index was built from."""
    digest = hashlib.sha256()
    for path in knowledge_files(knowledge_dir):
        digest.update(path.relative_to(knowledge_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
