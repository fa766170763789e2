"""Recognises emergency messages by pattern, so that the safety answer never depends on a model."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.yml")


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    patterns = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))["patterns"]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def is_emergency(text: str | None) -> bool:
    # Typographic apostrophes ("can’t") are common on phones.
    return bool(text) and bool(_pattern().search(text.replace("\u2019", "'")))
