"""Stop, start over and "forget my answers" delete what the patient typed, so each asks first.

action_ask_to_delete asks once, with two buttons; deletion_form takes the next message as the reply
(an emergency still comes first, by rule); action_resolve_deletion deletes only on a yes, and
otherwise keeps everything and resumes where the conversation was: the open pre-screen question is
asked again, after the answer to a question typed instead of yes or no.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_parsing import YES, parse_yes_no, starts_with_an_answer
from actions.eligibility import next_question
from actions.eligibility_actions import (CLEARED, FORM as SCREENING_FORM, answers_of, asks_clearly, criteria_asked,
                                        take_open_answer)
from actions.messages import say
from actions.questions import (DELETING_INTENTS, about_the_conversation, asks_to_delete, is_question,
                               mentions_the_conversation)
from actions.replies import (answer_from_texts, answer_question, in_french, intent_of, question_of, send_french_note,
                             trial_context)
from actions.services import services

YES_BUTTON, NO_BUTTON = "Yes, delete my answers", "No, keep going"
# What each request says before and after the yes.
ASK = {"stop_screening": "ask_to_stop", "restart_screening": "ask_to_restart", "forget_answers": "ask_to_forget"}
DONE = {"stop_screening": "screening_stopped", "restart_screening": "screening_restarted",
        "forget_answers": "answers_forgotten"}


def screening_open(tracker: Tracker) -> bool:
    """A pre-screen is going on (or paused by an interruption) with a question still to ask."""
    if tracker.active_loop.get("name") == SCREENING_FORM:
        return True
    answers = answers_of(tracker)
    return bool(answers) and next_question(criteria_asked(services(), tracker), answers) is not None


def reads_as_yes(text: str, intent: str | None) -> bool:
    """A yes to "delete your answers?": yes in any words, or the request made again ("just delete it")."""
    return parse_yes_no(text) == YES or (intent in DELETING_INTENTS and parse_yes_no(text) is None)


class ActionAskToDelete(Action):
    def name(self) -> str:
        return "action_ask_to_delete"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        request = intent_of(tracker)
        request = request if request in ASK else "stop_screening"
        if in_french(tracker):
            send_french_note(dispatcher, tracker)
        resume = screening_open(tracker)
        text = tracker.latest_message.get("text") or ""
        if resume and starts_with_an_answer(text) and not mentions_the_conversation(text):
            # "ok no nothing planned", "no, not for now": an answer to the open question, taken.
            taken = take_open_answer(tracker)
            if taken is not None:
                return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("deletion_pending", False), *taken]
        if request == "stop_screening" and not resume and asks_to_delete(text):
            request = "forget_answers"  # "can I stop and delete what I said?": what was typed is deleted, on a yes
        if request == "stop_screening" and not resume and not answers_of(tracker):
            # Nothing to stop: a question the classifier took for "stop" is answered.
            if is_question(text) and not about_the_conversation(text):
                events = answer_from_texts(dispatcher, tracker)
            else:
                dispatcher.utter_message(text=say("nothing_to_stop"))
                events = []
            return events + [SlotSet("deletion_pending", False), SlotSet("resume_screening", False)]
        if request == "restart_screening" and not answers_of(tracker):
            # No answer yet ("can i start the questions then", the first question open or not):
            # nothing to delete, so it starts, or asks the first question again.
            return [SlotSet("deletion_pending", False), SlotSet("resume_screening", True)]
        ask_to_delete(dispatcher, request)
        return [ActiveLoop(None), SlotSet("deletion_pending", True), SlotSet("resume_screening", False),
                SlotSet("deletion_request", {"request": request, "resume": resume})]


def ask_to_delete(dispatcher: CollectingDispatcher, request: str) -> None:
    dispatcher.utter_message(text=say(ASK[request]),
                             buttons=[{"title": YES_BUTTON, "payload": YES_BUTTON},
                                      {"title": NO_BUTTON, "payload": NO_BUTTON}],
                             json_message={"type": "confirm_deletion", "request": request})


def ask_to_delete_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """"Do you want me to delete ...?" again, after an emergency interrupted it (a "yes" just after the
    emergency reply may answer anything): deletion_form reads the reply, and only a yes deletes."""
    request = (tracker.get_slot("deletion_request") or {}).get("request")
    ask_to_delete(dispatcher, request if request in ASK else "stop_screening")
    return [SlotSet("deletion_pending", True), SlotSet("resume_screening", False), FollowupAction("deletion_form")]


class ValidateDeletionForm(FormValidationAction):
    def name(self) -> str:
        return "validate_deletion_form"

    def validate_deletion_reply(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict:
        text = str(value or "")
        read = tracker.latest_message.get("intent") or {}
        if reads_as_yes(text, read.get("name")):
            return {"deletion_reply": "yes"}
        if asks_clearly(text, read) and parse_yes_no(text) is None:
            # A question instead of yes or no: answered, and nothing deleted.
            svc = services()
            answer_question(dispatcher, svc, question_of(tracker, svc), trial_context(tracker, svc).trials)
        return {"deletion_reply": "no"}


class ActionResolveDeletion(Action):
    def name(self) -> str:
        return "action_resolve_deletion"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        pending = tracker.get_slot("deletion_request") or {}
        request = pending.get("request") if pending.get("request") in DONE else "stop_screening"
        deleted = tracker.get_slot("deletion_reply") == "yes"
        # What was decided stays in deletion_request (no patient text: make report counts the stops).
        reset = [SlotSet("deletion_request", {"request": request, "deleted": deleted}), SlotSet("deletion_reply", None),
                 SlotSet("deletion_pending", False)]
        if deleted:
            dispatcher.utter_message(text=say(DONE[request]))
            restart = request == "restart_screening"
            return reset + CLEARED + [SlotSet("requested_slot", None), SlotSet("resume_screening", restart)]
        resume = bool(pending.get("resume"))
        dispatcher.utter_message(text=say("nothing_deleted"))
        return reset + [SlotSet("resume_screening", resume)]
