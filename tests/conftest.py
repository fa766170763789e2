"""Shared fixtures: the project's knowledge base and its built index (`make index` builds it)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from actions.knowledge_base import KNOWLEDGE_DIR, load_trials
from actions.retrieval import Retriever
from actions.trial_names import TrialNames


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
