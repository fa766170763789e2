"""The action server's long-lived objects, loaded once per process (the model takes seconds)."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from actions.answer_check import AnswerCheck
from actions.answers import QuestionAnswerer
from actions.knowledge_base import Trial, load_trials
from actions.retrieval import Retriever
from actions.trial_names import TrialNames

DEBUG = os.environ.get("ASSISTANT_DEBUG", "") not in ("", "0", "false")


@dataclass(frozen=True)
class Services:
    trials: dict[str, Trial]
    names: TrialNames
    retriever: Retriever
    answerer: QuestionAnswerer


@functools.lru_cache(maxsize=1)
def services() -> Services:
    trials = load_trials()
    names = TrialNames.from_trials(trials)
    retriever = Retriever()
    return Services(trials, names, retriever, QuestionAnswerer(retriever, trials, names, AnswerCheck()))


def warm_up() -> Services:
    """Loads everything and runs one query, so the first patient does not wait for the model."""
    loaded = services()
    loaded.answerer.answer("What is the purpose of this trial?")
    return loaded
