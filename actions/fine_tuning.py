"""The packaged MiniLM fine-tuned with one output, exported to ONNX and run by onnxruntime: shared by
the emergency classifier (one message) and the answer check (a question and a passage).

Training needs torch (the action server's environment, at build time); reading an export needs only
onnxruntime and tokenizers (the Rasa server has no torch).
"""
from __future__ import annotations

import json
import logging
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

import numpy as np

from actions import embedding

logger = logging.getLogger(__name__)

ONNX_FILE, RECORD_FILE, TOKENIZER_FILE = "classifier.onnx", "classifier.json", "tokenizer.json"
Text = Union[str, tuple]  # a message, or a (question, passage) pair


@dataclass(frozen=True)
class Recipe:
    epochs: int
    learning_rate: float
    batch_size: int
    max_tokens: int
    seed: int = 0
    balanced: bool = False  # weigh the positives as much as the negatives in all
    # Batches of inputs of about the same length (sorted within runs of 20 batches, then shuffled):
    # less padding, about half the time for pairs of very different lengths.
    by_length: bool = False
    # The word embeddings kept as packaged (half the weights: a tenth less time a step) and matrix
    # products in bfloat16 where the processor does them natively (weights, updates and the loss stay
    # in float32; elsewhere all float32, as emulating it is slower): 1.4 times faster in all. Not for
    # the emergency classifier: trained so, it missed one more held-out emergency and raised more
    # false alarms (docs/evaluation.md, twenty-third session).
    lean: bool = False


def record(directory: Path) -> dict | None:
    """The export's record when the folder holds the files it names, unchanged; else None."""
    return embedding.intact_record(directory, RECORD_FILE, {"onnx_sha256": ONNX_FILE, "tokenizer_sha256": TOKENIZER_FILE})


def _tokenize(tokenizer, inputs: Sequence[Text], max_tokens: int):
    if inputs and isinstance(inputs[0], tuple):
        return tokenizer([a for a, _ in inputs], [b for _, b in inputs], truncation=True, max_length=max_tokens,
                         padding=True, return_tensors="pt")
    return tokenizer(list(inputs), truncation=True, max_length=max_tokens, padding=True, return_tensors="pt")


def fine_tune(inputs: Sequence[Text], labels: Sequence[float], recipe: Recipe):
    """MiniLM with one output (a logit), trained on these inputs and 0/1 labels."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(recipe.seed)
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(embedding.model_path())
    model = AutoModelForSequenceClassification.from_pretrained(embedding.model_path(), num_labels=1)
    if recipe.lean:
        model.get_input_embeddings().weight.requires_grad_(False)
    native_bf16 = recipe.lean and torch.cpu._is_avx512_bf16_supported()
    steps = recipe.epochs * -(-len(inputs) // recipe.batch_size)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=recipe.learning_rate, weight_decay=0.01)
    # Warm up over a tenth of the steps, then decay to zero.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * (steps - s) / steps)
    positives = sum(labels)
    weight = torch.tensor((len(labels) - positives) / positives) if recipe.balanced else None
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=weight)
    order, shuffle = list(range(len(inputs))), random.Random(recipe.seed)
    if recipe.by_length:
        lengths = [len(_tokenize(tokenizer, [x], recipe.max_tokens)["input_ids"][0]) for x in inputs]
    model.train()
    for _ in range(recipe.epochs):
        shuffle.shuffle(order)
        batches = [order[start:start + recipe.batch_size] for start in range(0, len(order), recipe.batch_size)]
        if recipe.by_length:
            run = 20 * recipe.batch_size
            batches = []
            for start in range(0, len(order), run):
                chunk = sorted(order[start:start + run], key=lengths.__getitem__)
                batches += [chunk[k:k + recipe.batch_size] for k in range(0, len(chunk), recipe.batch_size)]
            shuffle.shuffle(batches)
        for batch in batches:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=native_bf16):
                logits = model(**_tokenize(tokenizer, [inputs[i] for i in batch], recipe.max_tokens)).logits.squeeze(-1)
            loss(logits.float(), torch.tensor([float(labels[i]) for i in batch])).backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
    return model.eval(), tokenizer


def export(model, tokenizer, directory: Path, check: Sequence[Text], max_tokens: int, tolerance: float,
           **facts) -> dict:
    """Writes the ONNX export (quantised), its tokenizer and its record; refuses one whose outputs on
    `check` differ from torch's."""
    import torch

    batch = _tokenize(tokenizer, check, max_tokens)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copyfile(Path(embedding.model_path()) / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
    with torch.no_grad():
        expected = model(**{n: batch[n] for n in names}).logits.squeeze(-1).numpy()
        torch.onnx.export(embedding.keyword_forward(model, "logits"), tuple(batch[n] for n in names), str(tmp / ONNX_FILE), input_names=names,
                          output_names=["logit"], dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logit": {0: "batch"}},
                          opset_version=17, dynamo=False)
    difference = float(np.abs(OnnxClassifier(tmp, max_tokens).logits(check) - expected).max())
    if difference > 1e-3:
        raise RuntimeError(f"the classifier's ONNX export differs from torch by {difference:.2e}: not used")
    # Weights as 8-bit integers (a scale per output channel): a quarter of the size and of the time a
    # message (about 0.8 ms against 3 ms), with the same figures on the held-out writers
    # (docs/evaluation.md). A training run whose quantisation moves a probability too far keeps its
    # full-precision export instead: slower, never a failed build or a shifted reading.
    full = tmp / ("full-" + ONNX_FILE)
    (tmp / ONNX_FILE).rename(full)
    embedding.quantise(full, tmp / ONNX_FILE)
    shift = float(np.abs(OnnxClassifier(tmp, max_tokens).probability(check) - 1 / (1 + np.exp(-expected))).max())
    quantised = shift <= tolerance
    if quantised:
        full.unlink()
    else:
        logger.warning("the quantised classifier moves a probability by %.2f: the full-precision export is kept", shift)
        full.replace(tmp / ONNX_FILE)
    saved = {**facts, "quantised": quantised, "onnx_sha256": embedding.file_sha256(tmp / ONNX_FILE),
             "tokenizer_sha256": embedding.file_sha256(tmp / TOKENIZER_FILE),
             "torch": torch.__version__, "max_abs_difference": difference, "quantised_shift": shift}
    (tmp / RECORD_FILE).write_text(json.dumps(saved, indent=2) + "\n")
    shutil.rmtree(directory, ignore_errors=True)
    tmp.rename(directory)
    return saved


class OnnxClassifier:
    """An export, run by onnxruntime: each input's logit and probability."""

    def __init__(self, directory: Path, max_tokens: int):
        self.session = embedding.onnx_session(directory / ONNX_FILE, threads=1)
        self.tokenizer = embedding.padded_tokenizer(directory / TOKENIZER_FILE, max_tokens)

    def logits(self, inputs: Sequence[Text]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(list(inputs))
        feed = {name: np.array([getattr(e, attr) for e in encoded], dtype=np.int64)
                for name, attr in (("input_ids", "ids"), ("attention_mask", "attention_mask"), ("token_type_ids", "type_ids"))}
        return self.session.run(None, feed)[0].reshape(-1)

    def probability(self, inputs: Sequence[Text]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(inputs))) if len(inputs) else np.zeros(0)
