"""The answer check (actions/answer_check.py): what it learns from, its export, and what the answerer
does with it."""
from __future__ import annotations

import shutil

import pytest

from actions import fine_tuning
from actions.answer_check import CHECK_DIR, THRESHOLD, AnswerCheck, dev_pairs, inputs_sha256, training_pairs
from actions.answers import QuestionAnswerer, why
from actions.services import services


def _case(**fields) -> dict:
    return {"id": "x-1", "history": [], "page": None, "topic": [], "require": [], **fields}


def test_pairs_are_labelled_by_the_facts_a_right_reply_needs(trials, names, retriever):
    answerer = QuestionAnswerer(retriever, trials, names)
    cases = [_case(kind="answer", trial="STSINJ", text="who is paying for this research?", topic=["sponsor"],
                   require=[["University of Pittsburgh"]]),
             _case(kind="not_covered", trial="STSINJ", text="is there free parking at the hospital?"),
             _case(kind="answer", trial="STSINJ", text="what is it for?", history=["hello"],
                   require=[["calcinosis"]]),  # a question after others: not learned from
             _case(kind="medical_advice", trial="STSINJ", text="should I stop my warfarin?")]
    pairs, labels = training_pairs(answerer, cases)
    answered = [p for p, label in zip(pairs, labels) if p[0] == "who is paying for this research?"]
    assert answered and all(q == "who is paying for this research?" for q, _ in answered)
    assert {label for (q, _), label in zip(pairs, labels) if q.startswith("is there free parking")} == {0.0}
    said = [label for (q, passage), label in zip(pairs, labels)
            if q.startswith("who is paying") and "University of Pittsburgh" in passage]
    assert said and set(said) == {1.0}
    assert not any(q.startswith(("what is it for", "should I stop")) for q, _ in pairs)
    # A pair is the question and "section title: passage": nothing names a trial but its own text.
    assert all(": " in passage for _, passage in pairs)


def test_the_check_is_trained_from_the_current_pairs_and_refuses_an_altered_export(tmp_path):
    saved = fine_tuning.record(CHECK_DIR)
    pairs, labels = dev_pairs()
    assert saved is not None and saved["inputs_sha256"] == inputs_sha256(pairs, labels)
    assert saved["pairs"] == len(pairs) > 3000 and saved["answering"] == sum(labels) > 500
    # The imported trials' dev set's pairs too: their records' sections ("Brief summary") and fields.
    assert any(passage.startswith("Brief summary:") for _, passage in pairs)
    assert any(passage.startswith("Number of participants:") for _, passage in pairs)
    assert inputs_sha256(pairs, labels[:-1] + [1.0 - labels[-1]]) != saved["inputs_sha256"]
    copy = tmp_path / "check"
    shutil.copytree(CHECK_DIR, copy)
    with open(copy / fine_tuning.ONNX_FILE, "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\0\0\0\0")
    with pytest.raises(FileNotFoundError, match="make index"):
        AnswerCheck(copy)


def test_a_close_passage_that_does_not_say_what_was_asked_is_not_given_as_the_answer(trials, names, retriever):
    """Questions written for this test (in no set), which retrieval alone answered with a passage close
    in meaning ("Intralesional Injection of STS"; the treatment step of the timeline)."""
    svc = services()
    without_check = QuestionAnswerer(retriever, trials, names)
    question = "Can my sister come with me into the injection room?"
    assert without_check.answer(question, ["STSINJ"]).route == "retrieval"
    answer = svc.answerer.answer(question, ["STSINJ"])
    # Close enough to quote as the nearest, with what the check made of it.
    assert answer.route == "partial"
    assert answer.render().startswith("I'm not sure the trial information answers that. The closest it comes is:")
    assert "the answer check reads none of its sentences as saying what was asked" in why(answer)
    question = "do they inject all my lumps on the same day?"
    assert without_check.answer(question, ["STSINJ"]).route == "retrieval"
    # Too far to quote: not covered, with the study team's contact.
    assert svc.answerer.answer(question, ["STSINJ"]).route == "not_covered"


@pytest.mark.parametrize("trial, question, fact", [
    ("NCT03582800", "Who is the sponsor of the Limoges study?", "University Hospital, Limoges"),
    ("STSINJ", "What is the purpose of the Pittsburgh trial?", "calcinosis"),
    ("NCT03582800", "How old do I have to be to join?", "2 years or over"),
])
def test_passages_that_answer_pass_the_check(trial, question, fact):
    svc = services()
    answer = svc.answerer.answer(question, [trial])
    assert answer.route == "retrieval" and fact in answer.render()
    assert max(svc.answerer.check.says(svc.answerer.topic(question), answer.answering[0].passages)) >= THRESHOLD
