"""NLU component: a question that the classifier took for a message that ignores questions is
routed as a question. "Hi, what is this study testing?" looks like a greeting, "and the other one?"
like a goodbye, and a model trained elsewhere once took "How old do you have to be?" for a goodbye;
none would be answered. A request to join that asks how joining works ("how do I sign up?") is a
question: it gets the listing's answer and a button that starts the pre-screen; facts the classifier
took for an answer, with a request to join ("can my mum take part? she has scleroderma"), start the
pre-screen, as does asking whether the study suits them ("is this right for me? I have
dermatomyositis", which the classifier took for advice); thanks that ask to go on ("thanks, he's ok now, ok to keep going") go on with it. Plain word rules
(actions/questions.py) decide, so a misread is corrected the same way on every server.

A request to stop, to start over or to forget the answers is asked back before anything is deleted;
a message that only mentions such words is none of them: a question about something else ("do I
need to stop my blood thinners?") or "stop" with a treatment ("stop my warfarin") takes the next
intent of the ranking, and so does one that asks what the question means or asks for it again ("i
dont know what you mean by measurable", "what was the question again?"). A request for the list of
trials the classifier is unsure of takes the next intent of the ranking ("which university is this
study based at?" is a question about the trial in view).

Placed before EmergencyOverride, which has the last word (and routes here the intent it falls back to).
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.questions import (ACKNOWLEDGE_INTENT, DELETING_INTENTS, ROUTED_FROM, asks_about_the_question_only,
                               asks_how_to_join, asks_something_else, asks_what_it_means, asks_whether_it_suits,
                               asks_whether_someone_can_join, deletion_only_mentioned, is_question,
                               only_asks_to_go_on, question_in_small_talk)
from actions.emergency import EMERGENCY_INTENT
from actions.follow_up import goes_on
from components.intent_rules import IntentRules

QUESTION_INTENT = "ask_question"
FALLBACK_INTENT = "nlu_fallback"
SMALL_TALK = ("greet", "thank", ACKNOWLEDGE_INTENT, "goodbye")
LIST_INTENT = "list_trials"
# Below this the classifier's "which trials are there?" is a question about the trial in view: it
# took 9 of dev's 792 questions for one ("which university is this study based at?"), 8 of them at
# 0.41 to 0.79 (chosen there; a held-out writer's requests for the list: 54 of 60 at 0.8 or more;
# docs/evaluation.md, fourteenth session).
LIST_MIN_CONFIDENCE = 0.8


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionRouting(IntentRules):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.route(message)
        return messages

    @classmethod
    def route(cls, message: Message) -> None:
        """The intent these rules give the message (EmergencyOverride routes its runner-up here too,
        when it does not confirm the classifier's emergency)."""
        text = message.get(TEXT) or ""
        intent = (message.get(INTENT) or {}).get("name")
        if intent == LIST_INTENT and (message.get(INTENT) or {}).get("confidence", 0.0) < LIST_MIN_CONFIDENCE:
            ranking = message.get(INTENT_RANKING_KEY) or []
            intent = next((r.get("name") for r in ranking if r.get("name") not in (LIST_INTENT, EMERGENCY_INTENT)),
                          QUESTION_INTENT)
            cls.set_intent(message, intent)
        if intent in DELETING_INTENTS | {"change_answer", "explain_question"} and asks_about_the_question_only(text):
            # "what was the question again?": the question again; "i dont know what you mean by
            # measurable": what it means.
            cls.set_intent(message, "explain_question" if asks_what_it_means(text) else "check_eligibility")
            return
        if intent in DELETING_INTENTS and deletion_only_mentioned(text):
            ranking = message.get(INTENT_RANKING_KEY) or []
            # (Not the emergency intent: EmergencyOverride decides that on its own reading.)
            not_next = DELETING_INTENTS | {EMERGENCY_INTENT}
            intent = next((r.get("name") for r in ranking if r.get("name") not in not_next), QUESTION_INTENT)
            cls.set_intent(message, intent)
        if intent == "ask_medical_advice" and asks_whether_it_suits(text):
            # "Is this right for me? I have dermatomyositis": whether the study suits them, not advice.
            cls.set_intent(message, "check_eligibility")
            return
        if intent == "give_answer" and asks_whether_someone_can_join(text):
            # Facts with a request to join ("can my mum take part? she has scleroderma") start the
            # pre-screen, which takes the facts as answers.
            cls.set_intent(message, "check_eligibility")
            return
        if intent in SMALL_TALK + (QUESTION_INTENT, FALLBACK_INTENT) and only_asks_to_go_on(text):
            # "Thanks, he's ok now. ok to keep going" (or "... can we keep going?", "les pompiers
            # sont la, il va mieux. on peut continuer ?"): asks only to go on with the pre-screen.
            cls.set_intent(message, "check_eligibility")
            return
        if intent == "check_eligibility" and asks_something_else(text) and not only_asks_to_go_on(text):
            # "My grandson is 13 with JDM ... what is this study testing?": a question told with
            # facts, not a request to take part. It gets its answer and a button that starts the
            # pre-screen, which takes the facts then (actions/replies.py offer_screening).
            cls.set_intent(message, QUESTION_INTENT)
            message.set(ROUTED_FROM, intent, add_to_output=True)
            return
        if ((intent == "check_eligibility" and asks_how_to_join(text))
                or (intent in SMALL_TALK and (question_in_small_talk(text) or (goes_on(text) and is_question(text))))):
            cls.set_intent(message, QUESTION_INTENT)
