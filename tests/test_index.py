"""Index build and loading: idempotent, matches the corpus, refuses a stale or broken index, and a
new trial is only a new folder."""
from __future__ import annotations

import json

import pytest

from actions.answers import QuestionAnswerer
from actions.build_index import build
from actions.index_store import INDEX_FILE, MANIFEST_FILE, PASSAGES_FILE
from actions.ingest import split_all
from actions.knowledge_base import corpus_hash, load_trials
from actions.retrieval import IndexNotReady, Retriever
from actions.trial_names import TrialNames


@pytest.fixture()
def built(knowledge_copy, tmp_path):
    index_dir = tmp_path / "index"
    build(knowledge_copy, index_dir)
    return knowledge_copy, index_dir


def test_project_index_matches_knowledge(retriever, trials):
    manifest = retriever.manifest
    assert manifest["corpus_sha256"] == corpus_hash()
    assert manifest["passages"] == len(split_all(trials)) == len(retriever.passages)
    assert manifest["trials"] == sorted(trials)
    assert manifest["model"].startswith("sentence-transformers/all-MiniLM-L6-v2")
    assert manifest["dimension"] == 384 and manifest["built_at"]


def test_build_is_idempotent(built):
    knowledge, index_dir = built
    first = json.loads((index_dir / MANIFEST_FILE).read_text())
    again = build(knowledge, index_dir)
    assert again == first  # nothing rebuilt: same build time
    forced = build(knowledge, index_dir, force=True)
    assert forced["index_sha256"] == first["index_sha256"] and forced["passages_sha256"] == first["passages_sha256"]


def test_missing_index_is_refused_with_the_rebuild_command(tmp_path):
    with pytest.raises(IndexNotReady, match="make index"):
        Retriever(tmp_path / "nowhere")


def test_stale_index_is_refused(built):
    knowledge, index_dir = built
    text = knowledge / "stsinj" / "listing.txt"
    text.write_text(text.read_text() + "\nA sentence added after the build.")
    with pytest.raises(IndexNotReady, match="knowledge/ has changed.*make index"):
        Retriever(index_dir, knowledge)


@pytest.mark.parametrize("damaged", [INDEX_FILE, PASSAGES_FILE, MANIFEST_FILE])
def test_corrupt_index_files_are_refused(built, damaged):
    knowledge, index_dir = built
    path = index_dir / damaged
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(IndexNotReady, match="make index"):
        Retriever(index_dir, knowledge)


def test_running_retriever_refuses_then_reloads_after_a_rebuild(built):
    knowledge, index_dir = built
    retriever = Retriever(index_dir, knowledge)
    metadata = knowledge / "nct03582800" / "trial.yml"
    metadata.write_text(metadata.read_text().replace("University Hospital Limoges", "CHU de Limoges"))
    with pytest.raises(IndexNotReady):
        retriever.retrieve_passages("Who sponsors the study?", trial="NCT03582800")
    build(knowledge, index_dir)
    hits = retriever.retrieve_passages("Who sponsors the study?", trial="NCT03582800")
    assert hits and retriever.manifest["corpus_sha256"] == corpus_hash(knowledge)


def test_a_third_trial_is_only_a_new_folder(knowledge_copy, tmp_path):
    folder = knowledge_copy / "demo-trial"
    folder.mkdir()
    (folder / "page.txt").write_text(
        "Demo Trial of Vitamin K2\nWhat is this study about?\nThis study checks whether vitamin K2 "
        "slows the growth of calcium deposits in the arteries of adults on dialysis.\n"
        "Who can join?\nAdults aged 18 to 80 who receive hemodialysis three times a week.\n")
    (folder / "trial.yml").write_text(
        "id: DEMO-K2\ntitle: Demo Trial of Vitamin K2\nlabel: Demo K2 trial (Example Clinic)\n"
        "names: [Example Clinic, K2 study]\ncontact: Call the Example Clinic research office.\n"
        "sources:\n  - file: page.txt\n    sections:\n"
        "      - {skip: true, start: \"Demo Trial\"}\n"
        "      - {key: purpose, heading: true, start: \"What is this study about?\"}\n"
        "      - {key: inclusion, heading: true, start: \"Who can join?\"}\n")
    index_dir = tmp_path / "index"
    manifest = build(knowledge_copy, index_dir)
    assert "DEMO-K2" in manifest["trials"]
    trials = load_trials(knowledge_copy)
    answerer = QuestionAnswerer(Retriever(index_dir, knowledge_copy), trials, TrialNames.from_trials(trials))
    answer = answerer.answer("Who can join the K2 study?", TrialNames.from_trials(trials).find("the K2 study"))
    assert answer.covered and "hemodialysis" in answer.render()
    assert "Demo K2 trial (Example Clinic)" in answer.render()


def test_a_large_knowledge_base_gets_an_approximate_index_that_filters_by_trial(built):
    import faiss
    import numpy as np

    from actions.index_store import make_index
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5000, 384)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert isinstance(make_index(vectors, exact_max=10_000), faiss.IndexFlatIP)
    ivf = make_index(vectors, exact_max=1000)
    assert isinstance(ivf, faiss.IndexIVFFlat) and ivf.ntotal == 5000
    # The retriever's trial filter works on it too.
    knowledge, index_dir = built
    retriever = Retriever(index_dir, knowledge)
    small = make_index(retriever._index.reconstruct_n(0, retriever._index.ntotal), exact_max=10)
    retriever._index = small
    hits = retriever.retrieve_passages("Who is the principal investigator?", trial="STSINJ")
    assert hits and all(h.passage.trial == "STSINJ" for h in hits)
