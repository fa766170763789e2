"""Build step: knowledge/ -> passages, embeddings, faiss index and manifest (python -m actions.build_index).

Idempotent: when the manifest already matches knowledge/, the building rules and the model, it
does nothing (use --force to rebuild anyway). Writes to a temporary folder and renames it, so a
reader never sees half an index.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from actions import embedding
from actions.index_store import (INDEX_DIR, INDEX_FILE, PASSAGES_FILE, PLAIN_FILE, TITLES_FILE, make_index,
                                 manifest_problems, read_manifest, title_views, write_manifest)
from actions.ingest import split_all
from actions.knowledge_base import KNOWLEDGE_DIR, load_section_questions, load_trials


def is_current(index_dir: Path, knowledge_dir: Path) -> bool:
    return not manifest_problems(index_dir, knowledge_dir, check_files=False)


def build(knowledge_dir: Path = KNOWLEDGE_DIR, index_dir: Path = INDEX_DIR, force: bool = False) -> dict:
    """Builds the index if needed; returns its manifest."""
    if not force and is_current(index_dir, knowledge_dir):
        return read_manifest(index_dir)
    started = time.perf_counter()
    embedding.export_onnx()  # made once from the packaged weights, checked against torch
    trials = load_trials(knowledge_dir)
    passages = split_all(trials, knowledge_dir)
    vectors = embedding.encode([p.text for p in passages])
    title_vectors = embedding.encode([text for _, text in title_views(passages, load_section_questions(knowledge_dir))])
    plain = [w for p in passages for w in p.plain]
    plain_vectors = embedding.encode(plain) if plain else np.zeros((0, vectors.shape[1]), dtype=np.float32)
    index = make_index(vectors)

    tmp = index_dir.with_name(index_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    faiss.write_index(index, str(tmp / INDEX_FILE))
    np.save(tmp / TITLES_FILE, title_vectors)
    np.save(tmp / PLAIN_FILE, plain_vectors)
    with open(tmp / PASSAGES_FILE, "w", encoding="utf-8") as f:
        for p in passages:
            f.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
    manifest = write_manifest(
        tmp, knowledge_dir, dimension=int(vectors.shape[1]), index_type=type(index).__name__,
        passages=len(passages), trials=sorted(trials),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2))
    old = index_dir.with_name(index_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if index_dir.exists():
        index_dir.rename(old)
    tmp.rename(index_dir)
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    parser.add_argument("--out", type=Path, default=INDEX_DIR)
    parser.add_argument("--force", action="store_true", help="rebuild even if the index is current")
    args = parser.parse_args(argv)
    was_current = not args.force and is_current(args.out, args.knowledge)
    manifest = build(args.knowledge, args.out, args.force)
    state = "already current" if was_current else f"built in {manifest['build_seconds']} s"
    print(f"index {state}: {manifest['passages']} passages from {', '.join(manifest['trials'])} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
