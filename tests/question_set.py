"""The patient question set (dev set + our paraphrases) shared by the quality and end-to-end tests."""
from __future__ import annotations

from pathlib import Path

import yaml

EVAL_DIR = Path(__file__).resolve().parent / "eval"
FILES = ("dev_questions.yml", "paraphrases.yml")


def load_questions(files=FILES) -> list[dict]:
    questions = []
    for name in files:
        for q in yaml.safe_load((EVAL_DIR / name).read_text())["questions"]:
            questions.append({"kind": "answer", "forbid": [], **q, "file": name})
    return questions


def recall_at(retriever, questions, trial_of, ks=(1, 3)) -> dict:
    """Share of answerable questions whose right section is among the top k passages."""
    answerable = [q for q in questions if q["kind"] == "answer"]
    hits = {k: 0 for k in ks}
    misses = []
    for q in answerable:
        found = retriever.retrieve_passages(q["text"], trial=trial_of(q), k=max(ks))
        sections = [(h.passage.trial, h.passage.section) for h in found]
        for k in ks:
            if any(s[1] == q["topic"] for s in sections[:k]):
                hits[k] += 1
        if not any(s[1] == q["topic"] for s in sections[:1]):
            misses.append((q["text"], q["topic"], sections))
    return {"n": len(answerable), **{f"recall@{k}": hits[k] / len(answerable) for k in ks}, "misses": misses}
