"""The trial knowledge base on disk: one folder per trial under knowledge/, each with a trial.yml.

Everything about a trial is data: adding a trial is a new folder and a rebuild of the index.
"""
from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Another folder (KNOWLEDGE_DIR) serves other trials: tests import registry records into one.
KNOWLEDGE_DIR = Path(os.environ.get("KNOWLEDGE_DIR", PROJECT_DIR / "knowledge"))
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
    site_settings: tuple[SiteEmergency, ...]  # one per country the trial's sites are in
    team_answers: tuple[TeamAnswer, ...] = ()
    strip: tuple[str, ...] = ()
    described_as: tuple[str, ...] = ()  # "French": names the trial only as "the French one/study/trial"
    # What the trial's record or listing states (phase, status, dates, size, sponsor, sites, ages, ...):
    # answered as passages of their own (actions/trial_facts.py).
    facts: dict = field(default_factory=dict)
    registry_id: str | None = None  # imported from this ClinicalTrials.gov record: its facts cite its fields

    def end_date_passed(self, today: date) -> date | None:
        """The end date the listing states, when it is before today (the study may be closed)."""
        end = (self.facts.get("dates") or {}).get("end")
        end = date.fromisoformat(str(end)) if end else None
        return end if end and end < today else None


def _by_country(trials) -> list[SiteEmergency]:
    """Each site's settings once (two sites of one country with the same numbers: once)."""
    return list(dict.fromkeys(site for trial in trials for site in trial.site_settings))


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


def _site_settings(data: dict, where: Path) -> tuple[SiteEmergency, ...]:
    """One country's settings, or a list of them (a trial with sites in several countries)."""
    settings = _require(data, "site_settings", where)
    countries = settings if isinstance(settings, list) else [settings]
    if not countries or not all(isinstance(c, dict) for c in countries):
        raise KnowledgeError(f"{where}: 'site_settings' must hold country, emergency_number and crisis_line "
                             f"(or be a list of those, one per country)")
    return tuple(_site_emergency(c, "site_settings", where) for c in countries)


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


def _facts(data: dict, where: Path) -> dict:
    facts = data.get("facts") or {}
    if not isinstance(facts, dict):
        raise KnowledgeError(f"{where}: 'facts' must map fact names (phase, status, dates, ...) to what is stated")
    _no_missing_values(facts, "facts", where)
    return facts


def _no_missing_values(value, at: str, where: Path) -> None:
    """A key without a value is a typing slip ("{facility: University Hospital, Limoges}" makes
    "Limoges" a key of its own): said, with where it is, rather than dropped silently."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if inner is None:
                raise KnowledgeError(f"{where}: {at}.{key} has no value (text with a comma inside {{...}} "
                                     "must be put in quotes)")
            _no_missing_values(inner, f"{at}.{key}", where)
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            _no_missing_values(inner, f"{at}[{n}]", where)


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
        site_settings=_site_settings(data, path),
        team_answers=load_team_answers(folder),
        strip=tuple(data.get("strip", [])),
        described_as=tuple(str(w) for w in data.get("described_as", [])),
        facts=_facts(data, path),
        registry_id=data["registry"].get("nct_id") if isinstance(data.get("registry"), dict) else None,
    )


def load_trials(knowledge_dir: Path = KNOWLEDGE_DIR) -> dict[str, Trial]:
    """All trials, keyed by id, in folder order (stable across runs)."""
    trials: dict[str, Trial] = {}
    # (A folder whose name starts with a dot is an import being written: never served.)
    for folder in sorted(p for p in knowledge_dir.iterdir() if (p / TRIAL_FILE).is_file() and not p.name.startswith(".")):
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
    return sorted(p for p in knowledge_dir.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(knowledge_dir).parts))


def corpus_hash(knowledge_dir: Path = KNOWLEDGE_DIR) -> str:
    """sha256 over every file of knowledge/ (names and bytes): what the index was built from."""
    digest = hashlib.sha256()
    for path in knowledge_files(knowledge_dir):
        digest.update(path.relative_to(knowledge_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
