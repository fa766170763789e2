"""Finds which trial(s) a message names, from the names in each trial.yml, tolerating case and typos."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from actions.knowledge_base import Trial, load_trials
from actions.lay_terms import listing_words
from actions.lexical import tokenize

# Words that carry no identity: "the Limoges study" is matched as "limoges".
_FILLER = frozenset("the a an of at in for study trial trials studies one research project".split())
_WORD = re.compile(r"[a-z0-9]+")
# "And for the other one?": the trial not being talked about (with two trials, the other one).
_THE_OTHER = re.compile(r"\b(the|that|this) other (one|ones|trial|trials|study|studies|listing)\b|\bthe other\W*$",
                        re.IGNORECASE)
# "The first one", "the second study", "the last one": a trial by its place in the list the assistant shows.
_ORDINAL = re.compile(r"\b(the )?(?P<place>first|1st|second|2nd|third|3rd|last) (one|trial|study|listing)\b", re.IGNORECASE)
_PLACES = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}
# "And on this one?": the trial of the page the patient is on.
_THIS_ONE = re.compile(r"\bthis (one|trial|study|page|listing)\b(?! (is|was|has|does|do|are))", re.IGNORECASE)
# "Who runs that one?": the trial just talked about.
_THAT_ONE = re.compile(r"\bthat (one|trial|study|listing)\b", re.IGNORECASE)
MIN_FUZZY_LENGTH = 5  # shorter names ("Pitt") must match exactly
SIMILARITY = 0.84


def _words(text: str) -> list[re.Match]:
    return [m for m in _WORD.finditer(text.lower()) if m.group() not in _FILLER]


# What a describing word ("French") must come before to name a trial: "the French one" does, "do I
# need to speak French?" does not.
_TRIAL_WORDS = frozenset("one ones study studies trial trials site team research project".split())
MAX_WORDS_BETWEEN = 3  # "the French sodium thiosulfate study": words of the trials' titles may come between


class TrialNames:
    def __init__(self, names_by_trial: dict[str, list[str]], described_as: dict[str, list[str]] | None = None,
                 title_words: frozenset[str] = frozenset(), countries: dict[str, list[str]] | None = None):
        # title_words: the trials' titles as tokenize() gives them (stemmed, without stop words).
        # Each name becomes its significant words joined, compared against windows of the message.
        self._names = []
        for trial, names in names_by_trial.items():
            for name in names:
                words = [m.group() for m in _words(name)]
                if words:
                    self._names.append((trial, "".join(words), len(words)))
        self._described = [(trial, re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE))
                           for trial, words in (described_as or {}).items() for word in words]
        # "The one in France": a trial by its sites' country (site_settings in trial.yml).
        self._located = [(trial, re.compile(rf"\b({'|'.join(_TRIAL_WORDS)})\s+(in|at|from)\s+(the\s+)?"
                                            rf"{re.escape(re.sub(r'^the ', '', country, flags=re.IGNORECASE))}\b",
                                            re.IGNORECASE))
                         for trial, names in (countries or {}).items() for country in dict.fromkeys(names)]
        self._title_words = title_words

    @classmethod
    def from_trials(cls, trials: dict[str, Trial]) -> "TrialNames":
        return cls({t.id: list(t.names) for t in trials.values()}, {t.id: list(t.described_as) for t in trials.values()},
                   frozenset(tokenize(" ".join(t.title for t in trials.values()))),
                   {t.id: [site.country for site in t.site_settings] for t in trials.values()})

    @classmethod
    def from_knowledge(cls) -> "TrialNames":
        return cls.from_trials(load_trials())

    def mentions(self, text: str) -> list[tuple[str, int, int]]:
        """(trial id, start, end) of each name found in the text."""
        words = _words(text or "")
        found = []
        for trial, name, n_words in self._names:
            # Windows of the name's word count (typos allowed), and one word more or less with the
            # words run together ("NCT 03582800", "STS INJ"), exact.
            for size in {max(1, n_words - 1), n_words, n_words + 1}:
                for start in range(0, len(words) - size + 1):
                    window = words[start:start + size]
                    joined = "".join(m.group() for m in window)
                    if joined == name or (size == n_words and self._similar(joined, name)):
                        found.append((trial, window[0].start(), window[-1].end()))
        for trial, described in self._described:
            for m in described.finditer(text or ""):
                end = self._end_of_description(text, m.end())
                if end is not None:
                    found.append((trial, m.start(), end))
        found += [(trial, m.start(), m.end()) for trial, located in self._located for m in located.finditer(text or "")]
        return sorted(set(found), key=lambda f: (f[1], -f[2]))

    def find(self, text: str) -> list[str]:
        """Ids of the trials the text names, in order of first mention."""
        return list(dict.fromkeys(trial for trial, _, _ in self.mentions(text)))

    def _end_of_description(self, text: str, start: int) -> int | None:
        """Where "one"/"study"/"trial" ends after a describing word, with only title words between
        ("French sodium thiosulfate study", "French STS trial"); None if it does not follow."""
        for n, m in enumerate(_WORD.finditer(text.lower(), start)):
            word = m.group()
            if word in _TRIAL_WORDS:
                return m.end()
            if n >= MAX_WORDS_BETWEEN or not self._in_titles(word):
                return None
        return None

    def _in_titles(self, word: str) -> bool:
        """A word of the trials' titles, or a lay word for one ("STS": sodium thiosulfate)."""
        return any(stems and set(stems) <= self._title_words
                   for stems in (tokenize(word), tokenize(" ".join(listing_words(word)))))

    @staticmethod
    def names_the_other(text: str) -> bool:
        """Whether the message points at the trial(s) not being talked about ("and the other one?")."""
        return bool(_THE_OTHER.search(text or ""))

    @staticmethod
    def place_named(text: str) -> int | None:
        """The place in the list of trials a message points at ("the first one": 0, "the last one": -1)."""
        match = _ORDINAL.search(text or "")
        return _PLACES[match.group("place").lower()] if match else None

    @staticmethod
    def names_this_one(text: str) -> bool:
        """Whether the message points at the trial of the page ("and on this one?")."""
        return bool(_THIS_ONE.search(text or ""))

    @staticmethod
    def names_that_one(text: str) -> bool:
        """Whether the message points at the trial just talked about ("who runs that one?")."""
        return bool(_THAT_ONE.search(text or ""))

    def without_names(self, text: str, titles: bool = False) -> str:
        """The text with trial names taken out: a name says which trial, not what is asked. With
        titles, the words of the trials' titles too ("can I join the sodium thiosulfate study?")."""
        for _, start, end in sorted(self.mentions(text), key=lambda f: -f[1]):
            text = text[:start] + text[end:]
        return " ".join(w for w in text.split() if not (titles and self._in_titles(w)))

    @staticmethod
    def _similar(window: str, name: str) -> bool:
        if len(name) < MIN_FUZZY_LENGTH or abs(len(window) - len(name)) > 2:
            return False
        if any(c.isdigit() for c in name):
            return False  # identifiers must be exact: a near-miss NCT number is another trial
        return SequenceMatcher(None, window, name).ratio() >= SIMILARITY
