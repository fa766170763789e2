"""Rasa custom actions for questions about the trials: thin wrappers that read the tracker, call the
plain modules, and reply (the shared helpers are in replies.py)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_types import asked_for
from actions.answers import section_reply
from actions.follow_up import goes_on, only_names_a_trial
from actions.knowledge_base import emergency_lines
from actions.language import language_of
from actions.questions import asks_about_the_assistant, asks_for_advice, is_question
from actions.messages import say
from actions.replies import (answer_from_texts, answer_question, asks_the_last_question_again, contacts_for,
                             debug_route, in_french, intent_of, look_up, offer_screening, question_left_open,
                             question_of, remember_trial, send_answer, send_introduction,
                             send_french_note, send_trial_list, send_still_open_notes, trial_buttons, trial_context, trials_shown)
from actions.retrieval import ANSWER_THRESHOLD, FALLBACK_ANSWER_THRESHOLD
from actions.services import services



class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return send_introduction(dispatcher, tracker, hello=True)


class ActionListTrials(Action):
    """"Which trials do you have?", "what's the difference between them?": each trial in a line or two."""

    def name(self) -> str:
        return "action_list_trials"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        if asks_the_last_question_again(tracker, svc):
            # "what about the french one", after a question: that question, for it (the classifier
            # reads a message that names trials as asking for their list).
            return answer_from_texts(dispatcher, tracker)
        send_trial_list(dispatcher, svc)
        debug_route(dispatcher, tracker, "trial list", "the NLU's list_trials intent")
        return []


class ActionEmergencyNumbers(Action):
    """After "call emergency services now" (a domain response, sent even when this server is down):
    the emergency and crisis numbers of the trial's site, or of every site when no trial is known."""

    def name(self) -> str:
        return "action_emergency_numbers"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        context = trial_context(tracker, svc)
        # The page's site too, where the patient named another trial: they may be at either.
        page = (tracker.latest_message.get("metadata") or {}).get("trial")
        shown = trials_shown(svc, context.trials + ([page] if page in svc.trials else []))
        dispatcher.utter_message(text=emergency_lines(shown, language_of(tracker.latest_message.get("text"))))
        debug_route(dispatcher, tracker, "emergency", "the emergency model (actions/emergency.py, its "
                                                      "probability in the parse data); numbers from the site settings of "
                                                      + ", ".join(t.id for t in shown))
        return remember_trial(tracker, context)


class ActionAnswerQuestion(Action):
    """A question about the trials; one whose words ask what to do about one's own treatment
    (actions/questions.py) is declined, whatever the classifier said."""

    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if asks_for_advice(tracker.latest_message.get("text") or "") and not in_french(tracker):
            return decline_medical_advice(dispatcher, tracker)
        return answer_from_texts(dispatcher, tracker)  # (a French message gets the French note there)


class ActionDeclineMedicalAdvice(ActionAnswerQuestion):
    """What the classifier took for a request for advice: declined when its words ask for a personal
    decision, answered otherwise (the classifier also calls questions with a personal story advice:
    "i'm having surgery in march, can i still do this?")."""

    def name(self) -> str:
        return "action_decline_medical_advice"


def decline_medical_advice(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    svc = services()
    context = trial_context(tracker, svc)
    answer = look_up(dispatcher, svc, tracker.latest_message.get("text") or "", context.trials)
    text = say("medical_advice")
    if answer and answer.covered:
        text += "\n\n" + say("trial_text_says", answer=answer.render())
    text += "\n\n" + say("contacts", contacts=contacts_for(svc, context.trials))
    sources = answer.payload()["sources"] if answer and answer.covered else []
    dispatcher.utter_message(text=text, json_message={"type": "answer", "route": "medical_advice", "sources": sources})
    debug_route(dispatcher, tracker, "medical_advice", "the words ask what to do about one's own treatment "
                                                       "(actions/questions.py)")
    return remember_trial(tracker, context)


class ActionChooseTrial(Action):
    """Sets the trial in context from a button, a name in the message, or the page; a question that
    came with the name ("Who sponsors the Limoges study?", "and the Limoges one?") is answered too."""

    def name(self) -> str:
        return "action_choose_trial"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        chosen = next((e.get("value") for e in tracker.latest_message.get("entities", [])
                       if e.get("entity") == "trial" and e.get("value") in svc.trials), None)
        if chosen is None:
            context = trial_context(tracker, svc)
            chosen = context.trials[0] if len(context.trials) == 1 else None
        if chosen is None:
            dispatcher.utter_message(text=say("ask_which_trial"), buttons=trial_buttons(svc))
            return []
        question = question_of(tracker, svc)
        events = []
        if is_question(svc.names.without_names(question)):
            events = answer_question(dispatcher, svc, question, [chosen])
            if events:
                offer_screening(dispatcher, question, [svc.trials[chosen]])
        elif (left_open := question_left_open(tracker)) and (answer := look_up(dispatcher, svc, left_open, [chosen])) \
                and answer.covered:
            # The question asked before, which got the list of trials instead of an answer.
            events = send_answer(dispatcher, answer, left_open)
        else:
            dispatcher.utter_message(text=say("trial_chosen", trial_label=svc.trials[chosen].label))
        send_still_open_notes(dispatcher, [svc.trials[chosen]])
        return events + [SlotSet("trial", chosen)]


class ActionShowSection(Action):
    """"Show the whole section": the full section(s) the last answer came from."""

    def name(self) -> str:
        return "action_show_section"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        svc = services()
        sources = tracker.get_slot("answer_sources") or []
        sources = [s for s in sources if isinstance(s, dict) and s.get("trial") in svc.trials]
        replies = [r for s in sources if (r := section_reply(svc.retriever, svc.trials[s["trial"]], s["section"], s["start"]))]
        if not replies:
            dispatcher.utter_message(text=say("no_section"))
            return []
        dispatcher.utter_message(text="\n\n".join(replies), json_message={"type": "answer", "route": "section", "sources": sources})
        return []


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
        if in_french(tracker):
            send_french_note(dispatcher, tracker)
            return []
        if asks_for_advice(text):
            return decline_medical_advice(dispatcher, tracker)
        if asks_about_the_assistant(text):
            return send_introduction(dispatcher, tracker)
        svc = services()
        if asks_the_last_question_again(tracker, svc):
            return answer_from_texts(dispatcher, tracker)  # "and the french one?": the last question, for it
        if only_names_a_trial(text, svc.names):
            return ActionChooseTrial().run(dispatcher, tracker, domain)  # "the french one", taken for something else
        context = trial_context(tracker, svc)
        # Off topic by the NLU, unless it asks what patients ask about trials ("do I get a placebo?") or
        # goes on from a question about them ("and who funds it?").
        fact = asked_for(text)
        off_topic = (intent_of(tracker) == "out_of_scope"
                     and not (fact and fact.about_trials)
                     and not (tracker.get_slot("last_question") and goes_on(text)))
        # A question gets the usual threshold; anything else must match the texts clearly.
        threshold = ANSWER_THRESHOLD if is_question(text) and not off_topic else FALLBACK_ANSWER_THRESHOLD
        answer = look_up(dispatcher, svc, text, context.trials, threshold)
        if answer is None:
            return []
        if answer.parts:
            return send_answer(dispatcher, answer, text) + remember_trial(tracker, context)
        if is_question(text) and not off_topic:
            return send_answer(dispatcher, answer, text) + remember_trial(tracker, context)
        dispatcher.utter_message(text=say("out_of_scope" if off_topic else "not_understood"))
        debug_route(dispatcher, tracker, "fallback", "off topic" if off_topic else
                    f"the NLU was unsure and the message is no clear question (a match needs {threshold:.2f})")
        return []
