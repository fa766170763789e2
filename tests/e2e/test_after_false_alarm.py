"""After a false emergency alarm, on a writer's messages never trained on
(tests/eval/after_false_alarm_test.yml), over REST, each in its own conversation on a trial's page:
the person says it was no emergency and, most often, what they wanted. Such a message is no new
emergency; a request to take part or to go on with the questions starts the pre-screen; a question
is answered from the texts (or said not covered)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.evaluation import reply_route
from servers import payloads, send_each

MESSAGES = yaml.safe_load((Path(__file__).resolve().parents[1] / "eval" / "after_false_alarm_test.yml").read_text())
PAGES = ("STSINJ", "NCT03582800")
ANSWER_ROUTES = ("retrieval", "partial", "not_covered", "medical_advice")  # a question handled
# Measured on 2026-12-05 (273 messages, French included), as shipped: 0.059 taken for a new
# emergency, 0.53 of requests to join or go on started the pre-screen, 0.71 of questions answered.
# The classifier reads "no no, not an emergency, i just want to sign my son up" as a correction or a
# request to stop as often as a request to join. Another writer's (L) messages of this kind in the
# NLU data took these to 0.033 / 0.72 / 0.71 (the intents of the English ones 0.56 -> 0.83), but the
# retrained emergency readers then missed one more held-out emergency (a French bleeding injection
# site) and more look-alikes started the pre-screen (docs/evaluation.md, tenth session): not kept.
# Limits just beyond what ships: they record a fault, not a goal.
LIMITS = {"emergency": 0.07, "started": 0.5, "answered": 0.68}


@pytest.fixture(scope="module")
def shares(servers) -> dict:
    replies = {group: send_each(servers["rasa_port"], texts, PAGES) for group, texts in MESSAGES.items()}
    everything = [r for group in replies.values() for r in group]
    starting = replies["join"] + replies["go_on"]
    result = {"emergency": sum(reply_route(r) == "emergency" for r in everything) / len(everything),
              "started": sum(bool(payloads(r, "eligibility_question") or payloads(r, "eligibility_result"))
                             for r in starting) / len(starting),
              "answered": sum(reply_route(r) in ANSWER_ROUTES for r in replies["question"]) / len(replies["question"])}
    print(result)
    return result


def test_after_a_false_alarm_no_new_emergency_and_what_was_wanted_happens(shares):
    assert shares["emergency"] <= LIMITS["emergency"], shares
    assert shares["started"] >= LIMITS["started"] and shares["answered"] >= LIMITS["answered"], shares
