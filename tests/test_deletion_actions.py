"""Stop, start over and forget ask first, and delete only on a yes (actions/deletion_actions.py);
a message that only mentions such words is no request to delete (actions/questions.py)."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import deletion_actions as da
from actions.messages import say
from actions.questions import deletion_only_mentioned

ANSWERS = {"diagnosis": "ippsd2_ossification", "age": 9}


def tracker(text: str, intent: str, answers: dict | None = None, active: bool = True,
            deletion_request: dict | None = None, deletion_reply: str | None = None) -> Tracker:
    slots = {"trial": "NCT03582800", "screening_answers": answers, "deletion_request": deletion_request,
             "deletion_reply": deletion_reply, "requested_slot": None}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "metadata": {"trial": "NCT03582800"}}
    return Tracker("t", slots, latest, [], False, None, {"name": "eligibility_form"} if active else {}, "action_listen")


def run(action, tr):
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tr, {})
    return (asyncio.run(result) if asyncio.iscoroutine(result) else result), dispatcher.messages


@pytest.mark.parametrize("intent, message", [("stop_screening", "ask_to_stop"), ("restart_screening", "ask_to_restart"),
                                             ("forget_answers", "ask_to_forget")])
def test_a_request_that_deletes_asks_first_with_two_buttons_and_deletes_nothing(intent, message):
    events, messages = run(da.ActionAskToDelete(), tracker("stop", intent, ANSWERS))
    assert messages[0]["text"] == say(message)
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes, delete my answers", "No, keep going"]
    assert messages[0]["custom"] == {"type": "confirm_deletion", "request": intent}
    assert SlotSet("deletion_pending", True) in events and ActiveLoop(None) in events
    assert not any(e.get("name") == "screening_answers" for e in events)  # nothing deleted yet


def test_stop_with_nothing_going_on_says_so_and_a_question_is_answered():
    events, messages = run(da.ActionAskToDelete(), tracker("stop", "stop_screening", None, active=False))
    assert messages[0]["text"] == say("nothing_to_stop") and SlotSet("deletion_pending", False) in events
    _, messages = run(da.ActionAskToDelete(), tracker("who runs the study?", "stop_screening", None, active=False))
    assert messages[0]["custom"]["type"] == "answer"


def test_asking_to_stop_and_delete_with_nothing_going_on_asks_to_delete_what_was_typed():
    """Found holding a conversation: "can i stop the questionnaire and delete what i said" outside a
    pre-screen got the listing's sentence on stopping medications."""
    events, messages = run(da.ActionAskToDelete(), tracker("can i stop the questionnaire and delete what i said",
                                                           "stop_screening", None, active=False))
    assert messages[0]["text"] == say("ask_to_forget")
    assert messages[0]["custom"] == {"type": "confirm_deletion", "request": "forget_answers"}
    assert SlotSet("deletion_pending", True) in events
    # Stopping questions when none are going on is said so, not answered from the listing.
    _, messages = run(da.ActionAskToDelete(), tracker("can we stop the questions?", "stop_screening", None, active=False))
    assert messages[0]["text"] == say("nothing_to_stop")


def test_start_over_with_nothing_to_delete_starts_the_screening():
    events, messages = run(da.ActionAskToDelete(), tracker("start over", "restart_screening", None, active=False))
    assert messages == [] and SlotSet("resume_screening", True) in events
    # The first question open, nothing answered yet ("can i start the questions then"): it is asked again.
    events, messages = run(da.ActionAskToDelete(), tracker("can i start the questions then", "restart_screening", None))
    assert messages == [] and SlotSet("resume_screening", True) in events


@pytest.mark.parametrize("reply, intent, yes", [
    ("Yes, delete my answers", "give_answer", True), ("yes", "give_answer", True), ("yes please", "give_answer", True),
    ("just delete it", "forget_answers", True), ("No, keep going", "give_answer", False), ("no", "give_answer", False),
    ("ok", "give_answer", False), ("not sure", "give_answer", False), ("hmm what does that mean", "ask_question", False),
])
def test_only_a_yes_is_a_yes(reply, intent, yes):
    assert da.reads_as_yes(reply, intent) is yes


def test_the_reply_is_read_and_a_question_instead_is_answered():
    form = da.ValidateDeletionForm()
    dispatcher = CollectingDispatcher()
    assert form.validate_deletion_reply("yes", dispatcher, tracker("yes", "give_answer", ANSWERS), {}) == {"deletion_reply": "yes"}
    question = "who is running the Limoges study?"
    assert form.validate_deletion_reply(question, dispatcher, tracker(question, "ask_question", ANSWERS), {}) == {
        "deletion_reply": "no"}
    assert "Limoges" in dispatcher.messages[0]["text"] and dispatcher.messages[0]["custom"]["type"] == "answer"



@pytest.mark.parametrize("question", ["hmm when does the study end anyway", "wait, first tell me who is running this"])
def test_a_question_without_its_mark_instead_of_yes_or_no_is_answered(question):
    """Typed as people do, after "hmm" or "wait" and without "?": answered, not only "nothing deleted"."""
    dispatcher = CollectingDispatcher()
    reply = da.ValidateDeletionForm().validate_deletion_reply(question, dispatcher, tracker(question, "ask_question", ANSWERS), {})
    assert reply == {"deletion_reply": "no"}
    assert dispatcher.messages and dispatcher.messages[0]["custom"]["type"] == "answer"


@pytest.mark.parametrize("request_, message", [("stop_screening", "screening_stopped"),
                                               ("forget_answers", "answers_forgotten"),
                                               ("restart_screening", "screening_restarted")])
def test_a_yes_deletes_and_start_over_starts_again(request_, message):
    tr = tracker("yes", "give_answer", ANSWERS, active=False, deletion_request={"request": request_, "resume": True},
                 deletion_reply="yes")
    events, messages = run(da.ActionResolveDeletion(), tr)
    assert messages[0]["text"] == say(message)
    assert SlotSet("screening_answers", None) in events and SlotSet("screening_person", None) in events
    assert SlotSet("resume_screening", request_ == "restart_screening") in events
    assert SlotSet("deletion_request", {"request": request_, "deleted": True}) in events


@pytest.mark.parametrize("text, answer", [("ok no nothing planned", "no"), ("no, not for now", "no")])
def test_an_answer_to_the_open_question_taken_for_a_stop_is_taken(text, answer):
    """Mid pre-screen, a message that starts with a yes or no and names nothing of the conversation
    answers the open question (it was asked "do you want to stop?")."""
    events, messages = run(da.ActionAskToDelete(), tracker(text, "stop_screening", dict(ANSWERS)))
    assert not messages
    assert SlotSet("screening_answers", {**ANSWERS, "planned_surgery": answer}) in events
    assert SlotSet("resume_screening", True) in events and SlotSet("deletion_pending", False) in events


@pytest.mark.parametrize("text", ["no more questions please", "no, stop", "yes please delete", "no, let's start again"])
def test_a_yes_or_no_that_names_the_conversation_still_asks_to_delete(text):
    events, messages = run(da.ActionAskToDelete(), tracker(text, "stop_screening", dict(ANSWERS)))
    assert messages[0]["custom"]["type"] == "confirm_deletion" and SlotSet("deletion_pending", True) in events


def test_anything_but_yes_keeps_everything_and_resumes():
    tr = tracker("no", "give_answer", ANSWERS, active=False, deletion_request={"request": "stop_screening", "resume": True},
                 deletion_reply="no")
    events, messages = run(da.ActionResolveDeletion(), tr)
    assert messages[0]["text"] == say("nothing_deleted")
    assert not any(e.get("name") == "screening_answers" for e in events)
    assert SlotSet("resume_screening", True) in events


@pytest.mark.parametrize("text", [
    # The conversations issue's messages, and more of their kind: about a treatment or the trial.
    "do I need to stop my blood thinners?", "and do they need to stop blood thinners?", "stop my warfarin",
    "stop the injections", "what happens if i stop the injections halfway", "quit taking the pills",
    "i started warfarin last week", "i forgot to say i take warfarin", "what if I forget a dose?",
    "if i stop will my data be deleted?", "can she stop her methotrexate before the study",
    "do they stop the treatment if it doesn't work", "i stopped eliquis in may", "when can she start the injections",
    "can we start before the summer holidays", "does the study end in 2023", "she forgot her inhaler at home",
    "how do i delete the app notifications", "should he come off prednisone first", "i ended my last course of antibiotics",
])
def test_a_message_that_only_mentions_stopping_or_forgetting_deletes_nothing(text):
    assert deletion_only_mentioned(text)


@pytest.mark.parametrize("text", [
    "stop", "please stop the questions", "i want to stop", "stop asking me questions", "can we start over?",
    "could you delete my answers?", "forget my answers", "end the screening", "cancel the pre screen",
    "can i stop now?", "is it possible to delete my data?", "start over", "delete everything", "stop now please",
    "mums upset, can you stop the questionnaire", "i need to stop for today", "let's start again from the beginning",
    "wipe what i told you", "cancel", "stop it",
])
def test_a_request_about_the_conversation_is_a_request(text):
    assert not deletion_only_mentioned(text)


def test_the_deletion_question_an_emergency_interrupted_is_asked_again_before_anything_else():
    """"forget my answers", "my chest is really tight ..." (the emergency reply), then "yes": the yes
    was recorded as the open pre-screen question's answer and nothing was deleted or asked again."""
    from rasa_sdk.events import FollowupAction

    from actions.eligibility_actions import ActionTakeAnswer

    tr = tracker("yes", "give_answer", answers=dict(ANSWERS), active=False,
                 deletion_request={"request": "forget_answers", "resume": True})
    tr.slots["deletion_pending"] = True
    tr.events = [{"event": "user", "text": "my chest is really tight"}, {"event": "action", "name": "utter_emergency"},
                 {"event": "action", "name": "action_emergency_numbers"}, {"event": "user", "text": "yes"}]
    events, messages = run(ActionTakeAnswer(), tr)
    assert messages[0]["custom"] == {"type": "confirm_deletion", "request": "forget_answers"}
    assert events == [SlotSet("deletion_pending", True), SlotSet("resume_screening", False),
                      FollowupAction("deletion_form")]
    assert not any(isinstance(e, dict) and e.get("name") == "screening_answers" for e in events)
