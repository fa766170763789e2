"""Grounded answers: the sentences of the trial texts that answer, with their source; what the texts
say when they do not answer exactly; or an honest "not covered". Never anything else."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date

from actions.answer_check import THRESHOLD as CHECK_THRESHOLD, checked
from actions.answer_types import Asked, asked_for, defined_term, defines, holds
from actions.ingest import Passage
from actions.knowledge_base import Trial, contact_lines
from actions.lay_terms import listing_words
from actions.lexical import tokenize
from actions.messages import say
from actions.retrieval import ANSWER_THRESHOLD, Hit, Retriever, section_key
from actions.questions import question_in, without_joining
from actions.trial_names import TrialNames

# Other sentences of the best one's section are shown when they score this close to it (at most
# MAX_SENTENCES in all): one to three sentences, never the whole section unless asked for.
SENTENCE_MARGIN = 0.04
MAX_SENTENCES = 3
# What a patient reads at once: the sentences shown (the best one always) and a second section's
# sentence stay within this many characters; the rest is behind "Show the whole section".
ANSWER_CHARS = int(os.environ.get("ANSWER_CHARS", "450"))
LEAD_MARGIN = 0.2  # chosen on the dev set with the weights in retrieval.py
CANDIDATES_PER_TRIAL = 8
# A criterion is a few words ("Anticoagulant therapy"): its cosine with a whole question runs lower
# than a sentence's, so it needs this much less to count as on topic.
LIST_ITEM_ALLOWANCE = float(os.environ.get("LIST_ITEM_ALLOWANCE", "0.08"))  # chosen on the dev set
# When the texts do not say what was asked, the nearest sentence is quoted only if it is this close
# (below, the quote was about something else: chosen by reading the dev set's replies).
NEAREST_QUOTE_MIN = 0.4
# A question that names a section ("what are the exclusion criteria?") gets the section, up to this long.
MAX_SECTION_ANSWER_CHARS = 600
# Words and meaning can disagree on where the answer is ("pills or shots?": the sentence on current
# medicines by its words, the treatment line by its meaning): when another section's best sentence
# is within this of the first one's meaning score, it is shown too, with its own source (chosen on
# the dev set, confirmed on the test set; README).
SECOND_SECTION_MARGIN = 0.0
# ... unless at most this share of its words are new: it repeats the first (the same names twice).
REPEAT_NEW_WORDS = 0.2
# A sentence further below the best one than this is not taken for the answer because it holds the kind
# of fact asked for ("how long must I wait after stopping my anticoagulant?": not the 91 days of the
# condom criterion). Chosen on the new dev cases; the test set did not move.
SAYING_MARGIN = 0.2
# When the check reads the best answer as not saying what was asked, this many other sections' best
# passages are read in turn; one is taken when the check gives it at least an even chance (surer than
# a first answer needs: at the check's own THRESHOLD, questions the texts do not answer got one).
CHECKED_SECTIONS = 2
ALTERNATIVE_CHECK_THRESHOLD = 0.5
WORDS_ONLY_MARGIN = 0.25  # chosen on dev (0.15 and 0.25 alike on the held-out sets)
# Safety and effectiveness: the answer also says the treatment is investigational. (Asked in the
# question, or said by the answer; a criterion says who may join, not what the treatment does: "on
# highly effective contraception" is no claim on it.)
CRITERIA_SECTIONS = ("eligibility", "inclusion", "exclusion")
_INVESTIGATIONAL = re.compile(
    r"\b(safe|safety|side[- ]effects?|risks?|dangerous|harm|tolerat\w*|works?|working|effective\w*|"
    r"efficacy|cure|helps?|benefits?|promising|improve\w*)\b", re.IGNORECASE)
# Words that ask rather than name a topic: a question made only of these and a section title's words
# names that section.
_ASKING = frozenset("tell list show give all about please criteria criterion".split())


def _is_statement(text: str) -> bool:
    """A sentence that says something: not a heading or a question ("Step 1 ... What happens next?")."""
    return len(text) >= 40 and not text.rstrip().endswith("?")


def on_topic(hit: Hit, threshold: float) -> bool:
    return hit.score >= threshold - (LIST_ITEM_ALLOWANCE if hit.passage.list_item else 0)


def names_section(question: str, title: str) -> bool:
    """'What are the exclusion criteria?' names the section 'Exclusion criteria'."""
    words = set(tokenize(question)) - _ASKING
    return bool(words) and words <= set(tokenize(title))


def fits(passages: list[Passage], source: str) -> bool:
    """Whether these sentences and their source line are within what a patient reads at once."""
    return sum(len(p.text) for p in passages) + len(source) <= ANSWER_CHARS


def repeats(text: str, shown: str) -> bool:
    """Whether `text` says little that `shown` has not (a trial fact and the listing's section on the
    sponsor: the same names twice); such a text is not shown beside it."""
    words = set(tokenize(text))
    return bool(words) and len(words - set(tokenize(shown))) <= REPEAT_NEW_WORDS * len(words)


@dataclass(frozen=True)
class AnswerPart:
    trial: Trial
    passages: list[Passage]  # the sentences shown, in the order of the text
    section: list[Passage]  # the whole section they come from, shown on request
    complete: bool  # they say what was asked for ("how many injections": a number of them)
    unsure: bool = False  # the answer check read them as not saying it: quoted as the nearest

    def text(self) -> str:
        return "\n".join(p.text for p in self.passages)

    def source(self) -> str:
        return source_of(self.trial, self.passages[0])

    def reference(self) -> dict:
        p = self.passages[0]
        return {"trial": self.trial.id, "label": self.trial.label, "section": p.section, "title": p.title,
                "start": p.start, "more": len(self.section) > len(self.passages), "citation": self.source()}


def source_of(trial: Trial, passage: Passage) -> str:
    if passage.approved_on:  # the study team's words, not the listing's
        return f"Study team answer, approved {date.fromisoformat(passage.approved_on):%-d %B %Y} ({trial.label})"
    if passage.cited_as:
        return passage.cited_as
    return f"{trial.label}, section “{passage.title}”"


# Sections that say who may join (criteria, conditions, ages, medicines, places, status) and the study
# team's answers: what facts told with a request to join are answered from before the pre-screen.
_WHO_MAY_JOIN = ("fit", *CRITERIA_SECTIONS, "conditions", "ages", "sex", "healthy_volunteers",
                 "medications", "sites", "status", "dates", "team_answer_")


@dataclass
class Answer:
    parts: list[AnswerPart]  # one per trial whose texts are on topic; empty: not covered
    asked: list[Trial]  # the trials the question was asked about
    fact: Asked | None = None  # what the question asks for in particular, if anything
    investigational: bool = False
    hits: list[Hit] = field(default_factory=list)  # everything retrieved, for the debug view

    @property
    def answering(self) -> list[AnswerPart]:
        return [p for p in self.parts if p.complete]

    @property
    def route(self) -> str:
        """retrieval: the texts answer; partial: on topic, without the fact asked for; not_covered."""
        return "retrieval" if self.answering else ("partial" if self.parts else "not_covered")

    @property
    def covered(self) -> bool:
        return bool(self.answering)

    @property
    def says_who_may_join(self) -> bool:
        """Whether the texts answer it from what they say about who may join."""
        return bool(self.answering) and all(p.passages[0].section.startswith(_WHO_MAY_JOIN) for p in self.answering)

    def render(self) -> str:
        """What the patient reads: each answering part with its source (labelled by trial when
        several); else what the texts say nearest to it; else not covered; with the contacts."""
        contacts = contact_lines(self.asked)
        if self.answering:
            several = len({p.trial.id for p in self.answering}) > 1
            return "\n\n".join(f"{self._lead_in(n, several)}{p.text()}\n(Source: {p.source()})"
                                 for n, p in enumerate(self.answering))
        if self.parts:
            nearest = "\n".join(f"“{p.text()}” (Source: {p.source()})" for p in self.parts)
            # One trial: its source has just named it.
            # Known not to say it (no number for "how many"), or only read so by the answer check.
            return say("unsure" if all(p.unsure for p in self.parts) else "partial", nearest=nearest,
                       contacts=self.asked[0].contact if len(self.asked) == 1 else contacts)
        return say("not_covered", contacts=contacts)

    def _lead_in(self, n: int, several_trials: bool) -> str:
        """Each trial's part is labelled when several trials answer; a second part of one trial (another
        section that is as close in meaning) is introduced as such."""
        if several_trials:
            return f"For the {self.answering[n].trial.label}:\n"
        return say("also_relevant") + "\n" if n else ""

    def payload(self) -> dict:
        """For the widget: the route and the sources as data (citation, "more" control)."""
        return {"type": "answer", "route": self.route,
                "sources": [p.reference() for p in (self.answering or self.parts)],
                # The best passage's score: make report flags weak matches by it.
                "score": round(max(h.score for h in self.hits), 3) if self.hits else None}


def search_terms(topic: str) -> tuple[str, str]:
    """What is searched for: the topic without asking-to-join words, and the listing's words for its
    lay ones. Those go to the word search only: added to what is embedded, they pulled its meaning
    away from the question (test right answers 0.935 without, 0.919 with) and lengthened it."""
    question = without_joining(topic)
    return question, " ".join(listing_words(question))


class QuestionAnswerer:
    def __init__(self, retriever: Retriever, trials: dict[str, Trial], names: TrialNames, check=None):
        """`check`: an AnswerCheck (actions/answer_check.py); without one, an on-topic passage that holds
        the kind of fact asked for is taken to say it."""
        self.retriever, self.trials, self.names, self.check = retriever, trials, names, check

    def answer(self, question: str, trial_ids: list[str] | None = None, threshold: float = ANSWER_THRESHOLD,
               brief: bool = False) -> Answer:
        """Answers from the given trials (all of them when none is known); `brief` when the pre-screen
        starts in the same turn (its intro and first question follow): the best sentence only.
        (Mid-screening, where only the question follows, the answer is whole: its second sentence
        or section is sometimes the one that answers.)"""
        question = question_in(question)
        query = self.topic(question)
        fact = asked_for(query)
        term = defined_term(query)
        search, listing = search_terms(query)
        asked = [self.trials[t] for t in (trial_ids or self.trials) if t in self.trials]
        parts, hits = [], []
        for trial in asked:
            found = self.retriever.retrieve_passages(search, trial=trial.id, k=CANDIDATES_PER_TRIAL, listing_words=listing)
            if term:  # "what does X mean?": the sentence that spells X out comes first
                found.sort(key=lambda h: not defines(term, h.passage.text))
            hits.extend(found)
            # Only on-topic passages may answer: a shared word can rank first a sentence whose meaning
            # is elsewhere ("quit my meds": a safety sentence above the medications one). A sentence
            # that spells out the word asked about is on topic whatever its score.
            found = [h for h in found if on_topic(h, threshold) or (term and defines(term, h.passage.text))]
            # "Who is the sponsor?" names a section: its passages come before another section's
            # sentence that only mentions the word ("... results if provided by the sponsor").
            found.sort(key=lambda h: not names_section(query, h.passage.title))
            if found:
                part, more = self._part(trial, query, fact, found, term, brief), []
                if (not brief and part.complete and len(asked) == 1
                        and not names_section(query, part.passages[0].title)):
                    # Within what a patient reads at once, its own source line counted too.
                    more = [p for p in self._other_section(trial, part, found) if fits(part.passages + p.passages, p.source())]
                if part.complete and self.check is not None:
                    # On topic, but read with the question none of it says what was asked: another
                    # section's passage that the check reads as saying it ("which hospital is running
                    # it?": the site, not the sentence ranked first for the word "hospital"), else the
                    # nearest. Ranked first by a shared word alone ("actually" finding "(actual)" in
                    # a start date), far below another section in meaning: that one, when the check
                    # reads it as saying what was asked more surely.
                    rejected = not self._says_it(query, [part, *more])
                    if rejected or found[0].score < max(h.score for h in found) - WORDS_ONLY_MARGIN:
                        surer_than = None if rejected else max(self.check.says(query, part.passages))
                        instead = self._checked_instead(trial, query, fact, found, part, term, brief, surer_than)
                        if rejected or instead.complete:
                            part, more = instead, []
                if part.complete or found[0].score >= NEAREST_QUOTE_MIN:
                    parts.append(part)
                parts.extend(more)
        said = [p.text for part in parts for p in part.passages if p.section not in CRITERIA_SECTIONS]
        investigational = any(_INVESTIGATIONAL.search(t) for t in [question] + said)
        return Answer(parts, asked, fact, investigational and any(p.complete for p in parts), hits)

    def _checked_instead(self, trial: Trial, query: str, fact: Asked | None, found: list[Hit], part: AnswerPart,
                         term: str | None, brief: bool, surer_than: float | None = None) -> AnswerPart:
        """The best of the sections ranked below the part's by their words but above it by meaning (at
        most CHECKED_SECTIONS) whose answer the check reads as saying what was asked, when it reads it
        more surely than `surer_than` (the part's own reading, when given); else the part's first
        sentence, unsure. (Below it by both, too many answered questions the texts do not.)"""
        tried = {section_key(part.passages[0])}
        first = found[0].score
        for hit in sorted((h for h in found if h.score > first), key=lambda h: -h.score):
            if len(tried) > CHECKED_SECTIONS:
                break
            if section_key(hit.passage) in tried:
                continue
            tried.add(section_key(hit.passage))
            same = [h for h in found if section_key(h.passage) == section_key(hit.passage)]
            other = self._compose(trial, query, fact, [hit] + [h for h in same if h is not hit], term, brief)
            # (Read by the check whatever it is: a fact's section stands as a first answer only.)
            said = max(self.check.says(query, other.passages)) if other.complete else 0.0
            if said >= ALTERNATIVE_CHECK_THRESHOLD:
                if surer_than is None or said > surer_than:
                    return other
                break
        return AnswerPart(trial, part.passages[:1], part.section, False, unsure=True)

    def _says_it(self, query: str, parts: list[AnswerPart]) -> bool:
        passages = [p for part in parts for p in part.passages]
        if self.check is None or not all(map(checked, passages)):
            return True
        # One at a time, stopping at the first that says it: most answers' first sentence does.
        return any(self.check.says(query, [p])[0] >= CHECK_THRESHOLD for p in passages)

    def topic(self, question: str) -> str:
        """The question without trial names: a name says which trial, not what is asked."""
        return self.names.without_names(question) or question

    def _part(self, trial: Trial, query: str, fact: Asked | None, found: list[Hit], term: str | None,
              brief: bool = False) -> AnswerPart:
        part = self._compose(trial, query, fact, found, term, brief)
        if part.complete:
            return part
        # What was asked for may be said by another on-topic passage than the best one ("how old":
        # the age criterion, second after the consent one).
        best = max(h.score for h in found)
        saying = [h for h in found if holds(fact, h.passage.text, [h.passage.section])
                  and (term is None or defines(term, h.passage.text))
                  and h.score >= best - SAYING_MARGIN]
        if saying:
            return self._compose(trial, query, fact, saying, term, brief)
        # The texts do not say it: what they say nearest is quoted, one sentence (the section on request).
        return AnswerPart(trial, _with_what_it_leans_on(found[0].passage, part.section), part.section, False)

    def _other_section(self, trial: Trial, part: AnswerPart, found: list[Hit]) -> list[AnswerPart]:
        """The best sentence of another section, when it is as close in meaning as the first hit (the
        first part says what was asked for; this one is what the texts say next to it)."""
        other = next((h for h in found if section_key(h.passage) != section_key(part.passages[0])), None)
        if other is None or other.score < found[0].score - SECOND_SECTION_MARGIN or repeats(other.passage.text, part.text()):
            return []
        section = self.retriever.section_passages(other.passage)
        return [AnswerPart(trial, _with_what_it_leans_on(other.passage, section), section, True)]

    def _compose(self, trial: Trial, query: str, fact: Asked | None, found: list[Hit], term: str | None,
                 brief: bool = False) -> AnswerPart:
        best = found[0]
        section = self.retriever.section_passages(best.passage)
        if names_section(query, best.passage.title):
            # A short section is the answer; a long one is introduced by its first sentence.
            short = sum(len(p.text) for p in section) <= MAX_SECTION_ANSWER_CHARS
            shown = section if short else sorted({section[0], *_with_what_it_leans_on(best.passage, section)},
                                                 key=lambda p: p.start)
        else:
            close = [h for h in found if h.passage in section and h.score >= best.score - SENTENCE_MARGIN]
            # A section's first sentence says what it is about ("This trial tests ..."): it leads the
            # answer when it is on topic too.
            # (Not when the best one comes with the sentence it leans on: that one says it.)
            lead = next((h for h in found if h.passage == section[0]), None)
            if (not brief and lead and lead not in close and not best.passage.list_item
                    and leaned_on(best.passage, section) is None
                    and lead.score >= best.score - LEAD_MARGIN and _is_statement(lead.passage.text)):
                close = [lead] + close
            kept = []
            for h in close[:1 if brief else MAX_SENTENCES]:  # in order of score, the best one always
                # with the sentence it leans on, if any
                group = [p for p in _with_what_it_leans_on(h.passage, section) if p not in kept]
                if not kept or sum(len(p.text) for p in kept + group) <= ANSWER_CHARS:
                    kept.extend(group)
            shown = sorted(kept, key=lambda p: p.start)
            # Nothing skipped between two sentences shown ("Screening ... Follow-up" without the
            # treatment step between them), when the span fits with its source line.
            at = [section.index(p) for p in shown if p in section]
            if len(at) == len(shown) > 1:
                span = section[min(at):max(at) + 1]
                if len(span) > len(shown) and fits(span, source_of(trial, span[0])):
                    shown = span
        # A listing may say the same thing twice (its sponsor in the header and the details): once is enough.
        shown = [p for n, p in enumerate(shown) if all(p.text != q.text for q in shown[:n])]
        # The fact asked for may sit in a close sentence of the section rather than the best one.
        shown_text = "\n".join(p.text for p in shown)
        complete = holds(fact, shown_text, {p.section for p in shown}) and (term is None or defines(term, shown_text))
        return AnswerPart(trial, shown, section, complete)


# A sentence that leans on the one before it ("For example, ...", "This method ...") says little alone.
_LEANS_ON_THE_ONE_BEFORE = re.compile(r"^(for (example|instance)|this|these|those|such|it|they|however|in addition|"
                                      r"moreover|also)\b", re.IGNORECASE)


def _with_what_it_leans_on(passage: Passage, section: list[Passage]) -> list[Passage]:
    """The sentence, after the one it leans on if any."""
    return [p for p in (leaned_on(passage, section), passage) if p is not None]


def leaned_on(passage: Passage, section: list[Passage]) -> Passage | None:
    """The sentence before this one in its section, when this one leans on it."""
    at = next((i for i, p in enumerate(section) if p == passage), 0)
    if at > 0 and _LEANS_ON_THE_ONE_BEFORE.match(passage.text) and not section[at - 1].list_item:
        return section[at - 1]
    return None


def section_reply(retriever: Retriever, trial: Trial, section: str, start: int) -> str | None:
    """The whole section an answer came from ("show the whole section"), with its source."""
    passage = next((p for p in retriever.passages if p.trial == trial.id and p.section == section and p.start == start), None)
    if passage is None:
        return None
    text = "\n".join(p.text for p in retriever.section_passages(passage))
    return f"{text}\n(Source: {source_of(trial, passage)})"


def why(answer: Answer) -> str:
    """Why the answer took its route, in a coordinator's words."""
    best = max((h.score for h in answer.hits), default=None)
    score = f"best score {best:.2f}" if best is not None else "nothing retrieved"
    if answer.route == "not_covered":
        return f"{score}, below the answer threshold {ANSWER_THRESHOLD:.2f}"
    if answer.route == "partial":
        if all(p.unsure for p in answer.parts):
            return f"on topic ({score}) but the answer check reads none of its sentences as saying what was asked"
        missing = f"nothing on {answer.fact.topic}" if answer.fact else "not the term asked about"
        return f"on topic ({score}) but the sentences hold {missing}"
    team = any(p.approved_on for part in answer.answering for p in part.passages)
    return f"{score} (threshold {ANSWER_THRESHOLD:.2f})" + ("; from a study team answer" if team else "")


def debug_lines(answer: Answer) -> str:
    """For coordinators (make shell DEBUG=1): the route and why, what was retrieved and how it scored."""
    lines = [f"[debug] route {answer.route}: {why(answer)}; asked for: {answer.fact.topic if answer.fact else 'anything'}"]
    for hit in answer.hits:
        p = hit.passage
        lines.append(f"[debug] {hit.score:.3f} (rank {hit.rank_score:.3f}) {p.trial}/{p.section} "
                     f"{p.source}:{p.start}-{p.end} {p.text[:70]!r}")
    return "\n".join(lines)
