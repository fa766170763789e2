"""The trial knowledge base on disk: one folder per trial under knowledge/, each with a trial.yml.

Everything about a trial is data: adding a trial is a new folder and a rebuild of the index.
"""
from __future__ import annotations

import hashlib
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_DIR / "knowledge"
TRIAL_FILE = "trial.yml"
CHROME_FILE = "chrome.yml"


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
class Trial:
    id: str
    title: str
    label: str
    names: tuple[str, ...]
    contact: str
    folder: Path
    sources: tuple[SourceSpec, ...]
    strip: tuple[str, ...] = ()
    facts: dict = field(default_factory=dict)  # site, sponsor, phase, dates: shown as stated


    def end_date_passed(self, today: date) -> date | None:
        """The end date the listing states, when it is before today (the study may be closed)."""
        end = (self.facts.get("dates") or {}).get("end")
        end = date.fromisoformat(str(end)) if end else None
        return end if end and end < today else None


def contact_lines(trials) -> str:
    """How to reach each trial's study team, one line per trial."""
    return "\n".join(f"{t.label}: {t.contact}" for t in trials)


class KnowledgeError(ValueError):
    """knowledge/ holds something the loader cannot use; the message says what and where."""


def _require(data: dict, key: str, where: Path):
    if key not in data or data[key] in (None, ""):
        raise KnowledgeError(f"{where}: missing '{key}'")
    return data[key]


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
        strip=tuple(data.get("strip", [])),
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


def knowledge_files(knowledge_dir: Path = KNOWLEDGE_DIR) -> list[Path]:
    return sorted(p for p in knowledge_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def corpus_hash(knowledge_dir: Path = KNOWLEDGE_DIR) -> str:
    """sha256 over every file of knowledge/ (names and bytes): what the index was built from."""
    digest = hashlib.sha256()
    for path in knowledge_files(knowledge_dir):
        digest.update(path.relative_to(knowledge_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
