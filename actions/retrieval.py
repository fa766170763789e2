"""Query side of the knowledge base: loads the built index, checks it matches knowledge/, and
retrieves the passages (sentences, criteria) of the trials in context.

A passage scores by its own cosine with the question and its section title's (the STSINJ headings
are patient questions; the others name what the section holds; a title also scores by the patient
questions of its section's key, knowledge/section_questions.yml), averaged with TITLE_WEIGHT, or, for
a pre-screening criterion, by its plain words' cosine (criteria.yml) when that is higher: its
`score`, on which the answer threshold is set. Ranking adds a share of the BM25 score (scaled to
the best candidate) for rare words, names and numbers.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from actions import embedding
from actions.index_store import (INDEX_DIR, INDEX_FILE, IVF_NPROBE, PASSAGES_FILE, PLAIN_FILE, REBUILD_COMMAND,
                                 TITLES_FILE, manifest_problems, plain_owners, read_manifest, section_titles,
                                 title_views)
from actions.ingest import Passage
from actions.knowledge_base import KNOWLEDGE_DIR, knowledge_files, load_section_questions
from actions.lexical import BM25

# Below this score the texts are taken not to answer the question (chosen on tests/eval/dev_set.yml
# with make eval; docs/evaluation.md: the figures).
ANSWER_THRESHOLD = float(os.environ.get("ANSWER_THRESHOLD", "0.18"))
# A message that is no question (the NLU is unsure of it, or took it for one) is answered only on a clear match.
FALLBACK_ANSWER_THRESHOLD = 0.5
# Weight of the lexical (BM25) score in the ranking; 0 is dense search alone (docs/evaluation.md: measured both).
LEXICAL_WEIGHT = float(os.environ.get("LEXICAL_WEIGHT", "0.8"))
# Share of the section title's cosine in a passage's score (docs/evaluation.md: measured on the dev set).
TITLE_WEIGHT = float(os.environ.get("TITLE_WEIGHT", "1.0"))
CANDIDATES = 50
# The sections whose titles are closest to the question, whose passages are candidates too (a trial
# of hundreds of passages: "what did they find?" is near the results section's questions, not its numbers).
TITLE_CANDIDATES = int(os.environ.get("TITLE_CANDIDATES", "3"))


class IndexNotReady(RuntimeError):
    """The index is missing, corrupt or stale; the message names the command that rebuilds it."""

    def __init__(self, problem: str):
        super().__init__(f"{problem}. Rebuild it with `{REBUILD_COMMAND}`.")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # dense cosine similarity with the question
    rank_score: float  # what the hits are ordered by


def section_key(passage: Passage) -> tuple:
    """What tells one section from another (a listing may use one key for several sections)."""
    return passage.trial, passage.source, passage.section, passage.title


def _knowledge_fingerprint(knowledge_dir: Path) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in knowledge_files(knowledge_dir))


class Retriever:
    def __init__(self, index_dir: Path = INDEX_DIR, knowledge_dir: Path = KNOWLEDGE_DIR):
        self.index_dir, self.knowledge_dir = Path(index_dir), Path(knowledge_dir)
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        fingerprint = _knowledge_fingerprint(self.knowledge_dir)
        problems = manifest_problems(self.index_dir, self.knowledge_dir)
        if problems:
            raise IndexNotReady(f"The index at {self.index_dir} cannot be used: {'; '.join(problems)}")
        manifest = read_manifest(self.index_dir)
        with open(self.index_dir / PASSAGES_FILE, encoding="utf-8") as f:
            passages = [Passage.from_dict(json.loads(line)) for line in f]
        index = faiss.read_index(str(self.index_dir / INDEX_FILE))
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = IVF_NPROBE
            index.make_direct_map()  # a section's passages are read back by id (below)
        if index.ntotal != len(passages) or index.d != manifest.get("dimension"):
            raise IndexNotReady(f"The index at {self.index_dir} does not match its passage map")
        titles = section_titles(passages)
        views = title_views(passages, load_section_questions(self.knowledge_dir))
        self._title_vectors = np.load(self.index_dir / TITLES_FILE)
        if self._title_vectors.shape != (len(views), index.d):
            raise IndexNotReady(f"The index at {self.index_dir} does not match its section titles")
        self._view_title = np.array([n for n, _ in views], dtype=np.int64)
        self._title_count = len(titles)
        self._title_of = np.array([titles.index(p.title) for p in passages], dtype=np.int64)
        # Each trial's passages by section title: a section whose title (or its patient questions)
        # is close to the question joins the candidates, however far its sentences' own words are.
        self._by_title: dict[str, dict[int, list[int]]] = {}
        for i, p in enumerate(passages):
            self._by_title.setdefault(p.trial, {}).setdefault(int(self._title_of[i]), []).append(i)
        self._plain_vectors = np.load(self.index_dir / PLAIN_FILE)
        self._plain_of = np.array(plain_owners(passages), dtype=np.int64)
        self._plain_trial = np.array([passages[i].trial for i in self._plain_of], dtype=object)
        if self._plain_vectors.shape != (len(self._plain_of), index.d):
            raise IndexNotReady(f"The index at {self.index_dir} does not match its criteria's plain words")
        self.manifest, self.passages, self._index = manifest, passages, index
        self._fingerprint = fingerprint
        self._ids_by_trial: dict[str, np.ndarray] = {}
        for i, p in enumerate(passages):
            self._ids_by_trial.setdefault(p.trial, []).append(i)
        self._ids_by_trial = {t: np.array(ids, dtype=np.int64) for t, ids in self._ids_by_trial.items()}
        self._bm25 = BM25([p.search_text() for p in passages])
        self._sections: dict[tuple, list[Passage]] = {}
        for p in passages:
            self._sections.setdefault(section_key(p), []).append(p)

    def ensure_current(self) -> None:
        """Never answer from an index that no longer matches knowledge/: reload it if it was
        rebuilt, refuse (IndexNotReady) if it was not."""
        if _knowledge_fingerprint(self.knowledge_dir) == self._fingerprint:
            return
        with self._lock:
            if _knowledge_fingerprint(self.knowledge_dir) != self._fingerprint:
                self._load()

    def section_passages(self, passage: Passage) -> list[Passage]:
        """All passages of the section that holds this passage, in the order of the text."""
        return self._sections.get(section_key(passage), [])

    def _plain_scores(self, vector: np.ndarray, trial: str | None) -> dict[int, float]:
        """The best cosine of each criterion's plain words with the question, for one trial (or all)."""
        rows = np.flatnonzero(self._plain_trial == trial) if trial else np.arange(len(self._plain_of))
        best: dict[int, float] = {}
        for owner, score in zip(self._plain_of[rows].tolist(), (self._plain_vectors[rows] @ vector).tolist()):
            if score > best.get(owner, -1.0):
                best[owner] = score
        return best

    def retrieve_passages(self, question: str, trial: str | None = None, k: int = 3, listing_words: str = "") -> list[Hit]:
        """The k best passages for the question, from one trial (or from all when trial is None);
        `listing_words` (the listings' words for the patient's, lay_terms.yml) join the word search."""
        self.ensure_current()
        ids = self._ids_by_trial.get(trial) if trial else np.arange(len(self.passages), dtype=np.int64)
        if ids is None or not len(ids):
            return []
        vector = embedding.encode([question])
        params = None
        if trial:
            selector = faiss.IDSelectorBatch(ids)
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=self._index.nprobe)
                      if isinstance(self._index, faiss.IndexIVF) else faiss.SearchParameters(sel=selector))
        # The dense candidates that BM25 may reorder: enough for any answer, bounded for large indexes.
        scores, found = self._index.search(vector, min(len(ids), CANDIDATES), params=params)
        # A section title scores by the best of its views (the title, its key's patient questions).
        title_scores = np.full(self._title_count, -1.0, dtype=np.float32)
        np.maximum.at(title_scores, self._view_title, self._title_vectors @ vector[0])
        text_scores = {int(i): float(s) for i, s in zip(found[0], scores[0]) if i >= 0}
        if trial:
            sections = self._by_title.get(trial, {})
            for n in sorted(sections, key=lambda n: -title_scores[n])[:TITLE_CANDIDATES]:
                for i in sections[n]:
                    if i not in text_scores:
                        text_scores[i] = float(self._index.reconstruct(i) @ vector[0])
        plain = self._plain_scores(vector[0], trial)
        for i in set(plain) - set(text_scores):  # a criterion found by its plain words only: they score it
            text_scores[i] = -1.0
        dense = {i: max((s + TITLE_WEIGHT * float(title_scores[self._title_of[i]])) / (1 + TITLE_WEIGHT),
                        plain.get(i, -1.0))
                 for i, s in text_scores.items()}
        fused = dense
        if LEXICAL_WEIGHT:
            lexical = self._bm25.scores(f"{question} {listing_words}", list(dense))
            top = max(lexical.values(), default=0.0)
            if top > 0:
                fused = {i: dense[i] + LEXICAL_WEIGHT * lexical[i] / top for i in dense}
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        return [Hit(self.passages[i], dense[i], fused[i]) for i in best]
