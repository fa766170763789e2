"""Emergencies on writers' messages never trained on, over REST; each message in its own conversation
(the NLU reads a message alone).

- tests/eval/emergency_test.yml (an eighth writer, 60 % French): emergencies happening now, and
  messages that only look like one (past events, side-effect questions, help already come, figures
  of speech).
- tests/eval/after_emergency_test.yml (a sixth writer): after an emergency reply, a message saying
  help has come is no new emergency, and one saying the danger goes on still is.
- tests/eval/emergency_feeling_test.yml (writer K, a third in French): strong feeling with no danger
  (eager requests to join, idioms, venting, hard stories that end calmly), and emergencies told so.
- tests/eval/emergency_n_test.yml (writer N), emergency_s_test.yml (writer S), emergency_u_test.yml
  (writer U), half in French, emergency_aa_test.yml (writer AA), a third in French, and
  emergency_ai_test.yml (writer AI), 45 % in French:
  emergencies happening now, and messages a careless reader might take for one, written from the
  issue's list of situations alone.
- tests/eval/calcinosis_told_test.yml (writer AD): calcinosis and ossification described as patients
  and parents live them ("hard white bits", paste coming out): no emergency.
- tests/eval/colour_told_test.yml (writer AF): colour changes told calmly (Raynaud's fingers going
  blue in the cold, the purple eyelid rash), and emergencies that involve colour.
- tests/eval/medicines_told_test.yml (writer AR): the medicines one takes, told or asked about ("I take
  methotrexate", pre-screen answers, doses, the pill): no emergency.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.evaluation import reply_route
from servers import send_each

EVAL = Path(__file__).resolve().parents[1] / "eval"
# The share of each group taken for an emergency: at least the floor where it is one, at most the
# ceiling where it is not. Floors just below what was measured:
# - emergency_test, 2026-12-05: 84 of 100 emergencies recognised and 15 of 100 look-alikes taken for
#   one at the start; 90 and 13 after the French patterns and the French character-n-gram check; 98
#   and 8 with the learned emergency model (actions/emergency.py; measured three times while it was
#   built: 97 and 14, 98 and 11, 95 and 7, then 98 and 8 for the threshold chosen on dev); 97 and 5
#   with the fine-tuned classifier beside it (97 and 4 at 0.45 before the threshold chosen on dev, 0.4;
#   97 and 5 again with its weights quantised).
# - after_emergency_test, 2026-12-05: 37 of 40 dangers that go on recognised; the three missed were
#   French, and French patterns for not responding, fainting and a seizure were then added, so the
#   40 of 40 since (39 with the learned model) is no longer a held-out figure. 19 of 61 messages after
#   help came taken for an emergency (24 before the writer's other half was learned from; 16 before
#   the learned model); 22 with the fine-tuned classifier beside it (23 quantised), a cost of its
#   fewer false alarms elsewhere (docs/evaluation.md).
# - emergency_feeling_test, 2026-12-05: 166 of 166 emergencies recognised, 30 of 253 look-alikes (12 %)
#   taken for one, before any change; the target is 1 %, so this ceiling records a fault.
# - 2026-12-06, after writers O and P joined the exemplar bank (their brief was chosen after reading
#   the eighth writer's and K's errors, so those two sets no longer measure it blind; N does): the
#   eighth writer 97 / 2 (was 97 / 5), "help has come" 19 of 61, K 166 / 19 of 253.
# - emergency_n_test (writer N), 2026-12-06: 99 of 100 recognised and 2 of 100 look-alikes taken for
#   one before the bank grew; 99 and 1 with O and P. The target is none missed.
# - emergency_s_test (writer S), 2026-12-06: 97 and 5 before writer T joined the bank (T's brief came
#   from N's and the eighth writer's misses, so N no longer measures blind; S does); 99 and 4 after.
#   With T: the eighth writer 98 / 3, N 100 / 1, "help has come" 16 of 61, K 166 / 24 of 253.
# - emergency_u_test (writer U, briefed as N and S were), 2026-12-06: 99 and 1 before writers V and W
#   joined the bank (their brief named the kinds of error read on S, so S no longer measures blind; U
#   does); 99 and 1 after (the classifier now trained on batches of like length), 98 / 1 and 99 / 1 after
#   two retrainings for new NLU examples (writers X and Y). At the end: the eighth writer 100 / 4, N
#   100 / 1, S 98 / 4, "help has come" 16 of 61, K 166 / 25 of 253. The target is none missed
#   and at most 1 % false.
# - emergency_aa_test (writer AA, briefed as U was), 2026-12-06, seventeenth session: 94 of 96 and 2
#   of 99 before any change; 95 and 0 after self-harm said outright became an emergency whatever the
#   readers weigh and writers AB (briefed on AA's two misses' kinds, so AA no longer measures blind)
#   and AD joined the bank. Then U 100 / 1, S 99 / 4, N 100 / 1, the eighth writer 100 / 1, "help has
#   come" 17 of 61, K 166 / 16 of 253.
# - calcinosis_told_test (writer AD's held-out half: calcinosis described as lived, no emergency):
#   3 of 70 taken for an emergency before the other half joined the bank, 1 after.
# - colour_told_test (writer AF, all held out), 2026-12-06, eighteenth session, blind: 40 of 40
#   emergencies recognised and 1 of 140 calm colour changes taken for one (the target met).
# - emergency_ai_test (writer AI, briefed as AA was, 45 % French), 2026-12-07, twentieth session, blind:
#   99 of 100 and 0 of 99 before any change; 99 and 0 after writer AH (French self-harm told through the
#   means, a time or preparations, and their look-alikes) joined the bank. Then the eighth writer 99 / 3,
#   N 100 / 1, S 98 / 4, U 99 / 1, AA 95 / 0, "help has come" 15 of 61, K 166 / 16 of 253 (in-process).
# - medicines_told_test (writer AR's held-out half), 2026-12-07, twenty-fifth session: 8 of 100 taken
#   for an emergency (as 14 of the other half). With the other half in the exemplar bank: 7, but the
#   eighth writer 98 / 3, N 100 / 3, AA 94 / 1, colour 3 of 140, K 22 of 253: not kept. The issue's
#   target is 1 %: this ceiling records a fault.
LIMITS = {"emergency_test.yml": {"emergency": (0.96, 1.0), "not_emergency": (0.0, 0.05)},
          "emergency_n_test.yml": {"emergency": (0.98, 1.0), "not_emergency": (0.0, 0.03)},
          "emergency_s_test.yml": {"emergency": (0.97, 1.0), "not_emergency": (0.0, 0.06)},
          "emergency_u_test.yml": {"emergency": (0.98, 1.0), "not_emergency": (0.0, 0.02)},
          "emergency_aa_test.yml": {"emergency": (0.98, 1.0), "not_emergency": (0.0, 0.02)},
          "emergency_ai_test.yml": {"emergency": (0.98, 1.0), "not_emergency": (0.0, 0.01)},
          "calcinosis_told_test.yml": {"not_emergency": (0.0, 0.03)},
          "colour_told_test.yml": {"emergency": (1.0, 1.0), "not_emergency": (0.0, 0.015)},
          "after_emergency_test.yml": {"still_emergency": (0.9, 1.0), "handled": (0.0, 0.30)},
          "emergency_feeling_test.yml": {"emergency": (0.98, 1.0), "not_emergency": (0.0, 0.11)},
          "medicines_told_test.yml": {"not_emergency": (0.0, 0.09)}}


@pytest.fixture(scope="module")
def emergency_shares(servers) -> dict:
    shares = {}
    for name in LIMITS:
        for group, texts in yaml.safe_load((EVAL / name).read_text()).items():
            routes = [reply_route(r) for r in send_each(servers["rasa_port"], texts)]
            shares[(name, group)] = sum(r == "emergency" for r in routes) / len(routes)
    print(shares)
    return shares


@pytest.mark.parametrize("name, group", [(n, g) for n, groups in LIMITS.items() for g in groups])
def test_the_share_taken_for_an_emergency_stays_within_its_limits(emergency_shares, name, group):
    low, high = LIMITS[name][group]
    assert low <= emergency_shares[(name, group)] <= high, emergency_shares[(name, group)]
