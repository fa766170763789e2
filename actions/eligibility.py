"""Eligibility pre-screening rules, read from knowledge/<trial>/criteria.yml: which question comes
next, whether an answer meets its criterion, and the outcome. No criterion is coded here."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import yaml

from actions.answer_parsing import (NO, NOT_SURE, YES, YOU, choices_named, clauses, leads_with_answer, named_medicine,
                                    normalise, parse_age, parse_choice, parse_yes_no, stated_age, stated_ages,
                                    topic_stems)
from actions.knowledge_base import KnowledgeError, Trial
from actions.questions import stated_part
from actions.trial_facts import closed

CRITERIA_FILE = "criteria.yml"
KINDS = ("inclusion", "exclusion", "info")
ANSWER_TYPES = ("yes_no", "number", "choice")
_HINT = re.compile(r"\s*\([^()]*\)")
RULE_OPS = ("equals", "in", "min", "max")
MAY_BE_ELIGIBLE, LIKELY_NOT_ELIGIBLE, UNKNOWN = "may_be_eligible", "likely_not_eligible", "unknown"
REVIEW_NEEDED = "needed"  # a criterion's `review` while no coordinator has checked it (make import's drafts)


@dataclass(frozen=True)
class Criterion:
    key: str
    kind: str
    source: str
    question: str | None = None
    answer_type: str | None = None  # yes_no | number | choice
    rule: dict = field(default_factory=dict)
    why: str | None = None
    choices: tuple = ()
    unit: str | None = None
    lexicon: str | None = None
    # Words that, said of the person in a message before the question ("I've got calcium deposits on
    # my fingers, can I sign up?"), answer a yes/no question yes.
    stated_by: tuple = ()
    ask_if: dict = field(default_factory=dict)
    # "female": not asked about someone the patient names as a man or boy ("Could your husband become
    # pregnant?"); asked when who takes part is the patient or not said.
    for_sex: str | None = None
    checked_by: str | None = None
    next_step: str | None = None
    # The question asked of the patient ("you") and of someone else ("someone", with {person}: "your
    # daughter"); `question` (about "the person who would take part") when who is not known.
    asked_of: dict = field(default_factory=dict)
    # "needed": a draft (make import) that a coordinator has not checked; the pre-screen of a trial
    # with any such criterion is off.
    review: str | None = None

    @functools.cached_property
    def topic(self) -> frozenset[str]:
        """What the question is about: a yes or no in a message about something else is no answer."""
        return topic_stems(" ".join([self.key.replace("_", " "), self.question or "", self.why or "",
                                     *self.asked_of.values()]))

    @property
    def asked(self) -> bool:
        return self.checked_by is None

    def question_about(self, person: str | None) -> str:
        """The question, asked of the patient ("you"), of someone they named ("your daughter"), or of
        "the person who would take part" when who is not known."""
        if person == YOU and self.asked_of.get("you"):
            return self.asked_of["you"]
        if person and person != YOU and self.asked_of.get("someone"):
            return self.asked_of["someone"].format(person=person)
        return self.question or ""

    def recalled_about(self, person: str | None) -> str:
        """The question as said back with its answer ("I noted", the recap, the outcome): without the
        hints in brackets that help to answer it ("How old is your son? (in years, or months for a
        baby)": "How old is your son?"), which made a pre-screen's first turn hard to read."""
        return " ".join(_HINT.sub("", self.question_about(person)).split())

    def parse(self, text: str | None, others: list[Criterion] = ()):
        """The normalised answer in the text, or None when it cannot be read. A clause that answers
        one of the `others` (the pre-screen's other questions) is not read as a yes or no to this one
        ("he is 6, he has iPPSD2" says nothing of planned surgery)."""
        if self.answer_type == "yes_no":
            others = [c for c in others if c.key != self.key]
            if others:
                text = ". ".join(c for c in clauses(normalise(text))
                                 if leads_with_answer(c) or not answers_in_message(others, c))
            return parse_yes_no(text, self.lexicon, self.topic)
        if self.answer_type == "number":
            return NOT_SURE if parse_yes_no(text) == NOT_SURE else parse_age(text)
        return parse_choice(text, list(self.choices), self.topic)

    def evaluate(self, answer) -> bool | None:
        """True: met (for an exclusion: not ruled out); False: not met; None: cannot tell."""
        return meets(self.rule, answer)

    def display(self, answer) -> str:
        if answer == NOT_SURE:
            return "Not sure"
        if self.answer_type == "choice":
            return next((c["label"] for c in self.choices if c["value"] == answer), str(answer))
        if self.answer_type == "number":
            if self.unit == "years" and 0 < float(answer) < 2:  # "18 months", as parents say it
                return f"{round(float(answer) * 12)} months"
            number = int(answer) if float(answer).is_integer() else answer
            return f"{number} {self.unit or ''}".strip()
        return str(answer).capitalize()

    def buttons(self) -> list[dict[str, str]]:
        """Quick replies; each sends its own text, which parse() reads back."""
        titles = [c["label"] for c in self.choices] if self.answer_type == "choice" else (
            ["Yes", "No"] if self.answer_type == "yes_no" else [])
        return [{"title": t, "payload": t} for t in titles + ["Not sure"]]


def _non_strings(raw: dict) -> list[str]:
    """Keys whose words must be text but are not: YAML reads a bare no/yes/on/off as a boolean,
    and a boolean word matched every answer (an unquoted `no` among the choice words)."""
    bad = [k for k in ("key", "kind", "question", "source", "why", "unit", "lexicon", "next_step", "review")
           if k in raw and not isinstance(raw[k], str)]
    asked_of = raw.get("asked_of") or {}
    if not isinstance(asked_of, dict):
        bad.append("asked_of")
    else:
        bad += [f"asked_of.{k}" for k, v in asked_of.items() if not isinstance(v, str)]
    stated_by = raw.get("stated_by") or []
    bad += ["stated_by"] if not isinstance(stated_by, list) else [
        f"stated_by[{j}]" for j, w in enumerate(stated_by) if not isinstance(w, str)]
    for i, choice in enumerate(raw.get("choices") or []):
        if not isinstance(choice, dict):
            bad.append(f"choices[{i}]")
            continue
        bad += [f"choices[{i}].{k}" for k in ("value", "label") if not isinstance(choice.get(k), str)]
        bad += [f"choices[{i}].words[{j}]" for j, w in enumerate(choice.get("words") or []) if not isinstance(w, str)]
    return bad


def _check(criterion: Criterion, where: str) -> Criterion:
    problems = []
    if criterion.kind not in KINDS:
        problems.append(f"kind must be one of {KINDS}")
    if criterion.asked:
        if not criterion.question or criterion.answer_type not in ANSWER_TYPES:
            problems.append(f"an asked criterion needs a question and an answer type of {ANSWER_TYPES}")
        if criterion.kind != "info" and not set(criterion.rule) & set(RULE_OPS):
            problems.append(f"needs a rule using {RULE_OPS}")
        if criterion.answer_type == "choice" and not criterion.choices:
            problems.append("a choice needs choices")
    elif not criterion.next_step:
        problems.append("a criterion checked by the study team needs a next_step")
    if criterion.for_sex not in (None, "female", "male"):
        problems.append("for_sex must be female or male")
    if problems:
        raise KnowledgeError(f"{where}: criterion {criterion.key!r}: {'; '.join(problems)}")
    return criterion


def load_criteria(trial: Trial) -> list[Criterion]:
    """The trial's criteria in asking order; [] when its folder has no criteria file."""
    path = trial.folder / CRITERIA_FILE
    if not path.is_file():
        return []
    # Read once per version of the file: every screening turn asks for them, often twice.
    return list(_parse_criteria(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=64)
def _parse_criteria(path_name: str, _mtime_ns: int) -> tuple[Criterion, ...]:
    path = Path(path_name)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    criteria = []
    for raw in data.get("criteria", []):
        raw = dict(raw)
        bad = _non_strings(raw)
        if bad:
            raise KnowledgeError(f"{path}: criterion {raw.get('key')!r}: {', '.join(bad)} must be text "
                                 f"(quote words such as \"no\", \"yes\", \"on\", \"off\")")
        raw["choices"] = tuple(raw.get("choices", ()))
        raw["stated_by"] = tuple(raw.get("stated_by") or ())
        criteria.append(_check(Criterion(**raw), str(path)))
    keys = [c.key for c in criteria]
    if len(set(keys)) != len(keys):
        raise KnowledgeError(f"{path}: criterion keys must be unique")
    return tuple(criteria)


def screening_blocked(trial: Trial) -> str | None:
    """Why the trial has no pre-screen: "not_recruiting" (its stated status), "not_reviewed" (draft
    criteria from an import that no coordinator has checked), "no_criteria"; None when it has one."""
    if closed(trial):
        return "not_recruiting"
    criteria = load_criteria(trial)
    if any(c.review == REVIEW_NEEDED for c in criteria):
        return "not_reviewed"
    return None if criteria else "no_criteria"


def meets(rule: dict, answer) -> bool | None:
    """Whether an answer meets a rule (equals / in / min / max); None: cannot tell."""
    if answer is None or answer == NOT_SURE or not rule:
        return None
    if "equals" in rule:
        return answer == rule["equals"]
    if "in" in rule:
        return answer in rule["in"]
    return (rule.get("min") is None or answer >= rule["min"]) and (rule.get("max") is None or answer <= rule["max"])


def applies(criterion: Criterion, answers: dict, criteria: Sequence[Criterion] = ()) -> bool:
    """Whether a criterion is asked, given the answers so far (ask_if: a list of answers, or a rule such
    as {min: 8} on an age). One that depends on a question not asked is not asked either: "Is your
    son pregnant?" never follows a skipped "Could he become pregnant?"."""
    for key, condition in criterion.ask_if.items():
        if key in answers:
            met = meets(condition, answers[key]) if isinstance(condition, dict) else answers[key] in condition
            if met is False:
                return False
        else:
            asked_first = next((c for c in criteria if c.key == key), None)
            if asked_first is not None and not applies(asked_first, answers, criteria):
                return False
    return True


def _squeezed(text: str) -> str:
    return " ".join(text.split()).lower()


def quotes_criterion(source: str, text: str) -> bool:
    """Whether a passage's `text` is a criterion's text (`source`), or begins it, or is begun by it (a
    criterion quoted in part, or one that the listing continues on its next line)."""
    source, own = _squeezed(source), _squeezed(text)
    return bool(own) and (source == own or source.startswith(own + " ") or own.startswith(source + " "))


def ruled_out_by(criteria: list[Criterion], answers: dict) -> Criterion | None:
    return next((c for c in criteria if c.key in answers and c.evaluate(answers[c.key]) is False), None)


def next_question(criteria: list[Criterion], answers: dict) -> Criterion | None:
    """The next criterion to ask, or None when done: all asked, or an answer already rules out."""
    if ruled_out_by(criteria, answers):
        return None
    return next((c for c in criteria if c.asked and c.key not in answers and applies(c, answers, criteria)), None)


def progress(criteria: list[Criterion], answers: dict) -> tuple[int, int, bool]:
    """(step, of, up_to) for the next question: questions still applicable, given the answers so far;
    `up_to` when some of them hang on answers not given yet ("Question 7 of up to 11": a "no" to
    "could she become pregnant?" skips two, and "8 of 9" after "7 of 11" read as a mistake)."""
    applicable = [c for c in criteria if c.asked and applies(c, answers, criteria)]
    answered = sum(1 for c in applicable if c.key in answers)
    up_to = any(k not in answers for c in applicable if c.key not in answers for k in c.ask_if)
    return answered + 1, len(applicable), up_to


@dataclass(frozen=True)
class Outcome:
    outcome: str
    ruled_out_by: Criterion | None
    not_sure: list[Criterion]
    team_checks: list[Criterion]
    results: list[tuple[Criterion, object, bool | None]]  # (criterion, answer, met), asking order

    def payload(self, trial_id: str) -> dict:
        return {"type": "eligibility_result", "trial": trial_id, "outcome": self.outcome,
                "criteria": [{"key": c.key, "answer": a, "met": m} for c, a, m in self.results]}


def decide(criteria: list[Criterion], answers: dict) -> Outcome:
    results = [(c, answers[c.key], c.evaluate(answers[c.key])) for c in criteria if c.key in answers]
    failed = ruled_out_by(criteria, answers)
    not_sure = [c for c, a, met in results if met is None and c.kind != "info"]
    if failed:
        outcome = LIKELY_NOT_ELIGIBLE
    elif not_sure or not results:
        outcome = UNKNOWN
    else:
        outcome = MAY_BE_ELIGIBLE
    return Outcome(outcome, failed, not_sure, [c for c in criteria if not c.asked and applies(c, answers, criteria)], results)


_CRITERION_WORD = re.compile(r"[a-z]+")
_IGNORED = frozenset("the a an my his her your to of or in on is be do does did has have had change correct fix update "
                     "answer answers wrong i want would like please that this it for about she he they person "
                     "whether could will one question said say should got get actually sorry mistake made yes no "
                     "not sure meant mean was were what which doctor"
                     # The words of every question's "the person who would take part": no topic.
                     " who take part these".split())


def _stems(text: str) -> set[str]:
    # Five letters are enough to match "pregnancy" with "pregnant" and "surgery" with "surgeries".
    return {w[:5] for w in _CRITERION_WORD.findall((text or "").lower()) if w not in _IGNORED}


def _words_named(criterion: Criterion, words: set[str]) -> int:
    return len(words & (_stems(criterion.key.replace("_", " ")) | _stems(criterion.question)))


def find_criterion(text: str, criteria: list[Criterion], answers: dict) -> Criterion | None:
    """The answered criterion a correction names ("change my age", "the blood thinner answer was wrong")."""
    words = _stems(text)
    scored = [(_words_named(c, words), c) for c in criteria if c.key in answers]
    best = max(scored, key=lambda s: s[0], default=(0, None))
    return best[1] if best[0] > 0 else None


def names_an_earlier_question(text: str, criteria: list[Criterion], answers: dict, open_question: Criterion) -> bool:
    """Whether a reply names an answered question more than the open one ("hmm actually i'm not sure
    about the surgery" while the allergy question is open): it is about that answer, not this one."""
    named = find_criterion(text, criteria, answers)
    words = _stems(text)
    return named is not None and _words_named(named, words) > _words_named(open_question, words)


# "The surgery one should be no", "change the allergy answer to yes": the new answer of a yes/no question.
_NEW_YES_NO = re.compile(r"\b(should be|should say|should have said|meant|to|is|it'?s|its|now|into|be|=)\s+"
                         r"(?P<answer>yes|no|not sure)\b")


def _named_values(criterion: Criterion, text: str, named: bool) -> list:
    """The answers to this criterion the text names, in order ("it's dermatomyositis, not
    scleroderma": both; "I'm 45 not 54": 45 and 54). `named`: the text names the criterion."""
    if criterion.answer_type == "number":
        # Any number only when the age is named ("change my age to 45"): "surgery maybe one day" is no age.
        return stated_ages(text) or ([age] if named and (age := parse_age(text)) is not None else [])
    if criterion.answer_type == "choice":
        t = normalise(text)
        found = [(m.start(), ch["value"]) for ch in criterion.choices for w in ch.get("words", [])
                 if w not in _UNSPECIFIC for m in re.finditer(rf"\b{re.escape(normalise(w))}\b", t)]
        return list(dict.fromkeys(value for _, value in sorted(found)))
    said = _NEW_YES_NO.search(normalise(text))
    return [said.group("answer").replace(" ", "_")] if said else []


def correction_in(text: str, criteria: list[Criterion], answers: dict) -> tuple[Criterion | None, object]:
    """The answered criterion a correction is about and its new answer, when the text says both
    ("it's dermatomyositis actually, not scleroderma", "I'm 45 not 54", "the surgery answer should
    be no"): a named answer that differs from the one given, even when the old one is named too.
    (criterion, None) when only the criterion is clear ("change my age"); (None, None) when neither."""
    named = find_criterion(text, criteria, answers)
    changes = []
    for c in criteria:
        if c.key not in answers or (named is not None and c is not named):
            continue
        # The first named answer that is not the one given: "9 not 7", "dermatomyositis, not scleroderma";
        # for the question the correction names, a yes or no in any words ("she's been on eliquis since").
        named_values = _named_values(c, text, c is named)
        if not named_values and c is named and c.answer_type == "yes_no":
            # Without the question's own words: "the blood thinner one" names the question, not a medicine.
            asked_words = {w for w in _CRITERION_WORD.findall((c.question or "").lower()) if len(w) >= 5}
            rest = " ".join(w for w in re.findall(r"[\w']+", text.lower()) if w not in asked_words)
            named_values = [said for said in [parse_yes_no(rest, c.lexicon)] if said is not None]
        new = [v for v in named_values if v != answers[c.key]]
        if new:
            changes.append((c, new[0]))
    if len(changes) == 1:
        return changes[0]
    return named, None


# Words of a choice that say what it is not ("none", "other"): never read from a passing remark.
_UNSPECIFIC = frozenset(["none", "no", "other", "another", "something else", "none of these"])


def answers_in_message(criteria: list[Criterion], text: str) -> dict:
    """Pre-screen answers the patient gave before being asked ("my son is 12 and has iPPSD2, can he
    join?"): an age stated as one, a condition named by one choice's own words, a medicine of a
    criterion's lexicon, a yes/no criterion's `stated_by` words said, not asked. Only what the text
    says plainly; everything else is asked."""
    t = normalise(text)
    found = {}
    for c in criteria:
        if not c.asked or c.ask_if:
            continue
        if c.answer_type == "number":
            value = stated_age(text)
        elif c.answer_type == "choice":
            named = choices_named(t, list(c.choices), _UNSPECIFIC)
            value = named[0] if len(named) == 1 else None
        elif c.lexicon and named_medicine(text, c.lexicon):
            # A medicine named, and not denied ("I stopped warfarin").
            value = YES if parse_yes_no(text, c.lexicon) == YES else None
        else:
            value = YES if _states_yes(c, normalise(stated_part(text))) else None
        if value is not None:
            found[c.key] = value
    return found


def _states_yes(criterion: Criterion, text: str) -> bool:
    """Whether a clause of the (normalised) text says one of the criterion's `stated_by` words and
    denies nothing ("calcium deposits on my elbows", not "no calcium deposits yet")."""
    return any(any(re.search(rf"\b{re.escape(normalise(w))}", clause) for w in criterion.stated_by)
               and parse_yes_no(clause) != NO
               for clause in clauses(text))
