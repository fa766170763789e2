"""Grounded answers: passages of the trial texts, with their source, or an honest "not covered"."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from actions.knowledge_base import Trial
from actions.ingest import Passage
from actions.retrieval import ANSWER_THRESHOLD, Hit, Retriever
from actions.trial_names import TrialNames

# A section up to this long is the answer as a whole (the STSINJ sections answer their heading's
# question); in a longer one, the best passage and those scoring within SECTION_MARGIN of it.
MAX_SECTION_ANSWER_CHARS = 1000
SECTION_MARGIN = 0.1
MAX_QUESTION_CHARS = 1000  # the model reads ~256 word pieces; the rest of a very long message is noise
# Safety and effectiveness: the answer also says the treatment is investigational.
_INVESTIGATIONAL = re.compile(
    r"\b(safe|safety|side[- ]effects?|risks?|dangerous|harm|tolerat\w*|works?|working|effective\w*|"
    r"efficacy|cure|helps?|benefits?|promising|improve\w*)\b", re.IGNORECASE)


_QUESTION_START = re.compile(
    r"^\s*(what|what's|whats|who|who's|how|when|where|why|which|is|are|can|could|do|does|did|will|would|"
    r"should|tell me|explain)\b", re.IGNORECASE)


def is_question(text: str) -> bool:
    """Whether a message asks something (beyond naming a trial)."""
    return "?" in text or bool(_QUESTION_START.match(text))


@dataclass(frozen=True)
class AnswerPart:
    trial: Trial
    passages: list[Passage]  # from one section, in the order of the text

    def text(self) -> str:
        return "\n".join(p.text for p in self.passages)

    def source(self) -> str:
        return f"{self.trial.label}, section “{self.passages[0].title}”"


def answer_passages(hits: list[Hit], retriever: Retriever) -> list[Passage]:
    """What to show from the best hit's section."""
    best = hits[0].passage
    section = retriever.section_passages(best)
    close = [h.passage for h in hits if h.passage in section and h.score >= hits[0].score - SECTION_MARGIN]
    if best.list_item:
        # Several criteria match ("what are the exclusion criteria?"): the whole list.
        return section if len(close) > 1 else [best]
    if sum(len(p.text) for p in section) <= MAX_SECTION_ANSWER_CHARS:
        return section
    return sorted(close, key=lambda p: p.start)


@dataclass
class Answer:
    parts: list[AnswerPart]  # one per trial that the texts answer for; empty: not covered
    asked: list[Trial]  # the trials the question was asked about
    investigational: bool = False
    hits: list[Hit] = field(default_factory=list)  # everything retrieved, for the debug view

    @property
    def covered(self) -> bool:
        return bool(self.parts)

    def render(self) -> str:
        """The answer text: each part with its source; labelled by trial when there are several."""
        blocks = []
        for part in self.parts:
            lead = f"For the {part.trial.label}:\n" if len(self.parts) > 1 else ""
            blocks.append(f"{lead}{part.text()}\n(Source: {part.source()})")
        return "\n\n".join(blocks)


class QuestionAnswerer:
    def __init__(self, retriever: Retriever, trials: dict[str, Trial], names: TrialNames):
        self.retriever, self.trials, self.names = retriever, trials, names

    def answer(self, question: str, trial_ids: list[str] | None = None, threshold: float = ANSWER_THRESHOLD) -> Answer:
        """Answers from the given trials (all of them when none is known)."""
        question = (question or "")[:MAX_QUESTION_CHARS]
        # A trial's name says which trial, not what is asked; it only adds noise to the search.
        query = self.names.without_names(question) or question
        asked = [self.trials[t] for t in (trial_ids or self.trials) if t in self.trials]
        parts, hits = [], []
        for trial in asked:
            found = self.retriever.retrieve_passages(query, trial=trial.id, k=3)
            hits.extend(found)
            # Covered when any candidate is close enough in meaning; the best-ranked one is shown.
            if found and max(h.score for h in found) >= threshold:
                parts.append(AnswerPart(trial, answer_passages(found, self.retriever)))
        investigational = bool(_INVESTIGATIONAL.search(question)) or any(
            _INVESTIGATIONAL.search(p.text()) for p in parts)
        return Answer(parts, asked, investigational and bool(parts), hits)


def debug_lines(answer: Answer) -> str:
    """For coordinators (make shell DEBUG=1): what was retrieved and how it scored."""
    lines = [f"[debug] threshold {ANSWER_THRESHOLD:.2f}"]
    for hit in answer.hits:
        p = hit.passage
        lines.append(f"[debug] {hit.score:.3f} (rank {hit.rank_score:.3f}) {p.trial}/{p.section} "
                     f"{p.source}:{p.start}-{p.end} {p.text[:70]!r}")
    return "\n".join(lines)
