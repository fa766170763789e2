"""NLU component: an emergency message gets the `emergency` intent whatever the classifier said,
and an empty message gets `nlu_fallback` (the fallback action asks the person to type a question).

Whether a message is an emergency is actions/emergency.py's `EmergencyModel`: learned, when the Rasa
model is trained, from the exemplar bank (actions/emergency_exemplars.yml) and the NLU examples
(`emergency` or not), over the message's character n-grams, its sentence vectors from the packaged
MiniLM (components/minilm_featurizer.py) and the patterns of actions/emergency_phrases.yml with the
other hand-written readings; and by actions/emergency_classifier.py's fine-tuned MiniLM (built before
`rasa train`, copied into the model archive). Their two probabilities are averaged: at or above
`threshold` (config.yml) the message is an emergency, as is one that says outright someone means to
harm themselves (actions/emergency.py, states_self_harm). Each message's probability is in its parse
data (`emergency_check`).

A message in French that is an emergency also gets the entity `language: fr`, which sets the slot
the emergency response's French variation depends on (domain.yml).

Placed last in the pipeline, after the FallbackClassifier, so nothing overrides it.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.emergency import (EMERGENCY_INTENT, MODEL_INPUTS, EmergencyModel, exemplars, states_self_harm,
                               without_repeats)
from actions.emergency_classifier import (CLASSIFIER_DIR, ONNX_FILE, RECORD_FILE, TOKENIZER_FILE,
                                          EmergencyClassifier, record)
from actions.language import language_of
from components.intent_rules import IntentRules
from components.question_routing import FALLBACK_INTENT, QuestionRouting
from components.minilm_featurizer import SENTENCE_EMBEDDING, encoder, export_dir

RUNNER_UP_MIN_CONFIDENCE = 0.3  # below it, a message that is not an emergency is treated as not understood
MODEL_FILE = "emergency_model.skops"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class EmergencyOverride(IntentRules):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"model_dir": None, "threshold": 0.4, "regularisation": 4.0}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        digest = hashlib.sha256()
        for path in MODEL_INPUTS:
            digest.update(path.read_bytes())
        # A new fine-tuned classifier is copied in again.
        digest.update(str((record(CLASSIFIER_DIR) or {}).get("onnx_sha256")).encode())
        return digest.hexdigest()

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[EmergencyModel] = None, classifier: Optional[EmergencyClassifier] = None) -> None:
        self.config, self.model_storage, self.resource = config, model_storage, resource
        self.model, self.classifier = model, classifier
        self.encoder = encoder(export_dir(config))

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmergencyOverride":
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        emergencies, others = exemplars()
        for example in training_data.intent_examples:
            (emergencies if example.get(INTENT) == EMERGENCY_INTENT else others).append(example.get(TEXT))
        self.model = EmergencyModel.fit(emergencies, others, self.encoder.encode,
                                        regularisation=self.config["regularisation"])
        if record(CLASSIFIER_DIR) is None:
            raise FileNotFoundError(f"no emergency classifier in {CLASSIFIER_DIR}: run `make train`")
        self.classifier = EmergencyClassifier(CLASSIFIER_DIR)
        self.persist()
        return self.resource

    def persist(self) -> None:
        import skops.io as sio

        with self.model_storage.write_to(self.resource) as directory:
            sio.dump({"words": self.model.words, "classifier": self.model.classifier}, directory / MODEL_FILE)
            for name in (ONNX_FILE, TOKENIZER_FILE, RECORD_FILE):
                shutil.copyfile(CLASSIFIER_DIR / name, Path(directory) / name)

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "EmergencyOverride":
        import skops.io as sio

        # No fallback to an untrained component: without its model no emergency would be recognised.
        with model_storage.read_from(resource) as directory:
            path = directory / MODEL_FILE
            # Written by train() above, in this model archive; skops does not trust scipy's sparse matrix
            # by default, and its module path changes between scipy versions.
            saved = sio.load(path, trusted=sio.get_untrusted_types(file=path))
            if record(Path(directory)) is None:
                raise FileNotFoundError("the model archive's emergency classifier is missing or altered: retrain")
            classifier = EmergencyClassifier(Path(directory))
        return cls({**cls.get_default_config(), **config}, model_storage, resource,
                   EmergencyModel(saved["words"], saved["classifier"]), classifier)

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if (m.get(TEXT) or "").strip()]
        if with_text:
            texts = [without_repeats(m.get(TEXT)) for m in with_text]
            vectors = [m.get(SENTENCE_EMBEDDING) for m in with_text]
            # (The featurizer's vectors are of the messages as typed: read again when repeats were left out.)
            known = all(v is not None for v in vectors) and texts == [m.get(TEXT) for m in with_text]
            learned = self.model.probability(texts, self.encoder.encode, vectors if known else None)
            probabilities = dict(zip(map(id, with_text), self.classifier.with_model(learned, texts)))
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip():
                self.set_intent(message, FALLBACK_INTENT)
                continue
            probability = float(probabilities[id(message)])
            emergency = probability >= self.config["threshold"] or states_self_harm(text)
            message.set("emergency_check", {"probability": round(probability, 4), "emergency": emergency},
                        add_to_output=True)
            if emergency:
                self.set_intent(message, EMERGENCY_INTENT)
                entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != "language"]
                message.set(ENTITIES, entities + [{"entity": "language", "value": language_of(text), "start": 0,
                                                   "end": len(text), "extractor": type(self).__name__}],
                            add_to_output=True)
            elif (message.get(INTENT) or {}).get("name") == EMERGENCY_INTENT:
                # The classifier's guess, not confirmed: the next intent, or not understood.
                ranking = message.get(INTENT_RANKING_KEY) or []
                runner_up = next((r for r in ranking if r.get("name") != EMERGENCY_INTENT), {})
                if runner_up.get("confidence", 0) >= RUNNER_UP_MIN_CONFIDENCE:
                    message.set(INTENT, dict(runner_up), add_to_output=True)
                else:
                    message.set(INTENT, {"name": FALLBACK_INTENT, "confidence": 1 - runner_up.get("confidence", 0)},
                                add_to_output=True)
                QuestionRouting.route(message)  # as if the classifier had read it so
        return messages
