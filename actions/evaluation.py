"""Answer quality, measured on the patient question sets in tests/eval/ (make eval, the quality tests, make bench).

A case is one graded message (after its history) and what a right reply must and must not hold. A
reply is what the patient reads: the bot's messages for that message, with the `answer` payload that
says which route answered. Grading reads only the reply, never the bot's internals.
"""
from __future__ import annotations

import re
import statistics
import uuid
from collections import defaultdict
from pathlib import Path

import yaml

from actions.knowledge_base import PROJECT_DIR

EVAL_DIR = PROJECT_DIR / "tests" / "eval"
SETS = {"dev": "dev_set.yml", "dev2": "dev_set_2.yml", "test": "test_set.yml", "test2": "test_set_2.yml", "test3": "test_set_3.yml",
        "test4": "test_set_4.yml",
        # Questions on four ClinicalTrials.gov records (tests/fixtures/registry), imported by make eval.
        "registry_dev": "registry_dev_set.yml", "registry_test": "registry_set.yml"}
REGISTRY_SETS = ("registry_dev", "registry_test")
REGISTRY_RECORDS = sorted((EVAL_DIR.parent / "fixtures" / "registry").glob("NCT*.json"))
KINDS = ("answer", "not_covered", "medical_advice", "emergency")
# Claims the bot must never make, whatever the question (only the study team decides; investigational).
NEVER_SAY = ("you are eligible", "you qualify", "is safe and effective", "this treatment works", "will cure")
# The first words of the emergency reply, by language (domain.yml's utter_emergency and its French variation).
EMERGENCY_MARKS = {"en": "call emergency services", "fr": "appelez les secours maintenant"}


def load_cases(name: str, eval_dir: Path = EVAL_DIR) -> list[dict]:
    """The cases of one set (dev or test), checked: a mislabelled case must not grade silently."""
    path = eval_dir / SETS[name]
    cases = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
        case = {"history": [], "topic": [], "expect_any": [], "require": [], "forbid": [], "trial": None, "page": None,
                "max_chars": None, **raw}
        problems = [f"kind {case.get('kind')!r} is not one of {KINDS}"] if case.get("kind") not in KINDS else []
        if case["kind"] == "answer" and not (case["trial"] and (case["require"] or (case["topic"] and case["expect_any"]))):
            problems.append("an answer case needs trial, and require (or topic and expect_any)")
        phrases = [p for group in case["require"] for p in (group if isinstance(group, list) else [None])]
        if not all(isinstance(s, str) for s in [case["text"], *case["history"], *case["expect_any"], *case["forbid"],
                                                *phrases]):
            problems.append("texts must be strings (quote yes/no/on/off); require is a list of lists")
        if problems:
            raise ValueError(f"{path}: case {case.get('id')}: {'; '.join(problems)}")
        if name in REGISTRY_SETS:  # written as asked on each imported trial's own page
            case["page"] = case["page"] or case["trial"]
        cases.append(case)
    return cases


def reply_text(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages if isinstance(m.get("text"), str))


# Without an `answer` payload (a channel that drops them, an older bot), the route is read from the words.
_ROUTE_WORDS = (("medical_advice", "can't give personal medical advice"), ("not_covered", "doesn't cover that"),
                ("partial", "doesn't say that"), ("partial", "not sure the trial information answers"),
                ("retrieval", "(source:"))


def reply_route(messages: list[dict]) -> str:
    """Which route answered: an emergency by its first words, else from the `answer` payload."""
    if messages and any(mark in (messages[0].get("text") or "").lower() for mark in EMERGENCY_MARKS.values()):
        return "emergency"
    for m in messages:
        custom = m.get("custom")
        if isinstance(custom, dict) and custom.get("type") == "answer":
            return custom.get("route", "unknown")
    low = reply_text(messages).lower()
    return next((route for route, words in _ROUTE_WORDS if words in low), "other")


NOT_COVERED_ROUTES = ("not_covered", "partial")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\.? (\d{{1,2}}),? (\d{{4}})\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}}) {_MONTH}\.? (\d{{4}})\b")


def _iso_dates(low: str) -> str:
    """Dates in any usual spelling as ISO ("Mar 18, 2023", "18 March 2023" -> "2023-03-18")."""
    def iso(month: str, day: str, year: str) -> str:
        number = next(n for n, name in enumerate(_MONTHS, 1) if name.startswith(month[:3]))
        return f"{year}-{number:02d}-{int(day):02d}"

    low = _MONTH_DAY_YEAR.sub(lambda m: iso(m[1], m[2], m[3]), low)
    return _DAY_MONTH_YEAR.sub(lambda m: iso(m[2], m[1], m[3]), low)


def says(low: str, phrase: str) -> bool:
    """Whether a reply (lower case) says the phrase: a date counts in any spelling of it."""
    phrase = phrase.lower()
    return phrase in low or _iso_dates(phrase) in _iso_dates(low)


def grade(case: dict, messages: list[dict]) -> dict:
    """Whether the reply is right for the case, and why not: strictly (`right`: every fact a right
    reply needs, within the length limit) and leniently (`right_lenient`: any one expected word)."""
    text, route = reply_text(messages), reply_route(messages)
    low = text.lower()
    problems = [f"says {s!r}" for s in NEVER_SAY + tuple(case["forbid"]) if s.lower() in low]
    kind = case["kind"]
    lenient, strict = [], []  # the answer's own checks: any expected word; every fact, within the length
    if kind == "emergency":
        if route != "emergency":
            problems.append("no emergency instruction first")
    elif route == "emergency":
        problems.append("false emergency")
    elif kind == "medical_advice":
        if route != "medical_advice":
            problems.append(f"route {route}, not the medical-advice refusal")
    elif kind == "not_covered":
        if route not in NOT_COVERED_ROUTES:
            problems.append(f"route {route}, not 'not covered'")
    else:
        if route != "retrieval":
            problems.append(f"route {route}")
        if case["expect_any"] and not any(says(low, e) for e in case["expect_any"]):
            lenient.append("expected word missing")
        missing = [group for group in case["require"] if not any(says(low, p) for p in group)]
        if missing:
            strict.append(f"facts missing: {missing}")
        if case.get("max_chars") and len(text) > case["max_chars"]:
            strict.append(f"{len(text)} characters, over {case['max_chars']}")
    # Without strict labels the lenient check is all there is.
    graded = problems + (strict if case["require"] else lenient)
    return {"id": case["id"], "kind": kind, "trial": case.get("trial"), "route": route, "right": not graded,
            # (no lenient grade for an answer labelled strictly only)
            "right_lenient": None if kind == "answer" and not case["expect_any"] else not (problems + lenient),
            "problems": graded, "chars": len(text), "reply": text}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def summarise(graded: list[dict]) -> dict:
    """Accuracy, not-covered precision/recall, reply length and route errors of graded cases."""
    by_kind = defaultdict(list)
    for g in graded:
        by_kind[g["kind"]].append(g)
    answers, not_covered = by_kind["answer"], by_kind["not_covered"]
    said_not_covered = [g for g in answers + not_covered if g["route"] in NOT_COVERED_ROUTES]
    lengths = [g["chars"] for g in answers + not_covered]
    non_emergency = [g for g in graded if g["kind"] != "emergency"]
    factual = answers + not_covered
    return {
        "cases": len(graded),
        "answer_accuracy": _share(sum(g["right"] for g in answers), len(answers)),
        "answer_accuracy_lenient": _share(sum(bool(g["right_lenient"]) for g in answers if g["right_lenient"] is not None),
                                          sum(g["right_lenient"] is not None for g in answers)),
        "answerable": len(answers),
        "not_covered_precision": _share(sum(g["kind"] == "not_covered" for g in said_not_covered), len(said_not_covered)),
        "not_covered_recall": _share(sum(g["route"] in NOT_COVERED_ROUTES for g in not_covered), len(not_covered)),
        "not_covered_right": _share(sum(g["right"] for g in not_covered), len(not_covered)),
        "not_covered_cases": len(not_covered),
        "reply_chars_median": statistics.median(lengths) if lengths else None,
        "reply_chars_mean": round(statistics.mean(lengths)) if lengths else None,
        "reply_chars_max": max(lengths, default=None),
        "emergency_missed": sum(not g["right"] for g in by_kind["emergency"]),
        "emergency_cases": len(by_kind["emergency"]),
        "emergency_false_alarms": sum(g["route"] == "emergency" for g in non_emergency),
        "medical_advice_missed": sum(g["route"] != "medical_advice" for g in by_kind["medical_advice"]),
        "medical_advice_cases": len(by_kind["medical_advice"]),
        "medical_advice_false": sum(g["route"] == "medical_advice" for g in factual),
        "all_right": _share(sum(g["right"] for g in graded), len(graded)),
    }


def recall_at(retrieve, cases: list[dict], ks=(1, 3)) -> dict:
    """Share of answerable cases with a sentence of a right section among the top k retrieved.

    `retrieve(case, k)` returns the (trial, section) of the k best passages for the case's question.
    """
    answerable = [c for c in cases if c["kind"] == "answer" and c["topic"]]
    hits = {k: 0 for k in ks}
    misses = []
    for case in answerable:
        found = retrieve(case, max(ks))
        right = [(case["trial"], topic) for topic in case["topic"]]
        for k in ks:
            hits[k] += any(f in right for f in found[:k])
        if not any(f in right for f in found[:1]):
            misses.append((case["id"], case["text"], found[:3]))
    return {"n": len(answerable), **{f"recall@{k}": _share(hits[k], len(answerable)) for k in ks}, "misses": misses}


def a_few_at_once(ask, items: list, workers: int = 3) -> list:
    """ask(item) for each item, in order, three at a time: Rasa and the action server then work side
    by side (each item its own conversation; about 1.6 times faster than one at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(ask, items))


def ask_over_rest(base_url: str, cases: list[dict]) -> list[dict]:
    """Each case asked of a running Rasa server over its REST channel, as a new patient on the
    case's page (its history first), and graded."""
    import requests

    from actions.secret_files import rest_headers

    def ask(case: dict) -> dict:
        sender = f"eval-{uuid.uuid4().hex}"
        metadata = {"trial": case["page"]} if case["page"] else {}
        for text in case["history"] + [case["text"]]:
            reply = requests.post(f"{base_url}/webhooks/rest/webhook", timeout=60, headers=rest_headers(),
                                  json={"sender": sender, "message": text, "metadata": metadata})
            reply.raise_for_status()
        return grade(case, reply.json())

    return a_few_at_once(ask, cases)


def retrieval_recall(svc, cases: list[dict]) -> dict:
    """recall@k of the retrieval alone (actions.services.Services), searching what the answerer
    searches: the question of a follow-up, without trial names, with the listing's words."""
    from actions.answers import search_terms
    from actions.follow_up import repeats_last_question
    from actions.questions import question_in

    def retrieve(case: dict, k: int) -> list[tuple]:
        text = case["text"]
        if case["history"] and repeats_last_question(text, svc.names):
            text = case["history"][-1]
        search, listing = search_terms(svc.answerer.topic(question_in(text)))
        return [(h.passage.trial, h.passage.section)
                for h in svc.retriever.retrieve_passages(search, case["trial"], k, listing_words=listing)]

    return recall_at(retrieve, cases)
