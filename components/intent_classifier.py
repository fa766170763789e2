"""NLU component: Rasa's logistic regression intent classifier, for messages with no words too.

Rasa 3.6's LogisticRegressionClassifier stacks each message's sentence features and expects as many
columns as in training; an empty message ("", or spaces) gets no features from the word and
character featurizers, so the whole turn failed. Such a message gets no intent here (confidence 0),
which the FallbackClassifier then reads as not understood ("please type a question").
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class WordsLogisticRegressionClassifier(LogisticRegressionClassifier):
    def process(self, messages: List[Message]) -> List[Message]:
        with_words = [m for m in messages if (m.get(TEXT) or "").strip()]
        if with_words:
            super().process(with_words)
        for message in messages:
            if message not in with_words:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages
