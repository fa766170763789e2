"""Lay words to listing words: a question is searched with the words the trial texts use for what
the patient says ("blood thinner" -> "anticoagulant therapy"). The vocabulary is data
(lay_terms.yml), shared by all trials."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

LAY_TERMS_FILE = Path(__file__).with_name("lay_terms.yml")


def _pattern(phrase: str) -> str:
    words = [re.escape(w) for w in phrase.rstrip("*").split()]
    return r"\b" + r"[\s-]+".join(words) + (r"\w*" if phrase.endswith("*") else r"\b")


@lru_cache(maxsize=None)
def _terms(path: Path = LAY_TERMS_FILE) -> list[tuple[re.Pattern, str]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = []
    for number, entry in enumerate(entries):
        lay, listing = entry.get("lay"), entry.get("listing")
        if not (isinstance(lay, list) and lay and all(isinstance(w, str) for w in lay) and isinstance(listing, str)):
            raise ValueError(f"{path}: entry {number}: needs `lay` (a list of text) and `listing` (text)")
        terms.append((re.compile("|".join(_pattern(w) for w in lay), re.IGNORECASE), listing))
    return terms


def listing_words(question: str) -> list[str]:
    """The listing words for the lay phrases in the question, each once, in the list's order."""
    return [listing for pattern, listing in _terms() if pattern.search(question or "")]

