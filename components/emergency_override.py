"""NLU component: an emergency message gets the `emergency` intent whatever the classifier said,
and an empty message gets `nlu_fallback` (the fallback action asks the person to type a question).

Three signals, combined by actions/emergency.py's `EmergencySignals.check` (thresholds in
config.yml, chosen on the development data): the patterns of actions/emergency_phrases.yml; how
much closer the message (or, for a long one, its sentence nearest to them) is, in the packaged
MiniLM's sentence space (components/minilm_featurizer.py), to the emergencies of the exemplar bank
(actions/emergency_exemplars.yml) than to the messages that only share their words; and the intent
classifier's own `emergency` confidence. Each message's signals are in its parse data
(`emergency_check`).

A message in French that is an emergency also gets the entity `language: fr`, which sets the slot
the emergency response's French variation depends on (domain.yml).

Placed last in the pipeline, after the FallbackClassifier, so nothing overrides it.
"""
from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.emergency import EXEMPLARS_FILE, EmergencySignals, ExemplarBank, is_emergency, sentences_of
from actions.language import FRENCH, language_of
from actions.questions import is_question
from components.intent_rules import IntentRules
from components.minilm_featurizer import SENTENCE_EMBEDDING, encoder, export_dir

EMERGENCY_INTENT = "emergency"
FALLBACK_INTENT = "nlu_fallback"
RUNNER_UP_MIN_CONFIDENCE = 0.3  # below it, a message that is not an emergency is treated as not understood


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyOverride(IntentRules):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"model_dir": None, **EmergencySignals.DEFAULTS}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return hashlib.sha256(EXEMPLARS_FILE.read_bytes()).hexdigest()

    def __init__(self, config: Dict[str, Any]) -> None:
        self.encoder = encoder(export_dir(config))
        self.signals = EmergencySignals(ExemplarBank.load(self.encoder.encode),
                                        **{k: config[k] for k in EmergencySignals.DEFAULTS})

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmergencyOverride":
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY) or []
            classifier = next((r.get("confidence", 0.0) for r in ranking if r.get("name") == EMERGENCY_INTENT), 0.0)
            language = language_of(text)
            sentences = sentences_of(text)
            vectors = [message.get(SENTENCE_EMBEDDING), *(self.encoder.encode(sentences) if sentences else [])]
            check = self.signals.check(text, vectors, classifier, is_emergency(text), question=is_question(text),
                                       french=language == FRENCH)
            message.set("emergency_check", check, add_to_output=True)
            if check["emergency"]:
                self.set_intent(message, EMERGENCY_INTENT)
                entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != "language"]
                message.set(ENTITIES, entities + [{"entity": "language", "value": language, "start": 0,
                                                   "end": len(text), "extractor": type(self).__name__}],
                            add_to_output=True)
            elif not text.strip():
                self.set_intent(message, FALLBACK_INTENT)
            elif (message.get(INTENT) or {}).get("name") == EMERGENCY_INTENT:
                # The classifier's guess, not confirmed: the next intent, or not understood.
                runner_up = next((r for r in ranking if r.get("name") != EMERGENCY_INTENT), {})
                if runner_up.get("confidence", 0) >= RUNNER_UP_MIN_CONFIDENCE:
                    message.set(INTENT, dict(runner_up), add_to_output=True)
                else:
                    message.set(INTENT, {"name": FALLBACK_INTENT, "confidence": 1 - runner_up.get("confidence", 0)},
                                add_to_output=True)
        return messages
