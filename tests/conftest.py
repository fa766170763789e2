"""Shared fixtures: the project's knowledge base and its built index (`make index` builds it)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # question_set helpers

from actions.knowledge_base import KNOWLEDGE_DIR, load_trials  # noqa: E402
from actions.retrieval import Retriever  # noqa: E402
from actions.trial_names import TrialNames  # noqa: E402


@pytest.fixture(scope="session")
def trials():
    return load_trials()


@pytest.fixture(scope="session")
def names(trials):
    return TrialNames.from_trials(trials)


@pytest.fixture(scope="session")
def retriever():
    return Retriever()


@pytest.fixture()
def knowledge_copy(tmp_path) -> Path:
    """A private copy of knowledge/ that a test may change."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target
