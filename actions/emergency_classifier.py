"""The second reader of emergencies: the packaged MiniLM fine-tuned to tell an emergency from any other
message, on what the emergency model learns from (the exemplar bank and the NLU examples).

Why a second one: the emergency model (actions/emergency.py) weighs fixed sentence vectors and
character n-grams, and a message that shares an emergency's words reads like one to it ("my heart
skipped when I saw there was a study", "I fainted at my last blood test, will they take blood?").
Fine-tuned, the model reads the message as a whole. The Rasa component averages the two
(components/emergency_override.py); on two writers held out from both, that halved the false
alarms and missed fewer (docs/evaluation.md).

`make train` builds it first (`python -m actions.emergency_classifier`, torch in the action server's
environment, about eight minutes on two cores; nothing is done when its record matches its inputs),
exports it to ONNX beside its tokenizer and a record of what it was trained on, and the Rasa server
reads the export with onnxruntime (it has no torch).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import yaml

from actions import embedding, fine_tuning
from actions.emergency import EMERGENCY_INTENT, EXEMPLARS_FILE, exemplars
from actions.fine_tuning import ONNX_FILE, RECORD_FILE, TOKENIZER_FILE  # noqa: F401 (the Rasa component copies them)

PROJECT_DIR = Path(__file__).resolve().parents[1]
CLASSIFIER_DIR = PROJECT_DIR / "build" / "emergency"
NLU_DIR = PROJECT_DIR / "data" / "nlu"
MAX_TOKENS = 128  # messages are short; a long story's first 128 tokens hold its danger, if any
# Chosen once, on two writers held out (docs/evaluation.md); a seed makes the build repeatable.
EPOCHS = 2
# Batches of messages of like length: `make train` 6.4 min against about 9, the held-out sets within a
# message of before (docs/evaluation.md, sixteenth session).
RECIPE = fine_tuning.Recipe(epochs=EPOCHS, learning_rate=5e-5, batch_size=32, max_tokens=MAX_TOKENS, by_length=True)
# How far quantising may move a check message's probability (by up to 0.03 when measured; on two
# writers' messages by 0.001 at the median, 0.08 at the 95th percentile).
QUANTISED_TOLERANCE = 0.05
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")  # "[18 months](age)" reads "18 months"


def nlu_examples(nlu_dir: Path = NLU_DIR) -> tuple[list[str], list[str]]:
    """The NLU examples of the `emergency` intent, and all the others (as the Rasa component gets them)."""
    emergencies, others = [], []
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" not in block:
                continue
            texts = [_ANNOTATION.sub(r"\1", line.strip()[2:]) for line in block["examples"].splitlines()
                     if line.strip().startswith("- ")]
            (emergencies if block["intent"] == EMERGENCY_INTENT else others).extend(texts)
    return emergencies, others


def _inputs(nlu_dir: Path = NLU_DIR) -> list[Path]:
    return [EXEMPLARS_FILE, Path(__file__), Path(fine_tuning.__file__), *sorted(nlu_dir.glob("*.yml"))]


def inputs_sha256(nlu_dir: Path = NLU_DIR) -> str:
    """What the classifier is trained from: the bank, the NLU examples, this code, the base weights."""
    digest = hashlib.sha256()
    for path in _inputs(nlu_dir):
        digest.update(path.read_bytes())
    digest.update(embedding.weights_sha256().encode())
    return digest.hexdigest()


def record(classifier_dir: Path = CLASSIFIER_DIR) -> dict | None:
    """The export's record when the folder holds the files it names, unchanged; else None."""
    return fine_tuning.record(classifier_dir)


def fine_tune(emergencies: list[str], others: list[str]):
    """MiniLM with one output (an emergency's logit), trained on these messages."""
    return fine_tuning.fine_tune(emergencies + others, [1.0] * len(emergencies) + [0.0] * len(others), RECIPE)


def export(model, tokenizer, classifier_dir: Path = CLASSIFIER_DIR, **facts) -> dict:
    """Writes the ONNX export (quantised), its tokenizer and its record (actions/fine_tuning.py)."""
    check = ["help she cant breathe", "how many injections are there?", "je veux en finir"]
    return fine_tuning.export(model, tokenizer, classifier_dir, check, MAX_TOKENS, QUANTISED_TOLERANCE, **facts)


def build(classifier_dir: Path = CLASSIFIER_DIR, nlu_dir: Path = NLU_DIR) -> dict:
    """Trains and exports the classifier, unless the folder holds one trained from the same inputs."""
    inputs = inputs_sha256(nlu_dir)
    saved = record(classifier_dir)
    if saved and saved.get("inputs_sha256") == inputs:
        return saved
    bank_emergencies, bank_others = exemplars()
    nlu_emergencies, nlu_others = nlu_examples(nlu_dir)
    emergencies, others = bank_emergencies + nlu_emergencies, bank_others + nlu_others
    model, tokenizer = fine_tune(emergencies, others)
    return export(model, tokenizer, classifier_dir, inputs_sha256=inputs, emergencies=len(emergencies),
                  others=len(others), epochs=EPOCHS)


class EmergencyClassifier(fine_tuning.OnnxClassifier):
    """The export, run by onnxruntime: each message's probability of being an emergency."""

    def __init__(self, classifier_dir: Path = CLASSIFIER_DIR):
        super().__init__(classifier_dir, MAX_TOKENS)

    def with_model(self, learned: np.ndarray, texts: list[str]) -> np.ndarray:
        """The mean of the emergency model's probabilities (`learned`) and this one's: each reader alone
        missed more emergencies or raised more false alarms (docs/evaluation.md)."""
        return (np.asarray(learned) + self.probability(texts)) / 2


def main() -> int:
    saved = build()
    print(f"emergency classifier in {CLASSIFIER_DIR}: {saved['emergencies']} emergencies, {saved['others']} others")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
