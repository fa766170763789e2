"""Where the index lives and what its manifest must say; shared by the builder and the loader."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from actions.knowledge_base import PROJECT_DIR

INDEX_DIR = Path(os.environ.get("INDEX_DIR", PROJECT_DIR / "build" / "index"))
INDEX_FILE = "passages.faiss"
PASSAGES_FILE = "passages.jsonl"
MANIFEST_FILE = "manifest.json"
REBUILD_COMMAND = "make index"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def builder_hash() -> str:
    """The splitting rules are part of what the index was built from: changing them makes it stale."""
    return file_sha256(Path(__file__).with_name("ingest.py"))


# Exact search up to this many passages; above it an approximate IVF index (see make bench's
# scale table for the trade-off measured on this machine).
EXACT_INDEX_MAX = int(os.environ.get("EXACT_INDEX_MAX", "200000"))
IVF_NPROBE = int(os.environ.get("IVF_NPROBE", "32"))


def make_index(vectors, exact_max: int = EXACT_INDEX_MAX):
    """A faiss index of unit vectors (inner product = cosine), its type chosen by size."""
    import faiss

    n, dim = vectors.shape
    if n <= exact_max:
        index = faiss.IndexFlatIP(dim)
    else:
        nlist = int(4 * n ** 0.5)
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors[:: max(1, n // (nlist * 64))])
        index.nprobe = IVF_NPROBE
    index.add(vectors)
    return index
