"""NLU component: dense features from the packaged all-MiniLM-L6-v2, for the intent classifier.

The Rasa server runs the same ONNX export of the model as the action server (build/model/, made and
checked against torch by `make index`; see actions/embedding.py), with the tokenizer saved beside
it: no second model and nothing downloaded. Each message gets the model's sentence embedding
(mean-pooled, unit length, as the action server computes it for retrieval) as a dense sentence
feature, times `scale`: the classifier (a logistic regression) regularises all its inputs alike,
and the word and character counts beside it are larger numbers (scale 8 was chosen on the
development split: weighted intent F1 0.874 at 1, 0.905 at 4, 0.916 at 8, 0.906 at 16). The
embedding is also kept on the message (SENTENCE_EMBEDDING) for the emergency component, which
compares it with its exemplars.

Word and character counts see the words; this sees what they mean ("could she be part of it" is
close to "can my daughter join"), which is what the classifier lacked on wordings it never saw.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions import embedding

# Where the message's sentence embedding is kept for later components (not part of the parse output).
SENTENCE_EMBEDDING = "minilm_sentence_embedding"
PROJECT_DIR = Path(__file__).resolve().parents[1]


def export_dir(config: Dict[Text, Any]) -> Path:
    """The export's folder: `model_dir` of the config (relative to the project), or EMBEDDING_ONNX_DIR."""
    configured = config.get("model_dir")
    if configured:
        return (PROJECT_DIR / configured).resolve()
    return embedding.ONNX_DIR


@functools.lru_cache(maxsize=2)
def encoder(onnx_dir: Path) -> embedding.OnnxEncoder:
    """One model per process and export (the emergency component shares it)."""
    if embedding.export_intact(onnx_dir) is None:
        raise FileNotFoundError(f"no checked ONNX export of the embedding model in {onnx_dir}: run `make index`")
    return embedding.OnnxEncoder(onnx_dir)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "model_dir": None, "scale": 1.0}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # A new export (other weights, tokenizer) or way of reading it must retrain the classifier that
        # learned its features.
        export = embedding.export_intact(export_dir(config))
        return None if export is None else (f"{export.get('onnx_sha256')}:{export.get('tokenizer_sha256')}:"
                                            f"{embedding.file_sha256(Path(embedding.__file__))}")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.encoder = encoder(export_dir(config))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MiniLMFeaturizer":
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if (m.get(TEXT) or "").strip()]
        for message, sentence in zip(with_text, self.encoder.encode([m.get(TEXT) for m in with_text])):
            self.add_features_to_message(None, sentence[np.newaxis, :] * float(self._config["scale"]), TEXT, message)
            message.set(SENTENCE_EMBEDDING, sentence)
        return messages
