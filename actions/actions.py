"""Rasa custom actions: thin wrappers that read the tracker, call the plain modules, and reply."""
from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import Answer, debug_lines, is_question
from actions.messages import say
from actions.knowledge_base import Trial, contact_lines
from actions.retrieval import ANSWER_THRESHOLD, IndexNotReady
from actions.services import DEBUG, Services, services
from actions.trial_context import TrialContext, resolve_trials

logger = logging.getLogger(__name__)

# A message the NLU model is unsure of, and that is not a question, is answered only on a clear match.
FALLBACK_ANSWER_THRESHOLD = 0.5


def _context(tracker: Tracker, svc: Services) -> TrialContext:
    message = tracker.latest_message or {}
    return resolve_trials(message.get("text"), message.get("metadata"), tracker.get_slot("trial"),
                          svc.names, set(svc.trials))


def _remember(tracker: Tracker, context: TrialContext) -> list[EventType]:
    return [SlotSet("trial", context.remembered)] if context.remembered != tracker.get_slot("trial") else []


def trial_buttons(svc: Services) -> list[dict[str, str]]:
    return [{"title": t.label, "payload": f'/choose_trial{{"trial":"{t.id}"}}'} for t in svc.trials.values()]


def contacts_for(svc: Services, trial_ids: list[str]) -> str:
    return contact_lines(t for t in svc.trials.values() if not trial_ids or t.id in trial_ids)


# A question about whether a trial is still going on.
_STATUS_QUESTION = re.compile(r"\b(still|open|recruit\w*|running|ongoing|ended|ends?|finish\w*|clos\w*|over)\b",
                              re.IGNORECASE)


def listing_ended_notes(trials: list[Trial], today: date | None = None) -> list[str]:
    """For each trial whose listing's end date has passed: a note to ask whether it is still open."""
    today = today or date.today()
    return [say("listing_ended", trial_label=t.label, end=f"{end:%d %B %Y}")
            for t in trials if (end := t.end_date_passed(today))]


def send_answer(dispatcher: CollectingDispatcher, answer: Answer, svc: Services, question: str = "") -> None:
    if answer.covered:
        dispatcher.utter_message(text=answer.render())
        if answer.investigational:
            dispatcher.utter_message(text=say("investigational"))
    else:
        dispatcher.utter_message(text=say("not_covered", contacts=contacts_for(svc, [t.id for t in answer.asked])))
    if _STATUS_QUESTION.search(question):
        for note in listing_ended_notes(answer.asked):
            dispatcher.utter_message(text=note)
    if DEBUG:
        dispatcher.utter_message(text=debug_lines(answer))


def look_up(dispatcher: CollectingDispatcher, svc: Services, text: str, trial_ids: list[str],
            threshold: float = ANSWER_THRESHOLD) -> Answer | None:
    """The answer from the texts; None (after an apology) when the index cannot be used."""
    try:
        return svc.answerer.answer(text, trial_ids, threshold=threshold)
    except IndexNotReady as error:
        logger.error("cannot answer: %s", error)
        dispatcher.utter_message(text=say("service_unavailable"))
        return None


def answer_question(dispatcher: CollectingDispatcher, svc: Services, text: str, trial_ids: list[str]) -> Answer | None:
    """Looks up and sends the answer (or "not covered")."""
    answer = look_up(dispatcher, svc, text, trial_ids)
    if answer:
        send_answer(dispatcher, answer, svc, text)
    return answer


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        context = _context(tracker, svc)
        dispatcher.utter_message(text=say("greet", trial_list="; ".join(t.label for t in svc.trials.values())))
        if not context.trials:
            dispatcher.utter_message(text=say("ask_which_trial"), buttons=trial_buttons(svc))
        return _remember(tracker, context)


class ActionAnswerQuestion(Action):
    """Answers from the trial texts of the trial in context, or of each trial, labelled."""

    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        context = _context(tracker, svc)
        answer = answer_question(dispatcher, svc, tracker.latest_message.get("text") or "", context.trials)
        if answer and not context.trials and len(answer.parts) > 1:
            dispatcher.utter_message(text=say("ask_which_trial"), buttons=trial_buttons(svc))
        return _remember(tracker, context)


class ActionDeclineMedicalAdvice(Action):
    """No personal advice; points to the doctor and study team, with the relevant trial text."""

    def name(self) -> str:
        return "action_decline_medical_advice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        context = _context(tracker, svc)
        dispatcher.utter_message(text=say("medical_advice"))
        answer = look_up(dispatcher, svc, tracker.latest_message.get("text") or "", context.trials)
        if answer and answer.covered:
            dispatcher.utter_message(text=say("trial_text_says", answer=answer.render()))
        dispatcher.utter_message(text=say("contacts", contacts=contacts_for(svc, context.trials)))
        return _remember(tracker, context)


class ActionChooseTrial(Action):
    """Sets the trial in context from a button, a name in the message, or the page; a question that
    came with the name ("Who sponsors the Limoges study?") is answered too."""

    def name(self) -> str:
        return "action_choose_trial"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        chosen = next((e.get("value") for e in tracker.latest_message.get("entities", [])
                       if e.get("entity") == "trial" and e.get("value") in svc.trials), None)
        if chosen is None:
            context = _context(tracker, svc)
            chosen = context.trials[0] if len(context.trials) == 1 else None
        if chosen is None:
            dispatcher.utter_message(text=say("ask_which_trial"), buttons=trial_buttons(svc))
            return []
        text = tracker.latest_message.get("text") or ""
        if is_question(svc.names.without_names(text)):
            answer_question(dispatcher, svc, text, [chosen])
        else:
            dispatcher.utter_message(text=say("trial_chosen", trial_label=svc.trials[chosen].label))
        for note in listing_ended_notes([svc.trials[chosen]]):
            dispatcher.utter_message(text=note)
        return [SlotSet("trial", chosen)]


class ActionHandleFallback(Action):
    """Low NLU confidence or off-topic: empty messages get a prompt, a clear trial question still
    gets its answer (the classifier can misread one), anything else a short explanation."""

    def name(self) -> str:
        return "action_handle_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        if not text:
            dispatcher.utter_message(text=say("please_type"))
            return []
        svc = services()
        context = _context(tracker, svc)
        # A question gets the usual threshold; anything else must match the texts clearly.
        threshold = ANSWER_THRESHOLD if is_question(text) else FALLBACK_ANSWER_THRESHOLD
        answer = look_up(dispatcher, svc, text, context.trials, threshold)
        if answer is None:
            return []
        if answer.covered:
            send_answer(dispatcher, answer, svc, text)
            return _remember(tracker, context)
        off_topic = (tracker.latest_message.get("intent") or {}).get("name") == "out_of_scope"
        dispatcher.utter_message(text=say("out_of_scope" if off_topic else "not_understood"))
        return []
