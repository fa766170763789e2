"""The pre-screening actions on fixture trackers: validation, questions, outcome, corrections."""
from __future__ import annotations

import asyncio

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import eligibility_actions as ea
from actions.knowledge_base import PROJECT_DIR
from actions.messages import say
from actions.replies import START_SCREENING_BUTTON


def tracker(text: str, intent: str = "give_answer", answers: dict | None = None, trial: str | None = "NCT03582800",
            requested: str = "screening_reply", failures: float | None = None, metadata: dict | None = None,
            entities: list | None = None, active: bool = True, last_question: str | None = None,
            person: str | None = None, confidence: float = 0.9, events: list | None = None) -> Tracker:
    slots = {"trial": trial, "screening_answers": answers, "screening_reply": text, "requested_slot": requested,
             "screening_failures": failures, "changing_answer": None, "last_question": last_question,
             "screening_person": person}
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
              "metadata": metadata or {}}
    return Tracker("t", slots, latest, events or [], False, None, {"name": "eligibility_form"} if active else {},
                   "action_listen")


def validate(text, **kwargs):
    dispatcher = CollectingDispatcher()
    result = ea.ValidateEligibilityForm().validate_screening_reply(text, dispatcher, tracker(text, **kwargs), {})
    return result, dispatcher.messages


def choose_trial(text: str, trial_id: str, intent: str = "choose_trial", opener: str | None = None, **kwargs):
    """The trial chosen at "which trial would you like to check?" (after `opener`, if given): the
    slots validate_trial sets and the messages it sends."""
    events = [{"event": "user", "text": opener}, {"event": "active_loop", "name": "eligibility_form"}] if opener else []
    dispatcher = CollectingDispatcher()
    tr = tracker(text, intent, trial=None, requested="trial", events=events, **kwargs)
    return ea.ValidateEligibilityForm().validate_trial(trial_id, dispatcher, tr, {}), dispatcher.messages


def run(action, tr):
    dispatcher = CollectingDispatcher()
    return action().run(dispatcher, tr, {}), dispatcher.messages


def test_an_answer_is_recorded_and_the_next_question_follows():
    result, messages = validate("Calcium deposits from dermatomyositis")
    assert result == {"screening_answers": {"diagnosis": "dermatomyositis_calcification"},
                      "screening_failures": None, "screening_reply": None}
    assert messages == []


def test_age_in_words_is_read():
    result, _ = validate("she is forty-five", answers={"diagnosis": "ippsd2_ossification"})
    assert result["screening_answers"]["age"] == 45


def test_an_exclusion_finishes_the_form():
    answers = {"diagnosis": "ippsd2_ossification", "age": 30, "planned_surgery": "no", "sts_allergy": "no",
               "injection_contraindication": "no"}
    result, _ = validate("yes, Eliquis", answers=answers)
    assert result["screening_answers"]["anticoagulant_therapy"] == "yes"
    assert result["screening_reply"] == ea.DONE


def test_unreadable_answer_gets_a_hint_then_not_sure_after_two():
    result, messages = validate("purple", answers={"diagnosis": "ippsd2_ossification"})
    assert result == {"screening_reply": None, "screening_failures": 1}
    assert messages[0]["text"] == say("hint_number")
    result, messages = validate("purple", answers={"diagnosis": "ippsd2_ossification"}, failures=1)
    assert result["screening_answers"] == {"diagnosis": "ippsd2_ossification", "age": "not_sure"}
    assert messages[0]["text"] == say("noted_not_sure")


def test_a_question_mid_form_is_answered_and_the_form_goes_on():
    result, messages = validate("Who sponsors the study?", intent="ask_question",
                                answers={"diagnosis": "ippsd2_ossification"})
    # Nothing recorded: the same question comes again; the question is remembered for "and the other one?".
    assert result["screening_reply"] is None and "screening_answers" not in result
    assert result["last_question"] == "Who sponsors the study?"
    assert "University Hospital, Limoges" in messages[0]["text"]


def test_a_message_in_french_mid_form_gets_the_french_note_and_the_question_again():
    result, messages = validate("D'accord. Quel est le numéro de téléphone de l'équipe ?", intent="ask_question",
                                answers={"diagnosis": "ippsd2_ossification"})
    assert result == {"screening_reply": None}
    assert [m["custom"]["type"] for m in messages] == ["language_note"]
    # An answer in French is still an answer.
    result, _ = validate("non", answers={"diagnosis": "ippsd2_ossification", "age": 9})
    assert result["screening_answers"]["planned_surgery"] == "no"


def test_a_question_asked_with_the_answer_is_answered_and_the_answer_taken():
    text = "sorry, in english: my son is 4 with iPPSD2, lumps on his feet. when did this study finish?"
    result, messages = validate(text, intent="give_answer")
    assert result["screening_answers"]["diagnosis"] == "ippsd2_ossification"
    assert "2023" in messages[0]["text"] and result["last_question"] == "when did this study finish?"
    # Asked of the answer itself, the texts say nothing: the answer is taken, nothing more is said.
    result, messages = validate("no, does that matter?", answers={"diagnosis": "ippsd2_ossification", "age": 30})
    assert result["screening_answers"]["planned_surgery"] == "no" and messages == []


def test_a_question_that_starts_like_an_answer_is_answered_not_counted_as_a_failed_answer():
    result, messages = validate("I'm on warfarin, is that a problem?", trial="STSINJ")
    assert "screening_answers" not in result and "screening_failures" not in result
    assert messages and messages[0]["custom"]["type"] == "answer"


def test_a_follow_up_mid_form_asks_the_last_question_of_the_trial_it_names():
    for follow_up in ("and for the other one?", "what about the Pittsburgh one?"):
        result, messages = validate(follow_up, intent="ask_question", answers={"diagnosis": "ippsd2_ossification"},
                                    last_question="Who sponsors the study?")
        assert result["screening_reply"] is None and "screening_answers" not in result
        assert "NIAMS" in messages[0]["text"] and "Limoges" not in messages[0]["text"], messages[0]["text"]
        assert result["last_question"] == "Who sponsors the study?"


def test_asking_to_take_part_mid_form_asks_the_same_question_again_with_no_hint():
    # The pre-screen it asks for is going on: no "didn't catch that", no failed answer counted.
    result, messages = validate("ok id like to see if i can do it", intent="check_eligibility")
    assert result == {"screening_reply": None} and messages == []
    # One that states an answer besides is still read for it.
    result, _ = validate("my daughter wants to do it, she's 9", intent="check_eligibility", answers={"diagnosis": "dermatomyositis_calcification"})
    assert result["screening_answers"]["age"] == 9


def test_an_answer_in_no_question_form_is_taken_whatever_the_nlu_said():
    text = "another connective tissue disease, they call it undifferentiated"
    result, messages = validate(text, intent="ask_question", trial="STSINJ")
    assert result["screening_answers"] == {"condition": "other_connective_tissue_disease"}
    assert not any("(Source:" in (m.get("text") or "") for m in messages)
    # Asked as a question, it is answered, and the question asked again.
    result, messages = validate("does dermatomyositis count?", intent="ask_question", trial="STSINJ")
    assert result.get("screening_reply") is None and "screening_answers" not in result
    # A question mark on the answer alone is doubt: "maybe?" answers "not sure", whatever the NLU said.
    result, messages = validate("not sure, maybe? I have hard bits in my fingers but nobody ever called it that",
                                intent="ask_question", trial="STSINJ", answers={"condition": "dermatomyositis"})
    assert result["screening_answers"] == {"condition": "dermatomyositis", "calcinosis": "not_sure"}
    assert not any("(Source:" in (m.get("text") or "") for m in messages)


def test_asking_to_go_on_mid_form_asks_the_same_question_again():
    result, messages = validate("can we go on with the questions?", intent="check_eligibility",
                                answers={"diagnosis": "ippsd2_ossification"})
    assert result == {"screening_reply": None} and messages == []  # no search of the texts, no failure counted


def test_unreadable_statement_is_not_mistaken_for_a_question():
    result, messages = validate("purple elephants", intent="ask_question", confidence=0.5,
                                answers={"diagnosis": "ippsd2_ossification"})
    assert result == {"screening_reply": None, "screening_failures": 1}


def test_a_question_the_nlu_is_sure_of_is_answered_without_its_form():
    # No question mark and no question word first; the NLU read it as a question at 0.76.
    result, messages = validate("hang on who is running this", intent="ask_question", confidence=0.76,
                                answers={"diagnosis": "ippsd2_ossification"})
    assert result["screening_reply"] is None and "screening_failures" not in result
    assert "Limoges" in messages[0]["text"]


def test_medical_advice_mid_form_is_declined():
    result, messages = validate("should I stop my warfarin?", intent="ask_medical_advice",
                                answers={"diagnosis": "ippsd2_ossification", "age": 30, "planned_surgery": "no",
                                         "sts_allergy": "no", "injection_contraindication": "no"})
    assert result == {"screening_reply": None}
    assert messages[0]["text"] == say("medical_advice")


def test_trial_comes_from_the_page_metadata():
    dispatcher = CollectingDispatcher()
    tr = tracker("am I eligible?", "check_eligibility", trial=None, metadata={"trial": "STSINJ"}, requested=None)
    assert asyncio.run(ea.ValidateEligibilityForm().extract_trial(dispatcher, tr, {})) == {"trial": "STSINJ"}


def test_trial_from_a_button_while_it_is_asked():
    dispatcher = CollectingDispatcher()
    tr = tracker("/choose_trial", "choose_trial", trial=None, requested="trial",
                 entities=[{"entity": "trial", "value": "NCT03582800"}])
    assert asyncio.run(ea.ValidateEligibilityForm().extract_trial(dispatcher, tr, {})) == {"trial": "NCT03582800"}
    result = ea.ValidateEligibilityForm().validate_trial("NCT03582800", dispatcher, tr, {})
    assert result == {"trial": "NCT03582800"}
    assert dispatcher.messages[0]["text"].startswith("Let's check a few things about the NCT03582800 study")


def test_question_message_carries_text_buttons_and_payload():
    events, messages = run(ea.ActionAskEligibilityAnswer, tracker("", answers={"diagnosis": "ippsd2_ossification"}))
    assert events == []
    message = messages[0]
    assert message["text"] == "Question 2 of up to 11: How old is the person who would take part? (in years)"
    assert message["buttons"] == [{"title": "Not sure", "payload": "Not sure"}]
    assert message["custom"] == {"type": "eligibility_question", "trial": "NCT03582800", "criterion": "age",
                                 "kind": "inclusion", "step": 2, "of": 11, "up_to": True}


def test_an_exclusion_criterion_is_quoted_as_one():
    # "The trial requires: “Anticoagulant therapy”" would tell a patient on warfarin the opposite.
    _, messages = run(ea.ActionEligibilityOutcome, tracker("", answers={"anticoagulant_therapy": "yes"}))
    text = messages[0]["text"]
    assert "The trial's exclusion criteria include: “Anticoagulant therapy”" in text and "requires" not in text


def test_outcome_likely_not_eligible_quotes_the_criterion():
    answers = {"diagnosis": "ippsd2_ossification", "age": 1}
    _, messages = run(ea.ActionEligibilityOutcome, tracker("", answers=answers))
    text = messages[0]["text"]
    assert "likely not able to take part" in text and "The trial requires: “Patient aged 2 years or over”" in text
    assert 'You answered "12 months"' in text  # under two years, as parents say it
    assert "you are eligible" not in text.lower()
    assert "Your answers:\n• Which of these" in text  # the answers it has not quoted, with the rest
    assert text.count("change my answer") == 1
    assert "which has passed" not in text  # whether it may have ended matters to an open outcome only
    assert messages[0]["custom"] == {"type": "eligibility_result", "trial": "NCT03582800",
                                     "outcome": "likely_not_eligible",
                                     "criteria": [{"key": "diagnosis", "answer": "ippsd2_ossification", "met": True},
                                                  {"key": "age", "answer": 1, "met": False}]}


def test_an_outcome_that_quotes_the_only_answer_does_not_list_it_again():
    _, messages = run(ea.ActionEligibilityOutcome, tracker("", answers={"anticoagulant_therapy": "yes"}))
    text = messages[0]["text"]
    assert 'You answered "Yes" to: Does the person take a blood thinner' in text and "Your answers:" not in text
    assert "change my answer" in text and "forget my answers" in text


def test_outcome_unknown_lists_not_sure_answers():
    answers = {"condition": "lupus", "calcinosis": "yes", "measurable_lesions": "not_sure"}
    _, messages = run(ea.ActionEligibilityOutcome, tracker("", answers=answers, trial="STSINJ"))
    text = messages[0]["text"]
    assert "can't tell yet" in text and "• Does the person have calcium deposits or symptoms" in text
    assert "full eligibility criteria" in text  # what the study team still checks
    assert messages[0]["custom"]["outcome"] == "unknown"


def test_why_do_you_ask_explains_the_open_question():
    _, messages = run(ea.ActionExplainCriterion, tracker("why?", "explain_question", answers={"diagnosis": "ippsd2_ossification"}))
    assert messages[0]["text"] == say("why", why="The study is for patients aged 2 years or over.",
                                      source="Patient aged 2 years or over")


def test_change_my_age_removes_it_so_it_is_asked_again():
    answers = {"diagnosis": "ippsd2_ossification", "age": 1}
    events, messages = run(ea.ActionChangeAnswer, tracker("change my age", "change_answer", answers=answers, active=False))
    assert events == [SlotSet("changing_answer", True), SlotSet("screening_answers", {"diagnosis": "ippsd2_ossification"}),
                      SlotSet("screening_reply", None), SlotSet("screening_failures", None)]


def test_change_of_a_gate_answer_asks_its_dependents_again():
    answers = {"childbearing_potential": "yes", "pregnant_or_breastfeeding": "no", "contraception": "yes", "age": 30}
    events, _ = run(ea.ActionChangeAnswer, tracker("change my answer about becoming pregnant", "change_answer",
                                                   answers=answers, active=False))
    assert SlotSet("screening_answers", {"age": 30}) in events


def test_change_without_answers_says_so():
    events, messages = run(ea.ActionChangeAnswer, tracker("change my age", "change_answer", answers=None, active=False))
    assert events == [SlotSet("changing_answer", False)] and messages[0]["text"] == say("nothing_to_change")


def test_a_question_taken_for_a_correction_with_nothing_to_correct_is_answered():
    events, messages = run(ea.ActionChangeAnswer, tracker("does mixed connective tissue disease count? thats my diagnosis",
                                                          "change_answer", answers=None, active=False, trial="STSINJ"))
    assert SlotSet("changing_answer", False) in events
    assert "connective tissue diseases" in messages[0]["text"] and messages[0]["custom"]["type"] == "answer"


def test_a_correction_that_names_the_new_answer_is_taken_even_when_it_names_the_old_one():
    answers = {"diagnosis": "systemic_sclerosis_calcification", "age": 54, "planned_surgery": "no"}
    for text, key, new in [("it's dermatomyositis actually, not scleroderma", "diagnosis", "dermatomyositis_calcification"),
                           ("I'm 45 not 54", "age", 45),
                           ("sorry, the surgery one should be yes", "planned_surgery", "yes")]:
        events, messages = run(ea.ActionChangeAnswer, tracker(text, "change_answer", answers=dict(answers), active=False))
        assert SlotSet("screening_answers", {**answers, key: new}) in events, text
        assert messages[0]["text"].startswith("OK, I've changed your answer")


def test_a_correction_that_names_no_answer_asks_it_again_and_one_that_names_nothing_offers_buttons():
    answers = {"diagnosis": "ippsd2_ossification", "anticoagulant_therapy": "no", "age": 30}
    events, messages = run(ea.ActionChangeAnswer, tracker("sorry I got the blood thinner one wrong", "change_answer",
                                                          answers=dict(answers), active=False))
    assert SlotSet("screening_answers", {"diagnosis": "ippsd2_ossification", "age": 30}) in events
    events, messages = run(ea.ActionChangeAnswer, tracker("I made a mistake", "change_answer", answers=dict(answers),
                                                          active=False))
    assert events == [SlotSet("changing_answer", False)] and len(messages[0]["buttons"]) == 3


def test_a_correction_mid_form_is_taken_and_the_screening_goes_on():
    answers = {"diagnosis": "systemic_sclerosis_calcification", "age": 54}
    result, messages = validate("wait its dermatomyositis not scleroderma", intent="change_answer", answers=answers)
    assert result["screening_answers"] == {"diagnosis": "dermatomyositis_calcification", "age": 54}
    assert result["screening_reply"] is None  # the open question is asked again


def test_a_correction_of_an_earlier_question_is_not_taken_for_the_open_one():
    """"Not sure" said of the surgery, while the allergy question is open, changes the surgery answer
    (it was recorded as the allergy answer) and the allergy question is asked again."""
    answers = {"diagnosis": "systemic_sclerosis_calcification", "age": 71, "planned_surgery": "no"}
    result, messages = validate("hmm actually i'm not sure about the surgery, her surgeon mentioned maybe removing one "
                                "next spring", intent="change_answer", answers=dict(answers), person="mum")
    assert result["screening_answers"] == {**answers, "planned_surgery": "not_sure"}
    assert result["screening_reply"] is None and messages[0]["text"].startswith("OK, I've changed your answer")
    # Naming the open question as much as an earlier one, it answers the open one.
    result, _ = validate("no allergies, but she might need surgery", intent="change_answer", answers=dict(answers))
    assert result["screening_answers"] == {**answers, "sts_allergy": "no"}


def test_not_understanding_the_question_is_no_not_sure_and_another_topic_is_no_answer():
    """A parent's "not sure what that means, what is STS" to the allergy question was recorded as
    "not sure"; "we live in france yes he has the carte vitale" to the legal-protection question as
    "yes" (the listing words of "carte vitale" and the question's shared "study")."""
    answers = {"diagnosis": "ippsd2_ossification", "age": 7, "planned_surgery": "no"}
    for intent in ("give_answer", "ask_question", "explain_question"):
        result, messages = validate("not sure what that means, what is STS", intent=intent, answers=dict(answers))
        assert result == {"screening_reply": None} and messages, intent
    adult = {"diagnosis": "ippsd2_ossification", "age": 30, "planned_surgery": "no", "sts_allergy": "no",
             "injection_contraindication": "no", "anticoagulant_therapy": "no", "childbearing_potential": "no",
             "consent": "yes"}
    result, _ = validate("we live in france yes he has the carte vitale", answers=dict(adult))
    assert "legal_protection" not in (result.get("screening_answers") or {})


def test_an_answer_the_nlu_took_for_a_correction_is_still_an_answer():
    result, _ = validate("no, nothing planned, the surgeon wants to wait", intent="change_answer",
                         answers={"diagnosis": "ippsd2_ossification", "age": 9})
    assert result["screening_answers"]["planned_surgery"] == "no"


def test_why_do_you_ask_mid_form_is_explained_whatever_the_nlu_said():
    result, messages = validate("why do you need to know that", intent="ask_question", answers={"diagnosis": "ippsd2_ossification"})
    assert result == {"screening_reply": None}
    assert messages[0]["text"].startswith("We ask because: The study is for patients aged 2 years or over.")


def test_ok_then_a_question_mid_form_is_no_yes():
    answers = {"diagnosis": "ippsd2_ossification", "age": 9, "planned_surgery": "no"}
    result, messages = validate("ok and what phase is this study in", intent="ask_question", answers=answers)
    assert "screening_answers" not in result and "phase II" in messages[0]["text"]
    result, _ = validate("ok. no allergy", answers=answers)
    assert result["screening_answers"]["sts_allergy"] == "no"


def test_a_condition_in_the_message_that_starts_the_screening_is_answered_first():
    dispatcher = CollectingDispatcher()
    tr = tracker("Can I participate if I am breastfeeding?", "check_eligibility", requested=None)
    domain = {"forms": {"eligibility_form": {"required_slots": ["trial", "screening_reply"]}}}
    asyncio.run(ea.ValidateEligibilityForm().run(dispatcher, tr, domain))
    assert "Pregnant, parturient or breastfeeding woman" in dispatcher.messages[0]["text"]


def test_a_plain_start_is_not_answered_from_the_texts():
    dispatcher = CollectingDispatcher()
    tr = tracker("am I eligible?", "check_eligibility", requested=None)
    domain = {"forms": {"eligibility_form": {"required_slots": ["trial", "screening_reply"]}}}
    asyncio.run(ea.ValidateEligibilityForm().run(dispatcher, tr, domain))
    assert not any("(Source:" in m.get("text", "") for m in dispatcher.messages)


def test_a_trial_named_when_starting_wins_over_the_remembered_one():
    dispatcher = CollectingDispatcher()
    tr = tracker("can my daughter join the Pittsburgh trial?", "check_eligibility", trial="NCT03582800", requested=None,
                 answers={"age": 30})
    assert asyncio.run(ea.ValidateEligibilityForm().extract_trial(dispatcher, tr, {})) == {
        "trial": "STSINJ", "screening_answers": None}


def test_mid_screening_the_trial_does_not_change():
    dispatcher = CollectingDispatcher()
    tr = tracker("what about the Pittsburgh trial?", "ask_question", trial="NCT03582800")
    assert asyncio.run(ea.ValidateEligibilityForm().extract_trial(dispatcher, tr, {})) == {}


def start(text: str, intent: str = "check_eligibility", **kwargs):
    """The form's validation on the message that starts the screening: its events and messages."""
    dispatcher = CollectingDispatcher()
    tr = tracker(text, intent, requested=None, **kwargs)
    domain = {"forms": {"eligibility_form": {"required_slots": ["trial", "screening_reply"]}}}
    events = asyncio.run(ea.ValidateEligibilityForm().run(dispatcher, tr, domain))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, [m.get("text") or "" for m in dispatcher.messages]


def test_a_question_answered_before_the_pre_screen_resumes_is_not_answered_again():
    # "start over", then a question instead of yes or no: the deletion form answers it, and the
    # pre-screen resumes on that same message.
    question, answers = "what is the youngest age?", {"diagnosis": "dermatomyositis_calcification"}
    asked = {"event": "user", "text": question}
    _, texts = start(question, answers=answers, events=[asked])
    assert any("(Source:" in t for t in texts)
    answered = {"event": "bot", "text": "Patient aged 2 years or over", "data": {"custom": {"type": "answer"}}}
    _, texts = start(question, answers=answers, events=[asked, answered])
    assert not any("(Source:" in t for t in texts) and any("Your earlier answers are kept" in t for t in texts)


def test_a_correction_that_resumes_the_pre_screen_is_not_answered_and_keeps_who_it_is_about():
    # After the outcome: the correction removed the calcinosis answer (action_change_answer) and the
    # form resumes on the same message, which asks nothing of the texts and says "i" of the writer.
    text = "hang on can we redo it from the beginning, i think i misunderstood the calcinosis question"
    slots, texts = start(text, "change_answer", trial="STSINJ", answers={"condition": "lupus"}, person="your wife")
    assert not any("(Source:" in t for t in texts) and "screening_person" not in slots
    # A new person named when resuming still counts ("my son is 5", after questions about "you").
    slots, _ = start("my son is 5", "give_answer", answers={"diagnosis": "ippsd2_ossification"}, person="you")
    assert slots.get("screening_person") == "your son"


def test_a_message_that_only_asks_to_go_on_resumes_without_an_answer_from_the_texts():
    # After an emergency: help came, and the question mark is only "can we carry on".
    _, texts = start("ok the ambulance came, he's fine now. can we carry on", answers={"diagnosis": "ippsd2_ossification"})
    assert not any("(Source:" in t for t in texts) and any("Your earlier answers are kept" in t for t in texts)
    _, texts = start("ok he's fine now. can we carry on? and who pays for it?", answers={"diagnosis": "ippsd2_ossification"})
    assert any("(Source:" in t for t in texts)


def test_facts_in_the_opening_message_are_kept_when_the_trial_is_chosen_in_a_second_step():
    slots, messages = choose_trial("the french one", "NCT03582800", opener="my son is 9 and has iPPSD2, can he take part?",
                                   person="your son")
    assert slots["screening_answers"] == {"diagnosis": "ippsd2_ossification", "age": 9}
    assert any(m["text"].startswith("From what you told me I noted:\n• Which of these does your son have?") for m in messages)


def test_a_question_asked_while_choosing_the_trial_is_answered_before_the_questions():
    slots, messages = choose_trial("is the pittsburgh one still open?", "STSINJ", "ask_question")
    texts = [m["text"] for m in messages if m.get("text")]
    assert slots["trial"] == "STSINJ" and slots["last_question"] == "is the pittsburgh one still open?"
    assert "doesn't cover that" in texts[0] and "STSINJ trial" in texts[0]
    # The answer has just named the trial: the intro does not name it again.
    assert texts[1] == say("screening_intro_after_answer")


def test_facts_given_with_the_trial_chosen_in_a_second_step_are_kept():
    slots, messages = choose_trial("the limoges one, she has iPPSD2", "NCT03582800", opener="can my daughter join",
                                   person="your daughter")
    assert slots["screening_answers"] == {"diagnosis": "ippsd2_ossification"}
    assert any("Which of these does your daughter have?" in m["text"] for m in messages)


def test_i_at_the_trial_choice_does_not_change_who_the_questions_are_about():
    slots, _ = choose_trial("i want the french one", "NCT03582800", opener="can my daughter join", person="your daughter")
    assert "screening_person" not in slots


def test_a_reply_that_answers_other_questions_only_is_kept_and_the_open_one_asked_again():
    # "my son is 5" to "which condition do you have?": his age is kept, and the questions are about him.
    result, messages = validate("my son is 5", answers={})
    assert result["screening_answers"] == {"age": 5} and result["screening_person"] == "your son"
    assert result["screening_reply"] is None and "screening_failures" not in result  # no hint, no failure
    assert messages[0]["text"].startswith("From what you told me I noted:\n• How old is your son?")


def test_a_reply_that_only_says_who_would_take_part_asks_the_question_of_them():
    # The Pittsburgh pre-screen asks no age: "my son is 5" says who the questions are about.
    result, messages = validate("my son is 5", trial="STSINJ", answers={})
    assert result == {"screening_reply": None, "screening_person": "your son"} and messages == []
    # Someone else already named: not changed by a mention of another person.
    result, _ = validate("my son is 5", trial="STSINJ", answers={}, person="your daughter")
    assert "screening_person" not in result


def test_naming_the_trial_being_screened_for_asks_the_question_again():
    result, messages = validate("ok the american one then", intent="ask_question", trial="STSINJ", answers={})
    assert result == {"screening_reply": None} and messages == []


def test_facts_in_the_opening_message_are_taken_as_answers_and_said_back():
    slots, texts = start("my son is 12 and has iPPSD2, can he join the Limoges study?", trial=None)
    assert slots["trial"] == "NCT03582800"
    assert slots["screening_answers"] == {"diagnosis": "ippsd2_ossification", "age": 12}
    noted = next(t for t in texts if t.startswith("From what you told me I noted:"))
    assert "How old is your son? 12 years" in noted and "change my answer" in noted
    assert slots["screening_person"] == "your son"  # the questions are asked about him
    # So the first question asked is neither the diagnosis nor the age.
    tr = tracker("", answers=slots["screening_answers"])
    _, messages = run(ea.ActionAskEligibilityAnswer, tr)
    assert messages[0]["custom"]["criterion"] not in ("diagnosis", "age")


def test_a_medicine_named_when_starting_is_taken_and_its_criterion_left_to_the_outcome():
    slots, texts = start("I take warfarin, can I still join?")
    assert slots["screening_answers"] == {"anticoagulant_therapy": "yes"} and slots["screening_reply"] == ea.DONE
    # The outcome that follows quotes “Anticoagulant therapy” and explains it: no answer quoting it first.
    assert not any("Anticoagulant therapy" in t for t in texts)


def test_a_criterion_that_does_not_concern_the_person_is_not_quoted_before_the_pre_screen():
    # In the widget, a parent's opener got the women's contraception criterion quoted first.
    opener = ("hi, my little boy is 5 and the doctors say he has pseudohypoparathyroidism with hard bits under the skin "
              "on his legs. is there any way he could be part of this?")
    slots, texts = start(opener, trial="NCT03582800", answers=None)
    assert slots["screening_answers"]["age"] == 5 and not any("contraception" in t for t in texts), texts
    # Facts that end the pre-screen: its outcome follows at once; no criterion is quoted before it.
    slots, texts = start("my daughter is 19 and has lupus with calcinosis in her thighs. could she be in this one?",
                         trial="NCT03582800", answers=None)
    assert slots["screening_reply"] == ea.DONE and not any("contraception" in t for t in texts), texts


def test_a_question_beside_a_medicine_that_rules_out_is_still_answered():
    _, texts = start("I take warfarin, can I still join? who runs the study?")
    assert any("Limoges" in t and "Source:" in t for t in texts)


def test_an_age_in_months_from_the_opener_is_taken_and_said_in_months():
    slots, texts = start("my daughter is 18 months old and has iPPSD2, can she join?", answers=None)
    assert slots["screening_answers"] == {"diagnosis": "ippsd2_ossification", "age": 1.5}
    assert slots["screening_reply"] == ea.DONE  # under 2 years: the outcome follows, with how to change it
    assert slots["screening_person"] == "your daughter"
    # The outcome says the answers itself: they are not said back first as well.
    assert not any(t.startswith("From what you told me") for t in texts)


def test_nothing_is_noted_from_a_plain_start():
    slots, texts = start("Could I take part?", answers=None)
    assert "screening_answers" not in slots and not any(t.startswith("From what you told me") for t in texts)


def test_resuming_a_paused_screening_keeps_the_answers_and_says_so():
    slots, texts = start("can we go on with the questions?", answers={"diagnosis": "ippsd2_ossification"})
    assert "screening_answers" not in slots
    assert say("screening_resumed", trial_label="NCT03582800 study (University Hospital Limoges)") in texts


def test_an_answer_to_the_paused_question_taken_for_a_correction_is_taken():
    answers = {"diagnosis": "ippsd2_ossification", "age": 9, "planned_surgery": "no", "sts_allergy": "no",
               "injection_contraindication": "no"}
    events, messages = run(ea.ActionChangeAnswer, tracker(
        "its stopped, were at the hospital. and yes she takes heparin, so thats the answer to the blood thinner question",
        "change_answer", answers=dict(answers), active=False))
    assert SlotSet("screening_answers", {**answers, "anticoagulant_therapy": "yes"}) in events
    assert SlotSet("changing_answer", True) in events and SlotSet("screening_reply", ea.DONE) in events


def test_a_bare_answer_just_after_the_emergency_reply_is_not_taken_and_the_question_is_asked_again():
    """"I've got a sudden bad headache and my vision is blurry, is that normal?", the emergency reply,
    then "no": it was recorded as "no" to the open calcinosis question (outcome: likely not able)."""
    answers = {"diagnosis": "systemic_sclerosis_calcification", "age": 50}
    emergency = [{"event": "user", "text": "my vision is blurry, is that normal?"}, {"event": "action", "name": "utter_emergency"},
                 {"event": "action", "name": "action_emergency_numbers"}, {"event": "action", "name": "action_listen"},
                 {"event": "user", "text": "no"}]
    for text in ("no", "yes"):
        events, _ = run(ea.ActionTakeAnswer, tracker(text, answers=dict(answers), active=False, events=emergency))
        assert events == [SlotSet("resume_screening", True)], text
    # An answer that says what it answers is taken; and a bare one when no emergency came between.
    events, _ = run(ea.ActionTakeAnswer, tracker("no surgery planned", answers=dict(answers), active=False, events=emergency))
    assert SlotSet("screening_answers", {**answers, "planned_surgery": "no"}) in events
    events, _ = run(ea.ActionTakeAnswer, tracker("no", answers=dict(answers), active=False))
    assert SlotSet("screening_answers", {**answers, "planned_surgery": "no"}) in events


def test_an_answer_while_the_screening_is_paused_is_taken_and_it_goes_on():
    answers = {"diagnosis": "ippsd2_ossification", "age": 9, "planned_surgery": "no"}
    events, _ = run(ea.ActionTakeAnswer, tracker("no allergies", answers=dict(answers), active=False))
    assert SlotSet("screening_answers", {**answers, "sts_allergy": "no"}) in events
    assert SlotSet("resume_screening", True) in events
    events, messages = run(ea.ActionTakeAnswer, tracker("yes", answers=None, active=False))
    assert SlotSet("resume_screening", False) in events and messages  # nothing paused: the fallback's reply



def test_asking_what_the_site_is_about_in_the_pre_screen_gets_the_introduction_and_the_question_again():
    result, messages = validate("Hello, what is this site about?", intent="ask_question", answers={"diagnosis": "ippsd2_ossification"})
    assert result == {"screening_reply": None} and messages[0]["text"].startswith("I'm an information assistant")


def test_a_ruling_out_answer_said_with_another_questions_words_is_asked_again():
    # In the widget, "yes my rheumatologist measures them on xrays" (typed with an earlier question in
    # mind) was taken as "yes" to the guardianship question: "likely not able to take part".
    answers = {"diagnosis": "dermatomyositis_calcification", "age": 34, "planned_surgery": "no", "sts_allergy": "no",
               "injection_contraindication": "no", "anticoagulant_therapy": "no", "childbearing_potential": "no",
               "consent": "yes"}
    result, messages = validate("yes my rheumatologist measures them on xrays", answers=dict(answers))
    assert result == {"screening_reply": None} and messages[0]["text"] == say("answer_again")
    # More words of another question's topic than of its own (the tester's "periods" at the consent question).
    result, messages = validate("she hasn't started her periods yet", answers={k: answers[k] for k in list(answers)[:7]},
                                person="your daughter")
    assert "consent" not in result.get("screening_answers", {}) and messages[-1]["text"] == say("answer_again"), result
    # Its own words, a bare yes, or a medicine of its own: taken.
    for text in ("yes she is under guardianship", "yes"):
        result, _ = validate(text, answers=dict(answers))
        assert result["screening_answers"]["legal_protection"] == "yes", text
    result, _ = validate("yes he takes warfarin", answers={k: answers[k] for k in list(answers)[:5]})
    assert result["screening_answers"]["anticoagulant_therapy"] == "yes"
    # A medicine of another question's list: its "yes" is that question's answer, which ends it here.
    result, messages = validate("yes he takes heparin injections after his operation last year, is that a problem?",
                                answers={k: answers[k] for k in list(answers)[:4]})
    assert result["screening_answers"] == {**{k: answers[k] for k in list(answers)[:4]}, "anticoagulant_therapy": "yes"}
    assert result["screening_reply"] == ea.DONE and not messages
    # Words of many questions say which one no better than none ("take" of "who would take part").
    for text in ("yes in june", "yes, they want to take out the big one on her hip this summer"):
        result, _ = validate(text, answers={k: answers[k] for k in list(answers)[:2]})
        assert result["screening_answers"]["planned_surgery"] == "yes", text


def test_a_statement_after_the_outcome_is_thanked_not_misunderstood():
    # "yes my rheumatologist measures them on xrays" after the outcome got "Sorry, I didn't understand that".
    answers = {"condition": "lupus", "calcinosis": "yes", "measurable_lesions": "yes"}
    events, messages = run(ea.ActionTakeAnswer, tracker("yes my rheumatologist measures them on xrays", answers=dict(answers),
                                                        trial="STSINJ", active=False))
    assert [m["text"] for m in messages] == [say("told_after_outcome")] and SlotSet("resume_screening", False) in events
    # A question then is still answered from the texts.
    _, messages = run(ea.ActionTakeAnswer, tracker("who runs the study?", answers=dict(answers), trial="STSINJ", active=False))
    assert say("told_after_outcome") not in [m["text"] for m in messages]


def test_facts_for_a_pre_screen_not_started_start_it():
    # "my son has iPPSD2 and is 7" on the Limoges page got "Sorry, I didn't understand that".
    events, messages = run(ea.ActionTakeAnswer, tracker("my son has iPPSD2 and is 7", answers=None, active=False))
    assert events == [SlotSet("resume_screening", True)] and messages == []  # the form notes them
    slots, texts = start("my son has iPPSD2 and is 7")
    assert slots["screening_answers"] == {"diagnosis": "ippsd2_ossification", "age": 7}
    assert not any("(Source:" in t for t in texts)  # noted, not answered with a passage


def test_yes_or_no_typed_to_the_offer_of_a_pre_screen_answers_it():
    offer = [{"event": "user", "text": "how do i sign up?"},
             {"event": "bot", "text": say("offer_screening", who="you"), "data": {"buttons": [START_SCREENING_BUTTON]}},
             {"event": "user", "text": "yes please"}]
    events, messages = run(ea.ActionTakeAnswer, tracker("yes please", answers=None, active=False, events=offer))
    assert events == [SlotSet("resume_screening", True)] and messages == []  # the rule then starts the form
    events, messages = run(ea.ActionTakeAnswer, tracker("no thanks", answers=None, active=False, events=offer))
    assert events == [SlotSet("resume_screening", False)] and messages[0]["text"] == say("screening_declined")
    # "ok" alone takes the offer up, as a yes; a reaction that is not one gets "anything else?".
    events, messages = run(ea.ActionTakeAnswer, tracker("ok!", intent="acknowledge", answers=None, active=False, events=offer))
    assert events == [SlotSet("resume_screening", True)] and messages == []
    events, messages = run(ea.ActionTakeAnswer, tracker("hm, that's a lot of needles", intent="acknowledge", answers=None,
                                                        active=False, events=offer))
    assert events == [SlotSet("resume_screening", False)] and [m["text"] for m in messages] == [say("anything_else")]
    # An offer further back is no longer what a "yes" answers.
    earlier = offer[:2] + [{"event": "user", "text": "who runs it?"}, {"event": "bot", "text": "Dr Domsic."},
                           {"event": "user", "text": "yes"}]
    events, messages = run(ea.ActionTakeAnswer, tracker("yes", answers=None, active=False, events=earlier))
    assert SlotSet("resume_screening", True) not in events and messages[0]["text"] != say("screening_declined")
    events, messages = run(ea.ActionTakeAnswer, tracker("ok", intent="acknowledge", answers=None, active=False, events=earlier))
    assert events == [SlotSet("resume_screening", False)] and [m["text"] for m in messages] == [say("anything_else")]


def test_an_acknowledgement_answers_a_paused_pre_screen_or_starts_nothing():
    # After a question mid-screen the open question is asked again: "yup" answers it (the classifier
    # may read it as an acknowledgement); a reaction with no pre-screen to answer starts none.
    answers = {"diagnosis": "ippsd2_ossification", "age": 9}
    events, _ = run(ea.ActionTakeAnswer, tracker("yup", intent="acknowledge", answers=dict(answers), active=False))
    assert SlotSet("screening_answers", {**answers, "planned_surgery": "yes"}) in events
    assert SlotSet("resume_screening", True) in events
    events, messages = run(ea.ActionTakeAnswer, tracker("my son hates needles, so we'll see",
                                                        intent="acknowledge", answers=None, active=False))
    assert events == [SlotSet("resume_screening", False)] and [m["text"] for m in messages] == [say("anything_else")]


def test_yes_or_no_typed_to_anything_else_answers_it():
    # Seen in the widget: "yes" to "Is there anything else you'd like to know?" got "Sorry, I didn't
    # understand that".
    asked = [{"event": "user", "text": "ok"}, {"event": "bot", "text": say("anything_else")}]
    for text, reply in (("yes", {"text": say("ask_away")}), ("yeah i do", {"text": say("ask_away")}),
                        ("no", {"response": "utter_goodbye"}), ("nope that's all", {"response": "utter_goodbye"})):
        events, messages = run(ea.ActionTakeAnswer, tracker(text, answers=None, active=False,
                                                            events=asked + [{"event": "user", "text": text}]))
        assert events == [SlotSet("resume_screening", False)]
        assert [{k: m[k] for k in reply} for m in messages] == [reply], (text, messages)
    # Asked further back, a "yes" does not answer it.
    earlier = asked + [{"event": "user", "text": "who runs it?"}, {"event": "bot", "text": "Dr Domsic."},
                       {"event": "user", "text": "yes"}]
    _, messages = run(ea.ActionTakeAnswer, tracker("yes", answers=None, active=False, events=earlier))
    assert messages and messages[0].get("text") != say("ask_away")


def test_the_thanks_reply_asks_anything_else_in_the_same_words():
    # domain.yml's response cannot read messages.yml: asked_anything_else finds the question by its
    # words, so a "yes" after "thanks" is understood only while both say it alike.
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))
    assert all(say("anything_else") in r["text"] for r in domain["responses"]["utter_you_are_welcome"])


def test_an_answer_about_someone_else_turns_the_questions_to_them():
    # "count me in" had started the pre-screen about "you"; the first answer is about his wife.
    result, _ = validate("my wife is 62 with dermatomyositis and lumps on her elbows", person="you")
    assert result["screening_person"] == "your wife"
    result, _ = validate("my wife has dermatomyositis", person="your daughter")
    assert "screening_person" not in result  # someone named already stays who the questions are about


def test_a_no_about_another_topic_does_not_answer_the_open_question():
    # Seen in the widget: the "no" of "no surgery planned" (and of "not me") answered "does your mum
    # have calcium deposits a doctor can measure?" and gave a wrong outcome.
    result, messages = validate("sorry that was about my mum, not me. no surgery planned", trial="STSINJ",
                                answers={"condition": "systemic_sclerosis", "calcinosis": "yes"}, person="your mum")
    assert "measurable_lesions" not in (result.get("screening_answers") or {})
    assert result["screening_reply"] is None and "didn't catch that" in messages[0]["text"]
    assert "screening_person" not in result


def test_does_that_matter_about_another_topic_is_answered_not_explained():
    # "why we ask" belongs to the open question; a past heart attack is a question of its own.
    text = "my mum had a heart attack two years ago, does that matter for her too?"
    events, messages = run(ea.ActionExplainCriterion, tracker(text, "explain_question", trial="STSINJ",
                                                              answers={"condition": "lupus", "calcinosis": "yes"}))
    assert messages and not any((m.get("text") or "").startswith("We ask because") for m in messages)
    _, messages = run(ea.ActionExplainCriterion, tracker("why do you need to know that?", "explain_question", trial="STSINJ",
                                                         answers={"condition": "lupus", "calcinosis": "yes"}))
    assert messages[0]["text"].startswith("We ask because: The trial measures how the deposits change.")


def test_a_request_to_join_that_asks_more_is_answered_in_the_pre_screen():
    # "could she still be in it" with a fact of its own is a question; "can she still join?" only asks to go on.
    answers = {"diagnosis": "dermatomyositis_calcification"}
    result, messages = validate("she cant really understand papers anymore, could she still be in it",
                                intent="check_eligibility", answers=answers)
    # Asked of the texts (what they make of it is the answerer's), then the question again.
    assert result["screening_reply"] is None and messages[0]["custom"]["type"] == "answer"
    assert result["last_question"].startswith("she cant really understand papers")
    result, messages = validate("can she still join?", intent="check_eligibility", answers=answers)
    assert result == {"screening_reply": None} and messages == []


def test_facts_told_earlier_in_the_conversation_are_kept_for_the_person_they_are_about():
    said = [{"event": "user", "text": "hello, my daughter is 6 and has PHP1a with little hard bumps on her arms. "
                                      "what studies do you have?"},
            {"event": "user", "text": "would she have to stay overnight in the hospital?"}]
    starting = {"event": "user", "text": "ok can she join?"}
    slots, texts = start("ok can she join?", events=[*said, starting], answers=None)
    assert slots["screening_answers"] == {"diagnosis": "ippsd2_ossification", "age": 6}
    assert slots["screening_person"] == "your daughter"
    assert any(t.startswith("From what you told me I noted:\n• Which of these does your daughter have?") for t in texts)
    # The writer's "I" with nothing stated, in between, does not make it the writer's pre-screen.
    between = {"event": "user", "text": "i think i want to stop, this is too much right now"}
    starting = {"event": "user", "text": "no actually keep going"}
    slots, _ = start("no actually keep going", events=[*said, between, starting], answers=None)
    assert slots["screening_answers"] == {"diagnosis": "ippsd2_ossification", "age": 6}
    assert slots["screening_person"] == "your daughter"
    # Said of someone else, or with nobody named, they are not this person's answers.
    for earlier in ("my daughter is 6 and has PHP1a", "does PHP1a count? what about a 6 year old?",
                    "should I give my son extra vitamin D for his ossifications while we wait?"):
        opener = "can I join?" if "daughter" in earlier else "can he be part of the study?"
        slots, texts = start(opener, events=[{"event": "user", "text": earlier}, {"event": "user", "text": opener}],
                             answers=None)
        assert "screening_answers" not in slots, (earlier, slots)


def test_a_pre_screen_for_a_listing_whose_end_date_has_passed_says_so_before_the_first_question():
    _, messages = choose_trial("the limoges one", "NCT03582800")
    texts = [m["text"] for m in messages if m.get("text")]
    # (The intro has named the trial: the note calls it "the study".)
    ended = say("listing_ended", trial_label="study", end="18 March 2023")
    assert texts == [say("screening_intro", trial_label="NCT03582800 study (University Hospital Limoges)"), ended]
    # Asked whether it is still open: the answer's note is not said twice. After another answer the turn
    # is long already: the outcome says it.
    _, messages = choose_trial("is the limoges one still open?", "NCT03582800", "ask_question")
    assert sum("end date of 18 March 2023" in (m.get("text") or "") for m in messages) == 1
    _, messages = choose_trial("is the limoges one for children?", "NCT03582800", "ask_question")
    assert any(m.get("custom") for m in messages) and not any("end date" in (m.get("text") or "") for m in messages)
    _, messages = choose_trial("the pittsburgh one", "STSINJ")
    assert [m["text"] for m in messages if m.get("text")] == [say("screening_intro", trial_label=ea.services().trials["STSINJ"].label)]


def test_the_pregnancy_questions_are_not_asked_about_a_man_or_boy():
    # "Could your husband become pregnant?" was asked in the widget (for_sex: female in criteria.yml).
    answers = {"diagnosis": "dermatomyositis_calcification", "age": 70, "planned_surgery": "no", "sts_allergy": "no",
               "injection_contraindication": "no", "anticoagulant_therapy": "no"}
    for person, asked in (("your husband", "consent"), ("your son", "consent"), ("your wife", "childbearing_potential"),
                          ("you", "childbearing_potential"), (None, "childbearing_potential")):
        criteria = ea.criteria_asked(ea.services(), tracker("no", answers=answers, person=person))
        assert ea.next_question(criteria, answers).key == asked, person
    _, messages = run(ea.ActionAskEligibilityAnswer, tracker("no", answers=answers, person="your husband"))
    assert messages[0]["text"].startswith("Question 7 of 8: Will your husband")


def test_an_open_outcome_for_a_listing_whose_end_date_has_passed_says_so():
    answers = {"diagnosis": "ippsd2_ossification", "age": 5, "planned_surgery": "no", "sts_allergy": "no",
               "injection_contraindication": "no", "anticoagulant_therapy": "no", "consent": "yes", "legal_protection": "no"}
    _, messages = run(ea.ActionEligibilityOutcome, tracker("", answers=answers))
    assert messages[0]["custom"]["outcome"] == "may_be_eligible" and "18 March 2023, which has passed" in messages[0]["text"]


def test_facts_told_beside_a_request_to_join_get_only_what_the_texts_say_of_who_may_join():
    # Nothing asked but whether one can join: no sentence of the study's design (1,089 characters).
    _, texts = start("my 9 year old girl has little bony lumps under her skin. could she be in the french trial?",
                     trial="NCT03582800", answers=None)
    assert not any("(Source:" in t for t in texts)
    # The trial's title words say which trial: nothing is looked up.
    _, texts = start("Can I join the sodium thiosulfate study?", trial="NCT03582800", answers=None)
    assert not any("(Source:" in t or "doesn't cover" in t for t in texts)
    # Whether a fact matters, which the texts do not say: said so.
    _, texts = start("my husband drives me to every visit, could I take part?", trial="STSINJ", answers=None)
    assert "doesn't cover" in texts[0]
    # Only what the questions take as answers: noted, with no "I'm not sure the trial information
    # answers that" and the texts' nearest sentence (what they say of who may join is still said).
    for trial, text in (("STSINJ", "can i take part? i'm 34 with limited scleroderma"),
                        ("NCT03582800", "Could my son join? He is 7 and has iPPSD2.")):
        slots, texts = start(text, trial=trial, answers=None)
        assert not any("doesn't" in t or "not sure" in t or "closest" in t for t in texts), texts
        assert any(t.startswith("From what you told me I noted:") for t in texts) and slots["screening_answers"], texts
    # A fact the criteria speak of is answered from them.
    _, texts = start("I'm 45 and take warfarin, I'd like to join", trial="STSINJ", answers=None)
    assert any("(Source:" in t and "medications" in t for t in texts)
    # A condition asked about still gets what the texts say, or that they do not say it.
    _, texts = start("can I join if I live in Canada?", trial="NCT03582800", answers=None)
    assert any("(Source:" in t or "doesn't cover" in t for t in texts)
