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
import json
import logging
import random
import re
import shutil
from pathlib import Path

import numpy as np
import yaml

from actions import embedding
from actions.emergency import EMERGENCY_INTENT, EXEMPLARS_FILE, exemplars

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[1]
CLASSIFIER_DIR = PROJECT_DIR / "build" / "emergency"
NLU_DIR = PROJECT_DIR / "data" / "nlu"
ONNX_FILE, RECORD_FILE, TOKENIZER_FILE = "classifier.onnx", "classifier.json", "tokenizer.json"
MAX_TOKENS = 128  # messages are short; a long story's first 128 tokens hold its danger, if any
# Chosen once, on two writers held out (docs/evaluation.md); a seed makes the build repeatable.
EPOCHS, LEARNING_RATE, BATCH_SIZE, SEED = 2, 5e-5, 32, 0
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
    return [EXEMPLARS_FILE, Path(__file__), *sorted(nlu_dir.glob("*.yml"))]


def inputs_sha256(nlu_dir: Path = NLU_DIR) -> str:
    """What the classifier is trained from: the bank, the NLU examples, this code, the base weights."""
    digest = hashlib.sha256()
    for path in _inputs(nlu_dir):
        digest.update(path.read_bytes())
    digest.update(embedding.weights_sha256().encode())
    return digest.hexdigest()


def record(classifier_dir: Path = CLASSIFIER_DIR) -> dict | None:
    """The export's record when the folder holds the files it names, unchanged; else None."""
    return embedding.intact_record(classifier_dir, RECORD_FILE, {"onnx_sha256": ONNX_FILE, "tokenizer_sha256": TOKENIZER_FILE})


def fine_tune(emergencies: list[str], others: list[str], epochs: int = EPOCHS):
    """MiniLM with one output (an emergency's logit), trained on these messages."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(embedding.model_path())
    model = AutoModelForSequenceClassification.from_pretrained(embedding.model_path(), num_labels=1)
    texts, labels = emergencies + others, [1.0] * len(emergencies) + [0.0] * len(others)
    steps = epochs * -(-len(texts) // BATCH_SIZE)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    # Warm up over a tenth of the steps, then decay to zero.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * (steps - s) / steps)
    loss = torch.nn.BCEWithLogitsLoss()
    order, shuffle = list(range(len(texts))), random.Random(SEED)
    model.train()
    for _ in range(epochs):
        shuffle.shuffle(order)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            inputs = tokenizer([texts[i] for i in batch], truncation=True, max_length=MAX_TOKENS, padding=True,
                               return_tensors="pt")
            logits = model(**inputs).logits.squeeze(-1)
            loss(logits, torch.tensor([labels[i] for i in batch])).backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
    return model.eval(), tokenizer


def export(model, tokenizer, classifier_dir: Path = CLASSIFIER_DIR, **facts) -> dict:
    """Writes the ONNX export (quantised), its tokenizer and its record; refuses one whose outputs
    differ from torch's."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    check = ["help she cant breathe", "how many injections are there?", "je veux en finir"]
    batch = tokenizer(check, truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    tmp = classifier_dir.with_name(classifier_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copyfile(Path(embedding.model_path()) / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
    with torch.no_grad():
        expected = model(**{n: batch[n] for n in names}).logits.squeeze(-1).numpy()
        torch.onnx.export(embedding.keyword_forward(model, "logits"), tuple(batch[n] for n in names), str(tmp / ONNX_FILE), input_names=names,
                          output_names=["logit"], dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logit": {0: "batch"}},
                          opset_version=17, dynamo=False)
    difference = float(np.abs(EmergencyClassifier(tmp).logits(check) - expected).max())
    if difference > 1e-3:
        raise RuntimeError(f"the classifier's ONNX export differs from torch by {difference:.2e}: not used")
    # Weights as 8-bit integers (a scale per output channel): a quarter of the size and of the time a
    # message (about 0.8 ms against 3 ms), with the same figures on the held-out writers
    # (docs/evaluation.md). A training run whose quantisation moves a probability too far keeps its
    # full-precision export instead: slower, never a failed build or a shifted reading.
    full = tmp / ("full-" + ONNX_FILE)
    (tmp / ONNX_FILE).rename(full)
    quantize_dynamic(str(full), str(tmp / ONNX_FILE), weight_type=QuantType.QInt8, per_channel=True)
    shift = float(np.abs(EmergencyClassifier(tmp).probability(check) - 1 / (1 + np.exp(-expected))).max())
    quantised = shift <= QUANTISED_TOLERANCE
    if quantised:
        full.unlink()
    else:
        logger.warning("the quantised classifier moves a probability by %.2f: the full-precision export is kept", shift)
        full.replace(tmp / ONNX_FILE)
    saved = {**facts, "quantised": quantised, "onnx_sha256": embedding.file_sha256(tmp / ONNX_FILE),
             "tokenizer_sha256": embedding.file_sha256(tmp / TOKENIZER_FILE),
             "torch": torch.__version__, "max_abs_difference": difference, "quantised_shift": shift}
    (tmp / RECORD_FILE).write_text(json.dumps(saved, indent=2) + "\n")
    shutil.rmtree(classifier_dir, ignore_errors=True)
    tmp.rename(classifier_dir)
    return saved


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


class EmergencyClassifier:
    """The export, run by onnxruntime: each message's probability of being an emergency."""

    def __init__(self, classifier_dir: Path = CLASSIFIER_DIR):
        self.session = embedding.onnx_session(classifier_dir / ONNX_FILE, threads=1)
        self.tokenizer = embedding.padded_tokenizer(classifier_dir / TOKENIZER_FILE, MAX_TOKENS)

    def logits(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        feed = {name: np.array([getattr(e, attr) for e in encoded], dtype=np.int64)
                for name, attr in (("input_ids", "ids"), ("attention_mask", "attention_mask"), ("token_type_ids", "type_ids"))}
        return self.session.run(None, feed)[0].reshape(-1)

    def probability(self, texts: list[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(texts))) if texts else np.zeros(0)

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
