"""The grader of `make eval`: a reply is right only with every fact it needs, within its length,
and without a forbidden one; a fact is a fact however a date in it is spelled."""
from __future__ import annotations

from actions.evaluation import grade


def answer(reply: str, route: str = "retrieval") -> list[dict]:
    return [{"text": reply}, {"custom": {"type": "answer", "route": route}}]


CASE = {"id": "c", "kind": "answer", "trial": "NCT03582800", "forbid": ["Pittsburgh"], "expect_any": [],
        "require": [["Mar 18, 2023"], ["end date", "completion"]], "max_chars": 120}


def test_every_fact_is_needed_within_the_length_and_nothing_forbidden():
    assert grade(CASE, answer("End date (study completion): Mar 18, 2023."))["right"]
    assert not grade(CASE, answer("The study completes in 2023."))["right"]  # the day is missing
    assert not grade(CASE, answer("End date: Mar 18, 2023. " + "More. " * 20))["right"]  # too long
    assert not grade(CASE, answer("End date: Mar 18, 2023 in Pittsburgh."))["right"]
    assert not grade(CASE, answer("End date: Mar 18, 2023.", route="partial"))["right"]  # said not to be known


def test_a_date_counts_in_any_spelling_but_not_another_date():
    for spelled in ("March 18, 2023", "18 March 2023", "2023-03-18", "mar. 18 2023"):
        assert grade(CASE, answer(f"End date: {spelled}."))["right"], spelled
    assert not grade(CASE, answer("End date: March 17, 2023."))["right"]
