"""The embedding the retrieval runs on: the ONNX export of the packaged MiniLM (weights quantised)
gives vectors close to torch's, and an export that is missing or not of these weights is refused
before serving."""
from __future__ import annotations

import json

import numpy as np
import pytest

from actions import embedding
from actions.retrieval import IndexNotReady, Retriever

SENTENCES = ["Who is the principal investigator?", "breast feeding mom here, am i allowed in?",
             "Men with women of childbearing potential partners should use condoms during the whole treatment period",
             "x", "we have tried everything for the calcium deposits on her fingers and elbows " * 30]


def test_the_onnx_export_gives_vectors_close_to_torchs():
    assert embedding.export_current()
    onnx = embedding.encode(SENTENCES)
    torch = embedding.torch_encode(SENTENCES)
    assert onnx.shape == (5, 384) and np.allclose(np.linalg.norm(onnx, axis=1), 1, atol=1e-5)
    assert (onnx * torch).sum(axis=1).min() >= embedding.QUANTISED_MIN_COSINE
    # One at a time (no padding) as the action server asks: the same vectors as in a batch.
    single = np.concatenate([embedding.encode([s]) for s in SENTENCES])
    assert np.abs(single - onnx).max() < 1e-3


def test_an_export_that_is_not_of_these_weights_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "model"
    fake.mkdir()
    (fake / embedding.ONNX_FILE).write_bytes(b"not a model")
    export = json.loads((embedding.ONNX_DIR / embedding.EXPORT_FILE).read_text())
    (fake / embedding.EXPORT_FILE).write_text(json.dumps(export))  # the right weights, another file
    assert not embedding.export_current(fake)
    monkeypatch.setattr(embedding, "ONNX_DIR", tmp_path / "nowhere")
    with pytest.raises(IndexNotReady, match="ONNX export.*make index"):
        Retriever()


def test_the_export_is_made_from_the_packaged_weights_and_checked(tmp_path):
    # What `make index` does on a fresh clone (the project's own export may already exist here).
    export = embedding.export_onnx(tmp_path / "model")
    assert embedding.export_current(tmp_path / "model")
    assert export["max_abs_difference"] < embedding.EXPORT_TOLERANCE
    assert export["quantised"] and export["quantised_min_cosine"] >= embedding.QUANTISED_MIN_COSINE
    assert export == json.loads((embedding.ONNX_DIR / embedding.EXPORT_FILE).read_text())  # made the same way
