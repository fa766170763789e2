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
