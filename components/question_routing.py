"""NLU component: a question that the classifier took for a message that ignores questions is
routed as a question. "Can the injections leave scars?" looks like "can I join?" to character
n-grams (check_eligibility, which starts the pre-screen), "hi, what is this study testing?" like a
greeting, "and the other one?" like a goodbye, and a model trained elsewhere once took "How old do
you have to be?" for a goodbye; none would be answered. Plain word rules (actions/questions.py) decide, so a misread
is corrected the same way on every server.

A request to start over, to forget the answers or to stop deletes what the patient typed: read into
a message without its words ("i started warfarin last week" as "start over"), the next intent of the
ranking is taken instead.

Placed before EmergencyOverride, which has the last word.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.questions import (DELETING_INTENTS, asks_to_be_screened, is_question, question_in_small_talk,
                               says_to_delete)
from actions.follow_up import goes_on
from components.intent_rules import IntentRules

QUESTION_INTENT = "ask_question"
SMALL_TALK = ("greet", "thank", "goodbye")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionRouting(IntentRules):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            if intent in DELETING_INTENTS and not says_to_delete(intent, text):
                ranking = message.get(INTENT_RANKING_KEY) or []
                intent = next((r.get("name") for r in ranking if r.get("name") not in DELETING_INTENTS), QUESTION_INTENT)
                self.set_intent(message, intent)
            if ((intent == "check_eligibility" and is_question(text) and not asks_to_be_screened(text))
                    or (intent in SMALL_TALK and (question_in_small_talk(text) or (goes_on(text) and is_question(text))))):
                self.set_intent(message, QUESTION_INTENT)
        return messages
