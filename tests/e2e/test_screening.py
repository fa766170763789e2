"""Whole pre-screenings over REST, driven by the `custom` payloads the website reads."""
from __future__ import annotations

import uuid

import pytest

from servers import Chat, payloads

LIMOGES_ANSWERS = {"diagnosis": "Calcium deposits from systemic sclerosis", "age": "she is forty-five",
                   "planned_surgery": "No", "sts_allergy": "no", "injection_contraindication": "No",
                   "anticoagulant_therapy": "no blood thinners", "childbearing_potential": "Yes",
                   "pregnant_or_breastfeeding": "no", "contraception": "yes", "consent": "Yes", "legal_protection": "No"}
STSINJ_ANSWERS = {"condition": "Lupus", "calcinosis": "Yes", "measurable_lesions": "Not sure"}


def walk(patient: Chat, messages: list[dict], answers: dict, metadata=None) -> tuple[dict, list[str], list[dict]]:
    """Answers each question by its criterion key until the result arrives."""
    asked, transcript = [], list(messages)
    for _ in range(30):
        result = payloads(messages, "eligibility_result")
        if result:
            return result[0], asked, transcript
        question = payloads(messages, "eligibility_question")
        assert question, [m.get("text") for m in messages]
        asked.append(question[-1]["criterion"])
        messages = patient.send(answers[question[-1]["criterion"]], metadata)
        transcript += messages
    raise AssertionError("the screening did not end")


@pytest.fixture()
def patient(servers):
    return Chat(servers["rasa_port"], f"screen-{uuid.uuid4().hex[:10]}")


def test_limoges_happy_path_may_be_eligible(patient):
    first = patient.send("am I eligible?", {"trial": "NCT03582800"})
    question = payloads(first, "eligibility_question")[0]
    assert question == {"type": "eligibility_question", "trial": "NCT03582800", "criterion": "diagnosis",
                        "kind": "inclusion", "step": 1, "of": 11, "up_to": True}
    buttons = next(m["buttons"] for m in first if m.get("buttons"))
    assert [b["title"] for b in buttons][-1] == "Not sure"
    result, asked, transcript = walk(patient, first, LIMOGES_ANSWERS, {"trial": "NCT03582800"})
    assert result["outcome"] == "may_be_eligible" and result["trial"] == "NCT03582800"
    assert asked == list(LIMOGES_ANSWERS)
    assert all(c["met"] is not False for c in result["criteria"])
    assert {"key": "age", "answer": 45, "met": True} in result["criteria"]
    outcome_text = transcript[-2]["text"] if "text" in transcript[-2] else transcript[-1]["text"]
    text = "\n".join(m.get("text", "") for m in transcript).lower()
    assert "you may be able to take part" in text and "you are eligible" not in text
    assert "multidisciplinary" in text or "team of specialists" in text  # what the team still checks
    assert outcome_text


def test_exclusion_stops_early_and_quotes_the_criterion(patient):
    answers = {**LIMOGES_ANSWERS, "anticoagulant_therapy": "I take Coumadin every evening"}
    result, asked, transcript = walk(patient, patient.send("can I join?", {"trial": "NCT03582800"}), answers)
    assert result["outcome"] == "likely_not_eligible"
    assert asked[-1] == "anticoagulant_therapy" and "consent" not in asked
    assert {"key": "anticoagulant_therapy", "answer": "yes", "met": False} in result["criteria"]
    text = "\n".join(m.get("text", "") for m in transcript)
    assert "“Anticoagulant therapy”" in text


def test_stsinj_not_sure_gives_unknown(patient):
    result, asked, transcript = walk(patient, patient.send("do I qualify?", {"trial": "STSINJ"}), STSINJ_ANSWERS)
    assert result["outcome"] == "unknown" and asked == ["condition", "calcinosis", "measurable_lesions"]
    text = "\n".join(m.get("text", "") for m in transcript)
    assert "full eligibility criteria" in text


def test_trial_unknown_at_the_start_is_asked_with_buttons(patient):
    messages = patient.send("am I eligible?")
    buttons = next(m["buttons"] for m in messages if m.get("buttons"))
    stsinj = next(b["payload"] for b in buttons if "STSINJ" in b["payload"])
    messages = patient.send(stsinj)
    assert payloads(messages, "eligibility_question")[0]["criterion"] == "condition"


def test_asking_to_join_again_while_the_trial_is_chosen_asks_which_trial_once(patient):
    # Found in the widget: with the trial question open on the index page, "i just mean i want to take
    # part" was rejected by the form and the fallback repeated ten times, then every turn failed.
    patient.send("i would love to join one of these trials")
    messages = patient.send("sorry, i just mean i want to take part")
    texts = [m.get("text") or "" for m in messages]
    assert texts.count("Which trial would you like to check?") == 1 and len(texts) == 1, texts
    assert payloads(patient.send("the pittsburgh one"), "eligibility_question")[0]["trial"] == "STSINJ"


def test_question_mid_form_is_answered_and_the_form_resumes(patient):
    patient.send("am I eligible?", {"trial": "NCT03582800"})
    patient.send("Calcium deposits from dermatomyositis")
    messages = patient.send("Who sponsors the study?")
    assert "University Hospital, Limoges" in "\n".join(m.get("text", "") for m in messages)
    assert payloads(messages, "eligibility_question")[-1]["criterion"] == "age"


def test_yes_typed_to_the_offer_of_a_pre_screen_starts_it(patient):
    offer = patient.send("how do I sign up for this?", {"trial": "STSINJ"})
    assert any(b.get("payload") == "/check_eligibility" for m in offer for b in m.get("buttons") or [])
    messages = patient.send("yes", {"trial": "STSINJ"})
    assert payloads(messages, "eligibility_question")[-1]["criterion"] == "condition"


def test_why_do_you_ask(patient):
    patient.send("am I eligible?", {"trial": "NCT03582800"})
    messages = patient.send("why do you ask?")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "We ask because" in text and "“Patient presenting with" in text
    assert payloads(messages, "eligibility_question")[-1]["criterion"] == "diagnosis"


def test_unreadable_answers_get_a_hint_then_not_sure(patient):
    patient.send("am I eligible?", {"trial": "NCT03582800"})
    patient.send("Calcium deposits from dermatomyositis")
    first = patient.send("asdfgh")
    assert "didn't catch that" in first[0]["text"]
    second = patient.send("banana")
    assert any('note "not sure"' in m.get("text", "") for m in second)
    assert payloads(second, "eligibility_question")[-1]["criterion"] == "planned_surgery"


@pytest.mark.xfail(strict=True, reason="known false alarms since writer AE's retraining (2026-12-06, seventeenth "
                                      "session): colour words in a short message ('purple elephants' 0.48, and "
                                      "Raynaud's, 'my fingers go blue in the cold', 0.96) are taken for an emergency")
@pytest.mark.parametrize("text", ["purple elephants", "my fingers go blue in the cold"])
def test_colour_words_in_a_short_answer_are_no_emergency(patient, text):
    # ("purple elephants" was this file's unreadable answer; it has been taken for an emergency after
    # some retrainings and not after others since writer T.) Raynaud's is common in scleroderma.
    patient.send("am I eligible?", {"trial": "STSINJ"})
    messages = patient.send(text)
    assert "call emergency services" not in messages[0]["text"].lower()


def test_emergency_mid_form_comes_first_and_the_screening_resumes_later(patient):
    patient.send("am I eligible?", {"trial": "NCT03582800"})
    patient.send("Calcium deposits from dermatomyositis")
    messages = patient.send("I can't breathe")
    assert "call emergency services" in messages[0]["text"].lower()
    assert not payloads(messages, "eligibility_question")
    resumed = patient.send("am I eligible?")
    assert payloads(resumed, "eligibility_question")[-1]["criterion"] == "age"  # the diagnosis was kept


def test_cancel_and_start_over_ask_first(patient):
    patient.send("am I eligible?", {"trial": "NCT03582800"})
    patient.send("Calcium deposits from dermatomyositis")
    asked = patient.send("start over")
    assert payloads(asked, "confirm_deletion") and not payloads(asked, "eligibility_question")
    restarted = patient.send("Yes, delete my answers")
    assert payloads(restarted, "eligibility_question")[-1] == {
        "type": "eligibility_question", "trial": "NCT03582800", "criterion": "diagnosis", "kind": "inclusion",
        "step": 1, "of": 11, "up_to": True}
    patient.send("Calcium deposits from dermatomyositis")
    patient.send("cancel")
    kept = patient.send("No, keep going")  # nothing deleted: the open question again
    assert payloads(kept, "eligibility_question")[-1]["criterion"] == "age"
    patient.send("cancel")
    stopped = patient.send("yes")
    assert "stopped the pre-screening" in stopped[0]["text"] and not payloads(stopped, "eligibility_question")


def test_correcting_an_answer_after_the_outcome(patient):
    answers = {**LIMOGES_ANSWERS, "age": "she is 1 year old"}
    result, asked, _ = walk(patient, patient.send("am I eligible?", {"trial": "NCT03582800"}), answers)
    assert result["outcome"] == "likely_not_eligible" and asked == ["diagnosis", "age"]
    messages = patient.send("change my age")
    assert payloads(messages, "eligibility_question")[-1]["criterion"] == "age"
    result, asked, _ = walk(patient, messages, {**LIMOGES_ANSWERS, "age": "2"})
    assert result["outcome"] == "may_be_eligible" and asked[0] == "age"
    assert {"key": "age", "answer": 2, "met": True} in result["criteria"]
