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


UK_SITE = ("site_settings:\n  country: the United Kingdom\n  emergency_number: \"999\"\n"
           "  crisis_line: \"call 116 123 (Samaritans, free, day or night)\"\n")


@pytest.fixture()
def uk_trial(knowledge_copy) -> Path:
    """A third trial, at a site in the UK, in the copy of knowledge/: a folder of data and nothing else."""
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
        "      - {key: inclusion, heading: true, start: \"Who can join?\"}\n" + UK_SITE)
    return folder
