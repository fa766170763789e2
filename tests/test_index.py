"""Index build and loading: idempotent, matches the corpus, refuses a stale or broken index, and a
new trial is only a new folder."""
from __future__ import annotations

import json

import pytest

from actions.answers import QuestionAnswerer
from actions.build_index import build
from actions.index_store import INDEX_FILE, MANIFEST_FILE, PASSAGES_FILE, PLAIN_FILE, TITLES_FILE
from actions.ingest import split_all
from actions.knowledge_base import corpus_hash, load_trials
from actions.retrieval import IndexNotReady, Retriever
from actions.trial_names import TrialNames
from conftest import UK_SITE


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


@pytest.mark.parametrize("rules", ["ingest.py", "build_index.py", "index_store.py"])
def test_an_index_built_by_other_rules_is_refused(built, monkeypatch, rules):
    """What is embedded (titles and their views, plain words) is decided by these files too."""
    import actions.index_store as store

    knowledge, index_dir = built
    real = store.file_sha256
    monkeypatch.setattr(store, "file_sha256", lambda path: "changed" if path.name == rules else real(path))
    with pytest.raises(IndexNotReady, match="rules that build the index have changed.*make index"):
        Retriever(index_dir, knowledge)


def test_an_index_built_with_another_export_of_the_model_is_refused(built):
    """The vectors depend on the export (full precision or quantised), not only on the weights."""
    knowledge, index_dir = built
    manifest = json.loads((index_dir / MANIFEST_FILE).read_text())
    (index_dir / MANIFEST_FILE).write_text(json.dumps({**manifest, "encoder_sha256": "another export"}))
    with pytest.raises(IndexNotReady, match="another export of the embedding model.*make index"):
        Retriever(index_dir, knowledge)


@pytest.mark.parametrize("damaged", [INDEX_FILE, PASSAGES_FILE, MANIFEST_FILE, TITLES_FILE, PLAIN_FILE])
def test_corrupt_index_files_are_refused(built, damaged):
    knowledge, index_dir = built
    path = index_dir / damaged
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(IndexNotReady, match="make index"):
        Retriever(index_dir, knowledge)


def test_a_criterion_is_found_by_the_pre_screens_plain_words(retriever):
    """"Breastfeeding" is not in "parturient"; the pre-screen's question for it says so in plain words."""
    hits = retriever.retrieve_passages("she is nursing her baby", "NCT03582800", k=1)
    assert hits[0].passage.text == "Pregnant, parturient or breastfeeding woman"


def test_a_section_is_found_by_the_questions_its_key_answers(retriever, knowledge_copy, tmp_path):
    """The Limoges design paragraph is titled "Purpose of the study: ..."; patients ask "what are they
    testing?" (knowledge/section_questions.yml, under `design`). Without those questions a criterion wins."""
    question = "so what are they testing"
    assert retriever.retrieve_passages(question, "NCT03582800", k=1)[0].passage.section == "design"
    (knowledge_copy / "section_questions.yml").unlink()
    build(knowledge_copy, tmp_path / "index")
    without = Retriever(tmp_path / "index", knowledge_copy)
    assert without.retrieve_passages(question, "NCT03582800", k=1)[0].passage.section != "design"


def test_section_questions_that_are_not_text_are_refused(knowledge_copy):
    from actions.knowledge_base import KnowledgeError, load_section_questions

    (knowledge_copy / "section_questions.yml").write_text("purpose: [\"What is it about?\", no]\n")
    with pytest.raises(KnowledgeError, match="section_questions.yml: 'purpose'"):
        load_section_questions(knowledge_copy)


def test_an_index_without_the_criteria_plain_words_is_refused(built):
    import numpy as np

    knowledge, index_dir = built
    plain = np.load(index_dir / PLAIN_FILE)
    np.save(index_dir / PLAIN_FILE, plain[:-1])
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


def test_a_third_trial_is_only_a_new_folder(knowledge_copy, uk_trial, tmp_path):
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


def test_a_uk_trial_gets_its_own_emergency_numbers_with_no_code_change(knowledge_copy, uk_trial, tmp_path):
    from actions.emergency import is_emergency
    from actions.knowledge_base import emergency_lines, emergency_numbers
    from web.site import build_site
    trials = load_trials(knowledge_copy)
    uk = trials["DEMO-K2"]
    assert emergency_numbers([uk]) == "999 in the United Kingdom"
    lines = emergency_lines([uk])
    assert "call 999" in lines and "116 123" in lines and "911" not in lines and "112" not in lines
    # With no trial in context, every site's numbers, each country once.
    everywhere = emergency_numbers(trials.values())
    assert sorted(everywhere.split(", ")) == ["15 or 112 in France", "911 in the United States",
                                              "999 in the United Kingdom"]
    # "call 999" is an emergency once a UK site exists.
    assert is_emergency("please call 999 for me", knowledge_copy)
    assert not is_emergency("please call 999 for me")
    # The trial's page gives the widget the UK number.
    build_site(tmp_path / "web", "", knowledge_copy)
    page = (tmp_path / "web" / "trials" / "demo-k2" / "index.html").read_text()
    assert 'data-emergency="999 in the United Kingdom"' in page


@pytest.mark.parametrize("settings, complaint", [
    ("", "missing 'site_settings'"),
    ("site_settings: 999\n", "'site_settings' must hold country"),
    ("site_settings:\n  country: the United Kingdom\n  crisis_line: call 116 123\n",
     "missing 'emergency_number'"),
    ("site_settings:\n  country: no\n  emergency_number: \"999\"\n  crisis_line: call 116 123\n",
     "'site_settings.country' must be text"),
])
def test_site_settings_that_cannot_be_used_are_refused(knowledge_copy, uk_trial, settings, complaint):
    from actions.knowledge_base import KnowledgeError
    metadata = uk_trial / "trial.yml"
    metadata.write_text(metadata.read_text().replace(UK_SITE, settings))
    with pytest.raises(KnowledgeError, match=f"trial.yml: {complaint}"):
        load_trials(knowledge_copy)


def test_a_fact_with_a_key_and_no_value_is_refused(knowledge_copy):
    """"{facility: University Hospital, Limoges}" makes "Limoges" a key without a value: said, with where."""
    from actions.knowledge_base import KnowledgeError
    metadata = knowledge_copy / "nct03582800" / "trial.yml"
    metadata.write_text(metadata.read_text().replace("facility: University Hospital,", "facility: University Hospital, Limoges,"))
    with pytest.raises(KnowledgeError, match=r"trial.yml: facts.sites\[0\].Limoges has no value .*quotes"):
        load_trials(knowledge_copy)
