"""Turns trial texts into passages: web-page chrome stripped, split along each text's own sections.

A passage keeps its trial id, section key and title, and its character span in the source file.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from actions.eligibility import REVIEW_NEEDED, load_criteria, quotes_criterion
from actions.knowledge_base import (KNOWLEDGE_DIR, TEAM_ANSWERS_FILE, TRIAL_FILE, KnowledgeError, SourceSpec, Trial,
                                    load_chrome)
from actions.trial_facts import fact_sections, registry_citation

# Passages are sentences (list criteria: items), so that an answer can be the sentence that answers;
# a section this short is one passage (a name with its role, a three-step timeline).
SHORT_SECTION_CHARS = 250
# A line this short without a full stop is a label ("Screening", "Principal Investigator"), and a
# question line is a heading ("What happens next?"): either stays with the line that follows it.
LABEL_CHARS = 40
HEADING_CHARS = 100
_BULLET = re.compile(r"^[\s•·]+")
# A line ending like this continues on the next one ("Patient presenting with" / "ectopic ... or").
_CONTINUES = re.compile(r"(\b(with|or|and)|[:,])$", re.IGNORECASE)
# Sentences of a line end at a space; a newline inside a passage joins a label or heading to its line.
_SENTENCE_END = re.compile(r"(?<=[.!?]) +(?=[A-Z(])")
# ... except after a line's list number ("I. Determine whether ...", "2. Patients receive ..."): it
# belongs to its sentence.
_ENUMERATOR = re.compile(r"(?:^|\n)\s*(?:[IVX]{1,4}|\d{1,2}|[a-z])\.$")


@dataclass(frozen=True)
class Passage:
    trial: str
    section: str
    title: str
    text: str
    source: str  # path relative to knowledge/
    start: int
    end: int
    list_item: bool = False
    approved_on: str = ""  # a study team answer: the date it was approved (ISO); the title is its question
    # A pre-screening criterion's own text: its plain words from criteria.yml (question, why, what the
    # team checks, choices), searched too ("blood thinner" finds "Anticoagulant therapy" through "Does the person take a
    # blood thinner?").
    plain: tuple[str, ...] = ()
    cited_as: str = ""  # an imported trial's fact: the registry record's field it comes from

    def search_text(self) -> str:
        """What lexical search reads: the section title carries much of the meaning (the STSINJ
        headings are patient questions). Dense search embeds the text and the title apart."""
        return f"{self.title}: {self.text}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Passage":
        return cls(**{**data, "plain": tuple(data.get("plain", ()))})


class Cleaner:
    """Decides which lines are page chrome and tidies the rest."""

    def __init__(self, chrome: dict, extra_lines: tuple[str, ...] = ()):
        patterns = list(chrome.get("lines", [])) + list(extra_lines)
        self._chrome = [re.compile(p, re.IGNORECASE) for p in patterns]
        citation = chrome.get("trailing_citation")
        self._citation = re.compile(citation) if citation else None

    def clean(self, line: str) -> str:
        """The line's trial text, or '' when it is chrome or empty."""
        line = _BULLET.sub("", line).strip()
        if self._citation:
            line = self._citation.sub("", line).rstrip()
        if not line or any(p.fullmatch(line) for p in self._chrome):
            return ""
        return line


def _section_spans(text: str, source: SourceSpec) -> list[tuple]:
    """(spec, body_start, end) for each section, found in order in the text."""
    found, cursor = [], 0
    for spec in source.sections:
        at = text.find(spec.start, cursor)
        if at < 0:
            raise KnowledgeError(f"{source.path}: section start {spec.start!r} not found after offset {cursor}")
        found.append((spec, at))
        cursor = at + len(spec.start)
    spans = []
    for i, (spec, at) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(text)
        body_start = at + len(spec.start) if spec.heading else at
        spans.append((spec, body_start, end))
    return spans


def _units(text: str, start: int, end: int, cleaner: Cleaner) -> list[tuple[str, int, int]]:
    """The section's trial text as (text, start, end) units: lines, with continued lines joined."""
    units: list[tuple[str, int, int]] = []
    offset = start
    for raw in text[start:end].split("\n"):
        line = cleaner.clean(raw)
        if line:
            at = offset + raw.find(line[:20])
            if units and _CONTINUES.search(units[-1][0]):
                units[-1] = (units[-1][0] + "\n" + line, units[-1][1], at + len(line))
            else:
                units.append((line, at, at + len(line)))
        offset += len(raw) + 1
    return units


def _sentences(unit: tuple[str, int, int]) -> list[tuple[str, int, int]]:
    """A paragraph cut into its sentences, each with its span in the source. A unit of joined lines
    (a label or heading and its line) is measured from its start in its first line and from its end
    in its last: the source has bullets and indentation between them."""
    text, start, end = unit
    last_line = text.rfind("\n")

    def source_at(pos: int) -> int:
        return end - (len(text) - pos) if pos > last_line else start + pos

    pieces, cursor = [], 0
    ends = [m.start() for m in _SENTENCE_END.finditer(text) if not _ENUMERATOR.search(text, 0, m.start())]
    for bound in ends + [len(text)]:
        chunk = text[cursor:bound].strip()
        if chunk:
            lead = text.index(chunk, cursor)
            pieces.append((chunk, source_at(lead), source_at(lead + len(chunk))))
        cursor = bound
    return pieces


def _leads_in(text: str) -> bool:
    """A label or a heading, which introduces the line after it rather than saying something."""
    last = text.split("\n")[-1]
    return ((len(last) <= LABEL_CHARS and not last.endswith((".", "?", "!")))
            or (len(last) <= HEADING_CHARS and last.endswith("?")))


def _with_labels(units: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Label and heading lines joined to the line after them ("Treatment" + "Participants receive ...",
    "What happens next?" + "You can expect the study team to contact you ...")."""
    joined: list[tuple[str, int, int]] = []
    for unit in units:
        if joined and _leads_in(joined[-1][0]):
            joined[-1] = (joined[-1][0] + "\n" + unit[0], joined[-1][1], unit[2])
        else:
            joined.append(unit)
    return joined


def _chunks(units: list[tuple[str, int, int]], is_list: bool) -> list[tuple[str, int, int]]:
    if not units:
        return []
    if is_list:
        return units  # one passage per criterion
    if sum(len(u[0]) for u in units) <= SHORT_SECTION_CHARS:
        return [("\n".join(u[0] for u in units), units[0][1], units[-1][2])]
    return [s for unit in _with_labels(units) for s in _sentences(unit)]


def plain_words(trial: Trial) -> dict[str, tuple[str, ...]]:
    """The pre-screen's plain words for each criterion of the trial, by the criterion's text. Not a
    draft's (make import's, not reviewed yet): its question only quotes the criterion, and its "why"
    ("It is one of the study's inclusion criteria.") is the same for every one, so that all of them
    scored alike, and high, for any question about the study."""
    words: dict[str, tuple[str, ...]] = {}
    for c in load_criteria(trial):
        if c.review == REVIEW_NEEDED:
            continue
        said = [c.question, c.why, c.next_step] + [ch["label"] for ch in c.choices if ch["value"] not in ("other", "none")]
        words[c.source] = words.get(c.source, ()) + tuple(w for w in said if w)
    return words


def _plain_for(text: str, plain: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Plain words of the criteria this passage quotes (eligibility.quotes_criterion)."""
    return tuple(w for source, said in plain.items() if quotes_criterion(source, text) for w in said)


def split_source(trial: Trial, source: SourceSpec, cleaner: Cleaner, knowledge_dir: Path,
                 plain: dict[str, tuple[str, ...]] | None = None) -> list[Passage]:
    text = source.path.read_text(encoding="utf-8")
    rel = source.path.relative_to(knowledge_dir).as_posix()
    passages: list[Passage] = []
    for spec, body_start, end in _section_spans(text, source):
        if spec.skip:
            continue
        title = spec.title or spec.start.strip()
        units = _units(text, body_start, end, cleaner)
        passages.extend(Passage(trial.id, spec.key, title, t, rel, s, e, spec.list, plain=_plain_for(t, plain or {}))
                        for t, s, e in _chunks(units, spec.list))
    return passages


def team_answer_passages(trial: Trial, knowledge_dir: Path) -> list[Passage]:
    """Each study team answer is a section of its own, titled by its question (start: its number)."""
    rel = (trial.folder / TEAM_ANSWERS_FILE).relative_to(knowledge_dir).as_posix()
    return [Passage(trial.id, f"team_answer_{n}", a.question, a.answer, rel, n, n, approved_on=a.approved_on.isoformat())
            for n, a in enumerate(trial.team_answers, 1)]


def fact_passages(trial: Trial, knowledge_dir: Path) -> list[Passage]:
    """Each fact of trial.yml is a section of its own, a passage per sentence (start: a running number)."""
    rel = (trial.folder / TRIAL_FILE).relative_to(knowledge_dir).as_posix()
    passages = []
    for fact, key, title, sentences in fact_sections(trial):
        for text in sentences:
            number = len(passages) + 1
            passages.append(Passage(trial.id, key, title, text, rel, number, number, cited_as=registry_citation(trial, fact)))
    return passages


def split_trial(trial: Trial, knowledge_dir: Path = KNOWLEDGE_DIR, chrome: dict | None = None) -> list[Passage]:
    cleaner = Cleaner(load_chrome(knowledge_dir) if chrome is None else chrome, trial.strip)
    plain = plain_words(trial)
    return ([p for source in trial.sources for p in split_source(trial, source, cleaner, knowledge_dir, plain)]
            + fact_passages(trial, knowledge_dir) + team_answer_passages(trial, knowledge_dir))


def split_all(trials: dict[str, Trial], knowledge_dir: Path = KNOWLEDGE_DIR) -> list[Passage]:
    chrome = load_chrome(knowledge_dir)
    return [p for trial in trials.values() for p in split_trial(trial, knowledge_dir, chrome)]
