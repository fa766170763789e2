"""Where the index lives and what its manifest must say; shared by the builder and the loader."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from actions.knowledge_base import PROJECT_DIR

INDEX_DIR = Path(os.environ.get("INDEX_DIR", PROJECT_DIR / "build" / "index"))
INDEX_FILE = "passages.faiss"
PASSAGES_FILE = "passages.jsonl"
TITLES_FILE = "titles.npy"  # one vector per view of a section title (title_views), in order
PLAIN_FILE = "plain.npy"  # one vector per plain wording of a criterion (Passage.plain), in passage order
MANIFEST_FILE = "manifest.json"
REBUILD_COMMAND = "make index"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# The files of a built index and the manifest key that holds each one's sha256.
INDEX_FILES = {INDEX_FILE: "index_sha256", PASSAGES_FILE: "passages_sha256", TITLES_FILE: "titles_sha256",
               PLAIN_FILE: "plain_sha256"}


def expected_identity(knowledge_dir: Path) -> dict:
    """What an index must have been built from to serve: this knowledge/, these rules, this model."""
    from actions import embedding
    from actions.knowledge_base import corpus_hash

    export = embedding.export_intact() or {}
    return {"model": embedding.model_id(), "encoder_sha256": export.get("onnx_sha256"),
            "corpus_sha256": corpus_hash(knowledge_dir), "builder_sha256": builder_hash()}


def read_manifest(index_dir: Path) -> dict | None:
    try:
        return json.loads((index_dir / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None


def write_manifest(index_dir: Path, knowledge_dir: Path, **facts) -> dict:
    """The manifest of the index files in index_dir: what they were built from and their sha256."""
    manifest = {**expected_identity(knowledge_dir), **facts,
                **{key: file_sha256(index_dir / name) for name, key in INDEX_FILES.items()}}
    (index_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def manifest_problems(index_dir: Path, knowledge_dir: Path, check_files: bool = True) -> list[str]:
    """Why the index in index_dir may not serve knowledge_dir ([] when it may)."""
    manifest = read_manifest(index_dir)
    if manifest is None:
        return [f"no readable manifest at {index_dir / MANIFEST_FILE}"]
    reasons = {"corpus_sha256": "knowledge/ has changed since it was built",
               "builder_sha256": "the rules that build the index have changed",
               "model": "it was built with another embedding model",
               "encoder_sha256": "it was built with another export of the embedding model"}
    problems = [reasons[k] for k, v in expected_identity(knowledge_dir).items() if manifest.get(k) != v]
    from actions import embedding

    if not embedding.export_current():
        problems.append(f"the model's ONNX export in {embedding.ONNX_DIR} is missing or not of these weights")
    for name, key in INDEX_FILES.items() if check_files else ():
        path = index_dir / name
        if not path.is_file() or file_sha256(path) != manifest.get(key):
            problems.append(f"{name} is missing or does not match the manifest")
    return problems


# What decides an index's content besides knowledge/ and the model: the splitting rules, what is
# embedded (titles and their views, criteria's plain words) and how (embedding.py).
BUILDER_FILES = ("ingest.py", "trial_facts.py", "build_index.py", "index_store.py", "embedding.py")


def builder_hash() -> str:
    """The building rules are part of what the index was built from: changing them makes it stale."""
    digest = hashlib.sha256()
    for name in BUILDER_FILES:
        digest.update(file_sha256(Path(__file__).with_name(name)).encode())
    return digest.hexdigest()


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


def plain_owners(passages) -> list[int]:
    """Row i of the plain-words file belongs to passage plain_owners(passages)[i]."""
    return [n for n, p in enumerate(passages) for _ in p.plain]


def section_titles(passages) -> list[str]:
    """The distinct section titles, in order of first use."""
    return list(dict.fromkeys(p.title for p in passages))


def title_views(passages, questions: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    """What a section is found by: its title, and the patients' questions of its key
    (knowledge/section_questions.yml); (title number in section_titles, text), the rows of the
    titles file."""
    key_of = {}
    for p in passages:
        key_of.setdefault(p.title, p.section)
    return [(n, text) for n, title in enumerate(section_titles(passages))
            for text in (title, *questions.get(key_of[title], ()))]
