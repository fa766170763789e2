"""NLU component: an emergency message gets the `emergency` intent whatever the classifier said,
and an empty message gets `nlu_fallback` (the fallback action asks the person to type a question).

The patterns catch the emergencies; the classifier's own `emergency` guess, without a pattern,
counts only when confident and the message is not a question: "breast feeding mom here, am i
allowed in?" looks like "I can't breathe" to character n-grams, and must get its answer, not an alarm.

Placed last in the pipeline, after the FallbackClassifier, so nothing overrides it.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.emergency import is_emergency
from actions.questions import is_question
from components.intent_rules import IntentRules

EMERGENCY_INTENT = "emergency"
FALLBACK_INTENT = "nlu_fallback"
MODEL_EMERGENCY_CONFIDENCE = 0.8
RUNNER_UP_MIN_CONFIDENCE = 0.3  # below it, the message is treated as not understood


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyOverride(IntentRules):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if is_emergency(text):
                self.set_intent(message, EMERGENCY_INTENT)
            elif not text.strip():
                self.set_intent(message, FALLBACK_INTENT)
            elif self._unsure_emergency(message) or (self._model_emergency(message) and is_question(text)):
                runner_up = next(r for r in message.get(INTENT_RANKING_KEY) if r.get("name") != EMERGENCY_INTENT)
                if runner_up.get("confidence", 0) >= RUNNER_UP_MIN_CONFIDENCE:
                    message.set(INTENT, dict(runner_up), add_to_output=True)
                else:
                    message.set(INTENT, {"name": FALLBACK_INTENT, "confidence": 1 - runner_up.get("confidence", 0)},
                                add_to_output=True)
        return messages

    @staticmethod
    def _model_emergency(message: Message) -> bool:
        return (message.get(INTENT) or {}).get("name") == EMERGENCY_INTENT and any(
            r.get("name") != EMERGENCY_INTENT for r in message.get(INTENT_RANKING_KEY) or [])

    @staticmethod
    def _unsure_emergency(message: Message) -> bool:
        intent = message.get(INTENT) or {}
        ranking = message.get(INTENT_RANKING_KEY) or []
        return (intent.get("name") == EMERGENCY_INTENT and intent.get("confidence", 0) < MODEL_EMERGENCY_CONFIDENCE
                and any(r.get("name") != EMERGENCY_INTENT for r in ranking))
