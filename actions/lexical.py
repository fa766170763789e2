"""A small BM25 index over the passages, to combine with dense search (rare words, names, numbers)."""
from __future__ import annotations

import math
import re
from collections import Counter

_TOKEN = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be been by can could do does for from has have how i if in into is it its "
    "me my of on or our so that the their them there these they this to was we were what when where "
    "which who why will with would you your"
    # Words in nearly every question and passage here: they only add noise.
    " study studies trial trials".split()
)


def tokenize(text: str) -> list[str]:
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOPWORDS:
            continue
        if len(token) > 4 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]  # crude plural folding: "injections" ~ "injection"
        tokens.append(token)
    return tokens


class BM25:
    def __init__(self, documents: list[str], k1: float = 1.2, b: float = 0.75):
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
