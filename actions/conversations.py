"""Whole conversations, graded turn by turn (make eval, the conversation quality test).

A conversation (tests/eval/conversations_*.yml) is a patient's messages on a trial's page, each with
what a right reply does: the route it takes, the pre-screen question it asks (by criterion key), the
outcome, whether the patient's answers are still stored afterwards. A turn is graded from what the
patient receives (texts, buttons, the `custom` payloads the widget reads) and, for "kept" or
"deleted", from the conversation store itself: deletion is checked where it happens.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from collections import defaultdict
from pathlib import Path

import yaml

from actions.evaluation import EMERGENCY_MARKS, EVAL_DIR, NEVER_SAY, a_few_at_once, reply_route, reply_text, says

SETS = {"dev": "conversations_dev.yml", "test": "conversations_test.yml"}
EXPECTS = ("screening_question", "screening_outcome", "confirm_delete", "deleted", "answer", "not_covered",
           "answer_and_offer", "medical_advice", "emergency", "french_note", "explain", "choose_trial", "other")
OUTCOMES = ("may_be_eligible", "likely_not_eligible", "unknown")
START_SCREENING_PAYLOAD = "/check_eligibility"
CONFIRM_DELETION = "confirm_deletion"


def load_conversations(name: str, eval_dir: Path = EVAL_DIR) -> list[dict]:
    """The conversations of one set, checked: a mislabelled turn must not grade silently."""
    path = eval_dir / SETS[name]
    conversations = yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    for conversation in conversations:
        for n, turn in enumerate(conversation["turns"], 1):
            problems = []
            if not isinstance(turn.get("user"), str):
                problems.append("user must be text (quote yes/no)")
            if turn.get("expect") not in EXPECTS:
                problems.append(f"expect {turn.get('expect')!r} is not one of {EXPECTS}")
            if turn.get("expect") == "screening_question" and not turn.get("criterion"):
                problems.append("a screening_question needs its criterion")
            if turn.get("expect") == "screening_outcome" and turn.get("outcome") not in OUTCOMES:
                problems.append(f"a screening_outcome needs an outcome of {OUTCOMES}")
            if turn.get("expect") == "answer" and not turn.get("include"):
                problems.append("an answer needs include")
            if turn.get("answers") not in (None, "kept", "deleted"):
                problems.append("answers is kept or deleted")
            if problems:
                raise ValueError(f"{path}: {conversation.get('id')} turn {n}: {'; '.join(problems)}")
    return conversations


def _payloads(messages: list[dict], kind: str) -> list[dict]:
    return [m["custom"] for m in messages if isinstance(m.get("custom"), dict) and m["custom"].get("type") == kind]


def _buttons(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in m.get("buttons") or []]


def _answer_trials(messages: list[dict]) -> set[str]:
    return {s.get("trial") for p in _payloads(messages, "answer") for s in p.get("sources") or []}


def grade_turn(turn: dict, messages: list[dict], stored: dict | None, stored_before: dict | None) -> list[str]:
    """What is wrong with the reply to one turn ([] when it is right). `stored`: the pre-screen's
    answers in the store after the turn (None: none), `stored_before`: before it."""
    expect, text = turn["expect"], reply_text(messages)
    low, route = text.lower(), reply_route(messages)
    problems = [f"says {s!r}" for s in NEVER_SAY if s in low]
    first = (messages[0].get("text") or "").lower() if messages else ""
    is_emergency = any(mark in first for mark in EMERGENCY_MARKS.values())
    questions, results = _payloads(messages, "eligibility_question"), _payloads(messages, "eligibility_result")
    asked = questions[-1]["criterion"] if questions else None
    if expect == "emergency":
        mark = EMERGENCY_MARKS[turn.get("language", "en")]
        if mark not in first:
            problems.append(f"no emergency instruction first ({mark!r})")
    elif is_emergency:
        problems.append("false emergency")
    if expect == "screening_question" and asked != turn["criterion"]:
        problems.append(f"asked {asked}, not {turn['criterion']}")
    if expect == "screening_outcome" and (not results or results[-1]["outcome"] != turn["outcome"]):
        problems.append(f"outcome {results[-1]['outcome'] if results else None}, not {turn['outcome']}")
    if expect in ("screening_question", "screening_outcome") and turn.get("trial"):
        screened = (questions or results or [{}])[-1].get("trial")
        if screened and screened != turn["trial"]:
            problems.append(f"screened for {screened}, not {turn['trial']}")
    if expect == "confirm_delete":
        if not _payloads(messages, CONFIRM_DELETION) or len(_buttons(messages)) < 2:
            problems.append("no question whether to delete, with its buttons")
    if expect == "deleted":
        if stored:
            problems.append("answers not deleted")
        if turn.get("criterion") and asked != turn["criterion"]:
            problems.append(f"asked {asked} after deleting, not {turn['criterion']}")
    if expect in ("answer", "answer_and_offer"):
        if route != "retrieval":
            problems.append(f"route {route}, not an answer")
        missing = [w for w in turn.get("include") or [] if not says(low, w)]
        if missing:
            problems.append(f"missing {missing}")
        if turn.get("trial") and _answer_trials(messages) and turn["trial"] not in _answer_trials(messages):
            problems.append(f"answered for {sorted(_answer_trials(messages))}, not {turn['trial']}")
    if expect == "answer_and_offer" and not any(b.get("payload") == START_SCREENING_PAYLOAD for b in _buttons(messages)):
        problems.append("no button that starts the pre-screen")
    if expect == "not_covered" and route not in ("not_covered", "partial"):
        problems.append(f"route {route}, not 'not covered'")
    if expect == "medical_advice" and route != "medical_advice":
        problems.append(f"route {route}, not the medical-advice refusal")
    if expect == "french_note" and not _payloads(messages, "language_note"):
        problems.append("no French note")
    if expect == "explain" and "we ask because" not in low:
        problems.append("no explanation of the question")
    if expect == "choose_trial" and not any(str(b.get("payload", "")).startswith("/choose_trial") for b in _buttons(messages)):
        problems.append("no trial buttons")
    if turn.get("then_asks") and asked != turn["then_asks"]:
        problems.append(f"then asked {asked}, not {turn['then_asks']}")
    if turn.get("answers") == "kept" and not stored:
        problems.append("answers lost")
    if turn.get("answers") == "deleted" and stored:
        problems.append("answers still stored")
    for key in turn.get("noted") or []:
        if key not in (stored or {}):
            problems.append(f"{key} not taken from the message")
    if "age" in turn and (stored or {}).get("age") is not None and abs(float(stored["age"]) - float(turn["age"])) > 0.05:
        problems.append(f"age {stored['age']}, not {turn['age']}")
    return problems


def deleted_without_yes(turn: dict, stored: dict | None, stored_before: dict | None) -> bool:
    """Answers were stored before the turn and are gone after it, though the turn did not ask for it."""
    return bool(stored_before) and not stored and turn["expect"] != "deleted" and turn.get("answers") != "deleted"


def starts_screening(turns: list[dict], n: int) -> bool:
    """Whether turn n must start the pre-screen: it expects one, and none was open before it."""
    expect = turns[n]["expect"] in ("screening_question", "screening_outcome")
    before = n > 0 and turns[n - 1]["expect"] in ("screening_question", "confirm_delete", "explain") \
        or any(t.get("then_asks") for t in turns[max(0, n - 1):n])
    return expect and not before


class StoredAnswers:
    """The pre-screen answers a conversation holds in the tracker store (SQLite), as Rasa restores
    them: the last value of the slot in the current session."""

    def __init__(self, db: Path):
        self.db = db

    def __call__(self, sender: str) -> dict | None:
        with sqlite3.connect(self.db) as connection:
            rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
        answers = None
        for (data,) in rows:
            event = json.loads(data)
            if event.get("event") == "session_started":
                answers = None
            elif event.get("event") == "slot" and event.get("name") == "screening_answers":
                answers = event.get("value")
        return answers or None


def ask_conversations_over_rest(base_url: str, conversations: list[dict], stored_answers) -> list[dict]:
    """Each conversation held with a running Rasa server over REST as a new patient, turn by turn (a few
    conversations at once)."""
    import requests

    from actions.secret_files import rest_headers

    def hold(conversation: dict) -> list[dict]:
        graded = []
        sender = f"eval-{uuid.uuid4().hex}"
        page = conversation.get("page")
        before = None
        for n, turn in enumerate(conversation["turns"]):
            page = turn.get("page", page)
            reply = requests.post(f"{base_url}/webhooks/rest/webhook", timeout=60, headers=rest_headers(),
                                  json={"sender": sender, "message": turn["user"],
                                        "metadata": {"trial": page} if page else {}})
            reply.raise_for_status()
            messages = reply.json()
            after = stored_answers(sender)
            problems = grade_turn(turn, messages, after, before)
            graded.append({"id": f"{conversation['id']}#{n + 1}", "situation": conversation.get("situation"),
                           "expect": turn["expect"], "right": not problems, "problems": problems,
                           "starts_screening": starts_screening(conversation["turns"], n),
                           "started": bool(_payloads(messages, "eligibility_question") or _payloads(messages, "eligibility_result")),
                           "deleted_without_yes": deleted_without_yes(turn, after, before),
                           "user": turn["user"], "reply": reply_text(messages)})
            before = after
        return graded

    return [turn for turns in a_few_at_once(hold, conversations) for turn in turns]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def summarise_turns(graded: list[dict]) -> dict:
    """Share of right turns (all, per situation), deletions without a yes, missed emergencies and
    how often a request to join started the pre-screen."""
    by_situation = defaultdict(list)
    for g in graded:
        by_situation[g["situation"]].append(g)
    emergencies = [g for g in graded if g["expect"] == "emergency"]
    starts = [g for g in graded if g["starts_screening"]]
    return {
        "turns": len(graded),
        "turns_right": _share(sum(g["right"] for g in graded), len(graded)),
        "conversations_right": _share(sum(all(t["right"] for t in turns) for turns in _by_conversation(graded).values()),
                                      len(_by_conversation(graded))),
        "deleted_without_yes": sum(g["deleted_without_yes"] for g in graded),
        "emergency_missed": sum(not g["right"] and any("no emergency" in p for p in g["problems"]) for g in emergencies),
        "emergency_turns": len(emergencies),
        "false_emergencies": sum("false emergency" in g["problems"] for g in graded),
        "join_started": _share(sum(g["started"] for g in starts), len(starts)),
        "join_turns": len(starts),
        "by_situation": {s: _share(sum(g["right"] for g in turns), len(turns)) for s, turns in sorted(by_situation.items())},
    }


def _by_conversation(graded: list[dict]) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for g in graded:
        grouped[g["id"].split("#")[0]].append(g)
    return grouped
