"""Answer quality as a patient reads it: every case of the test set (tests/eval/test_set.yml, never
tuned on) asked over the REST channel of the real servers, graded by actions/evaluation.py.

The floors sit just below what the test set measured (make eval; docs/evaluation.md, "Answer
quality").
"""
from __future__ import annotations

import pytest

from actions.evaluation import ask_over_rest, load_cases, summarise

# Measured on the test set (243 cases, 2026-12-05): right answer 0.780 graded strictly (every fact
# a right reply needs, at most 700 characters; 0.943 leniently, any one expected word), not covered
# precision 0.975 / recall 0.907, median reply 379 characters, no emergency missed, no false alarm,
# no factual question refused as advice. With the learned emergency model (2026-12-05), two of the
# set's questions, both not covered, are taken for an emergency (not covered recall 0.895 -> 0.872):
# the price of recognising 98 instead of 90 of a held-out writer's 100 emergencies
# (tests/e2e/test_emergency_held_out.py). With the fine-tuned classifier beside it (2026-12-05,
# evening) neither is, and recall is 0.895 again; one false alarm is allowed for the fine-tuning's
# run-to-run differences when CI builds it afresh. 2026-12-06: 0.821 strict, 0.927 leniently (an
# opener that rules out gets the outcome quoting the criterion, which has no answer route, in place
# of the criterion said twice). 2026-12-06, with the answer check (actions/answer_check.py): 0.797
# strict, 0.902 leniently, not covered 0.930 / 0.930 (from 0.975 / 0.895): three not-covered
# questions no longer get an unrelated sentence as their answer, and three answers are quoted as the
# nearest instead (docs/evaluation.md, thirteenth session). 2026-12-06, fourteenth session (the
# embedding quantised, texts embedded one at a time, the check trained again on its retrieval): 0.805
# strict, 0.911 leniently, not covered 0.940 / 0.919 (one not-covered question of 86 fewer).
# 2026-12-07, nineteenth session (the answer check trained on the imported trials' dev set too):
# 0.780 strict, 0.886 leniently, not covered 0.951 / 0.907, from 0.789, 0.886, 0.941 / 0.930: three
# replies fewer here, three more on test2, two more on registry_test (docs/evaluation.md).
FLOORS = {"answer_accuracy": 0.77, "answer_accuracy_lenient": 0.88, "not_covered_precision": 0.91,
          "not_covered_recall": 0.9}
CEILINGS = {"reply_chars_median": 400, "emergency_missed": 0, "emergency_false_alarms": 1,
            "medical_advice_false": 0}


@pytest.fixture(scope="module")
def test_set_summary(servers):
    graded = ask_over_rest(f"http://localhost:{servers['rasa_port']}", load_cases("test"))
    summary = summarise(graded)
    print({k: summary[k] for k in [*FLOORS, *CEILINGS]})
    return summary, [g for g in graded if not g["right"]]


@pytest.mark.parametrize("measure, floor", FLOORS.items())
def test_quality_floor_on_the_test_set(test_set_summary, measure, floor):
    summary, wrong = test_set_summary
    assert summary[measure] >= floor, [(g["id"], g["problems"]) for g in wrong]


@pytest.mark.parametrize("measure, ceiling", CEILINGS.items())
def test_quality_ceiling_on_the_test_set(test_set_summary, measure, ceiling):
    summary, wrong = test_set_summary
    assert summary[measure] <= ceiling, [(g["id"], g["route"], g["reply"][:200]) for g in wrong]
