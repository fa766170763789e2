"""Recognises emergency messages by pattern, so that the safety answer never depends on a model."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from actions.knowledge_base import KNOWLEDGE_DIR, load_trials

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.yml")
FALLBACK_NUMBERS = ("911", "112", "999", "000", "15")


@functools.lru_cache(maxsize=4)
def _pattern(knowledge_dir: Path) -> re.Pattern:
    patterns = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))["patterns"]
    # "call 999": the emergency numbers of every trial's site (site_settings in trial.yml). A broken
    # knowledge file must never stop emergencies being recognised: the common numbers stand in.
    try:
        numbers = sorted({n for trial in load_trials(knowledge_dir).values() for n in trial.emergency.numbers()})
    except Exception:
        numbers = list(FALLBACK_NUMBERS)
    if numbers:
        patterns = [*patterns, rf"\bcall ({'|'.join(numbers)})\b"]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def is_emergency(text: str | None, knowledge_dir: Path = KNOWLEDGE_DIR) -> bool:
    # Typographic apostrophes ("can’t") are common on phones.
    return bool(text) and bool(_pattern(knowledge_dir).search(text.replace("\u2019", "'")))
