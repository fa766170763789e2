"""A small BM25 index over the passages, to combine with dense search (rare words, names, numbers)."""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import snowballstemmer

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STOPWORDS = frozenset(
    "a an and are as at be been by can could do does did for from has have had how i if in into is it its "
    "me my of on or our so that the their them there these they this to was we were what when where "
    "which who why will with would you your am im he she his her him us u ur just very also any some "
    "than then too only about quite rather fairly mostly"
    # Words in nearly every question and passage here, or that only ask: they add noise, not topic.
    " study studies trial trials one ones not no never now still yet even ever all every other another"
    " here way lot lots kind sort bit really much many like ok okay hi hello please thanks thank sorry"
    " anyway whats wat know tell want wants need needs get gets got go going happen happens thing things"
    " someone something cant can't dont don't doesnt doesn't isnt isn't wont won't i'm i've he's she's"
    " take takes taking took make makes made give gives giving gave put puts use uses using used".split()
)
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def tokenize(text: str) -> list[str]:
    """Stemmed words without stop words; a hyphenated word also counts joined and in its parts
    ("pseudo-hypoparathyroidism" matches "pseudohypoparathyroidism", "follow-up" matches "follow up")."""
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        parts = token.split("-")
        for word in parts + (["".join(parts)] if len(parts) > 1 else []):
            if word and word not in _STOPWORDS:
                tokens.append(_stem(word))
    return tokens


class BM25:
    # Little length normalisation (b 0.25, not the usual 0.75): a criterion is a few words, and the
    # usual b let one shared common word ("patient", "treatment") rank it first (docs/evaluation.md: measured).
    def __init__(self, documents: list[str], k1: float = 1.2, b: float = 0.25):
        self.k1, self.b = k1, b
        self._docs = [Counter(tokenize(d)) for d in documents]
        self._lengths = [sum(c.values()) for c in self._docs]
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        df = Counter(term for doc in self._docs for term in doc)
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: str, ids: list[int]) -> dict[int, float]:
        terms = [t for t in set(tokenize(query)) if t in self._idf]
        result = {}
        for i in ids:
            doc, length = self._docs[i], self._lengths[i]
            score = 0.0
            for t in terms:
                tf = doc.get(t, 0)
                if tf:
                    score += self._idf[t] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / self._avg))
            result[i] = score
        return result
