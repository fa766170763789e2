"""What a question asks for, and whether sentences say it (the topics: question_topics.yml).

"How many injections?" asks for a number of injections; a sentence on the topic that holds none
does not answer it, however close in meaning ("Intralesional Injection of STS"). "Does it hurt?"
is answered only by a sentence that speaks of pain. Questions that ask for nothing in particular
(what, why, yes/no) are not checked here.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from actions.lay_terms import listing_words

TOPICS_FILE = Path(__file__).with_name("question_topics.yml")


@dataclass(frozen=True)
class Topic:
    name: str
    asks: re.Pattern
    answered_by: str  # a pattern; {counted} is filled in from the question
    about_trials: bool  # a topic of questions about trials (not merely a kind of fact: who, when)
    alike: tuple[frozenset[str], ...] = ()
    sections: frozenset[str] = frozenset()  # keys of sections that say it whatever their words


@dataclass(frozen=True)
class Asked:
    """What one question asks for: the topic, and the pattern a sentence must match to answer it."""
    topic: str  # as coordinators read it: "pain", "number of injections"
    evidence: re.Pattern
    about_trials: bool  # the question is about the trials whatever the NLU made of it ("placebo")
    sections: frozenset[str] = frozenset()

    def held_by(self, text: str) -> bool:
        return bool(self.evidence.search(text))


@lru_cache(maxsize=None)
def _topics(path: Path = TOPICS_FILE) -> tuple[Topic, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    clause_start = data.get("clause_start")
    topics = []
    for about_trials, key in ((True, "topics"), (False, "kinds")):
        for n, entry in enumerate(data[key]):
            fields = (entry.get("topic"), entry.get("asks"), entry.get("answered_by"))
            if not all(isinstance(f, str) and f for f in fields):
                raise ValueError(f"{path}: {key}[{n}]: needs `topic`, `asks` and `answered_by` (text)")
            alike = tuple(frozenset(w.lower() for w in group) for group in entry.get("alike", []))
            if "{clause_start}" in fields[1] and not isinstance(clause_start, str):
                raise ValueError(f"{path}: {key}[{n}]: uses {{clause_start}}, which the file does not define")
            asks = re.compile(fields[1].replace("{clause_start}", clause_start or ""), re.IGNORECASE)
            topics.append(Topic(fields[0], asks, fields[2], about_trials, alike,
                                frozenset(entry.get("sections", []))))
    return tuple(topics)


def _counted_words(word: str, topic: Topic) -> str:
    """A pattern for the thing counted ("injections": injections, and the listing's words for it)."""
    word = word.lower()
    words = {word} | {w for group in topic.alike if word in group for w in group}
    words |= {w for listing in listing_words(word) for w in listing.split()}
    stems = sorted({re.sub(r"(es|s)$", "", w) if len(w) > 4 else w for w in words})
    return r"(?:" + "|".join(re.escape(w) + r"\w*" for w in stems) + r")"


# The clause that asks: the last one ending in a question mark, after a comma, a semicolon or a sentence.
_ASKING_CLAUSE = re.compile(r"(?:^|[,;.!?]\s+)([^,;.!?]+\?)[\s?!]*$")


def asked_for(question: str) -> Asked | None:
    """What the question asks for, by the first topic whose `asks` it matches, in the clause that asks
    first ("we'd have to travel, where is it exactly?" asks where, not about travel); None: nothing
    in particular."""
    clause = _ASKING_CLAUSE.search(question or "")
    if clause and clause.group(1).strip() != (question or "").strip():
        asked = _asked_in(clause.group(1))
        if asked is not None:
            return asked
    return _asked_in(question)


def _asked_in(question: str) -> Asked | None:
    for topic in _topics():
        match = topic.asks.search(question or "")
        if match:
            counted = match.groupdict().get("counted")
            evidence = topic.answered_by.replace("{counted}", _counted_words(counted, topic) if counted else "")
            return Asked(f"number of {counted}" if counted else topic.name, re.compile(evidence, re.IGNORECASE),
                         topic.about_trials, topic.sections)
    return None


def holds(asked: Asked | None, text: str, sections: Iterable[str] = ()) -> bool:
    """Whether the text says what the question asks for (always true when it asks for nothing in
    particular): by its words, or by being from a section of the kind that says it."""
    return asked is None or asked.held_by(text) or not asked.sections.isdisjoint(sections)


# "What does iPPSD2 mean?", "what does parturient stand for?", "what counts as a contraindication?":
# asks what a word of the texts means.
_DEFINITION = re.compile(r"\bwhat(?:'s| does| do| is)? (?:the )?(?:word |term |abbreviation )?[\"'“]?"
                         r"(?!(?:it|this|that|these|those|they)\b)([\w/.-]+?)[\"'”]?"
                         r"\s+(?:mean|means|stand for|stands for)\b|\bmeaning of [\"'“]?([\w/.-]+)|"
                         r"\bwhat (?:would |does |do |will )?counts? as (?:an? )?[\"'“]?([\w/.-]+)", re.I)


# "What is iPPSD2?", "whats PHP1A": asks what an abbreviation means (a word with a digit or two capitals;
# "what is calcinosis?" is an ordinary question, answered by what the texts say of it).
_ABBREVIATION = re.compile(r"\bwhat(?:'s|s| is| are)\s+([A-Za-z]*\d[\w/-]*|[A-Za-z]*[A-Z][\w/-]*[A-Z][\w/-]*)"
                           r"(?=\s*(?:[?.,!]|$|exactly|anyway|again))")


def defined_term(question: str) -> str | None:
    """The word whose meaning the question asks for, if it asks for one."""
    match = _DEFINITION.search(question or "")
    if match:
        return next(g for g in match.groups() if g)
    match = _ABBREVIATION.search(question or "")
    return match.group(1) if match else None


def defines(term: str, text: str) -> bool:
    """Whether the text says what the term means: spelled out in brackets next to it ("iPPSD2)
    (inactivating parathyroid hormone ...", "STS (sodium thiosulfate)"), or "term means/is a"."""
    t = re.escape(term)
    return bool(re.search(rf"{t}[^()\w]{{0,3}}\(|\([^()]*{t}[^()]*\)\s*\(|\w\s*\([^()]*\b{t}\)|"
                          rf"\b{t},? (means|is an?|refers to|stands for)\b", text, re.I))
