"""Recognises emergency messages by pattern, so that the safety answer never depends on a model."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from actions.knowledge_base import KNOWLEDGE_DIR, load_trials
from actions.questions import is_question

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.yml")
FALLBACK_NUMBERS = ("911", "112", "999", "000", "15")


@functools.lru_cache(maxsize=4)
def _pattern(knowledge_dir: Path) -> re.Pattern:
    patterns = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))["patterns"]
    # "call 999": the emergency numbers of every trial's site (site_settings in trial.yml). A broken
    # knowledge file must never stop emergencies being recognised: the common numbers stand in.
    try:
        numbers = sorted({n for trial in load_trials(knowledge_dir).values() for site in trial.site_settings
                          for n in site.numbers()})
    except Exception:
        numbers = list(FALLBACK_NUMBERS)
    if numbers:
        patterns = [*patterns, rf"\bcall ({'|'.join(numbers)})\b"]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# "She had a seizure as a baby, can she still join?": a question about the past is no emergency by its
# words alone (the exemplars and the classifier still weigh it).
_IN_THE_PAST = re.compile(r"\b((\d+|a|one|two|three|four|five|a few|several|many) (years?|months?|weeks?) ago|years ago|"
                          r"when (he|she|i|they|we) (was|were)|as a (baby|child|kid|toddler|teen\w*)|in (19|20)\d\d|"
                          r"last (year|month)|history of|in the past|used to|"
                          r"(had|'ve had|have had|has had|had had) (a |an |one )?(\w+ )?(stroke|heart attack|seizure|fit)|"
                          # and in French
                          r"il y a (\d+|un|une|deux|trois|quelques|plusieurs) (ans?|mois|semaines?)|l'?an(n[ée]e)? derni[eè]re|"
                          r"quand (il|elle|j'?|je) ([ée]tai[ts]|avai[ts])|(petit|petite|b[ée]b[ée]) (il|elle)|ant[ée]c[ée]dents?|"
                          r"dans le pass[ée]|[àa] la naissance|(a|ai|as) (d[ée]j[àa] )?(eu|fait) (un|une) (avc|infarctus|crise|malaise))\b",
                          re.IGNORECASE)
# A question asked inside a message without its question mark ("... a la naissance est ce qu'il peut
# participer", "... last year should i mention that at screening").
_ASKS = re.compile(r"\b(est[- ]ce (que|qu)|peut[- ](il|elle)|faut[- ]il|should (i|we)|can (he|she|i|we) still|"
                   r"does (that|this|it) (matter|count|rule))\b", re.IGNORECASE)


# "Is fainting a known side effect?", "does the study say anything about chest pain?": asks what the
# study says, as does a question on what would happen ("if she had a reaction, what do we do?").
_WHAT_THE_STUDY_SAYS = re.compile(r"\b(side[- ]effects?|listed|mention\w*|say anything|says anything|known to|"
                                  r"effets? (secondaires?|ind[ée]sirables?)|(peu[tx]|peuvent|pourrait) (donner|provoquer|causer))\b",
                                  re.IGNORECASE)
_IF = re.compile(r"^\W*((what )?if|(et )?si|au cas o[uù]|et si jamais|si jamais)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[^,.;!?]+[,.;!?]*")


def is_emergency(text: str | None, knowledge_dir: Path = KNOWLEDGE_DIR) -> bool:
    """Whether an emergency pattern matches (not in a question about the past)."""
    if not text:
        return False
    text = text.replace("\u2019", "'")  # typographic apostrophes ("can’t") are common on phones
    if (is_question(text) or _IF.match(text) or _ASKS.search(text)) and _IN_THE_PAST.search(text):
        return False
    pattern = _pattern(knowledge_dir)
    # A clause that asks what the study says ("is fainting a known side effect?") or what to do if
    # something happened ("if I feel short of breath after a shot, should I call you?") does not
    # count; one beside it that tells what is happening does ("my chest hurts, is it a side effect?").
    return any(pattern.search(clause) and not (is_question(clause) and (_WHAT_THE_STUDY_SAYS.search(clause)
                                                                        or _IF.match(clause)))
               for clause in _CLAUSE.findall(text))


EXEMPLARS_FILE = Path(__file__).with_name("emergency_exemplars.yml")


class ExemplarBank:
    """Emergencies and messages that only share their words (emergency_exemplars.yml), as sentence
    vectors of the packaged MiniLM: how close a message is to each kind. And, since that model reads
    French poorly, a second reader of the same bank that needs no language: a logistic regression on
    the messages' character n-grams, fitted when the bank loads (a second, nothing stored)."""

    def __init__(self, emergencies, others, k: int = 3, words=None):
        self.emergencies, self.others, self.k, self.words = emergencies, others, k, words

    @classmethod
    def load(cls, encode, path: Path = EXEMPLARS_FILE) -> "ExemplarBank":
        """The bank, embedded by `encode` (a list of texts to unit vectors)."""
        bank = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(encode(bank["emergency"]), encode(bank["not_emergency"]),
                   words=_word_model(bank["emergency"], bank["not_emergency"]))

    def words_score(self, text: str) -> float:
        """How much the message's character n-grams are the bank emergencies' (0 to 1)."""
        return float(self.words.predict_proba([text])[0, 1]) if self.words is not None else 1.0

    def closeness(self, vector) -> tuple[float, float]:
        """Mean cosine of the vector with its k nearest emergencies, and with its k nearest others."""
        import numpy as np

        def nearest(bank) -> float:
            return float(np.sort(bank @ vector)[-self.k:].mean())

        return nearest(self.emergencies), nearest(self.others)

    def nearest_to_emergencies(self, vectors) -> tuple[float, float]:
        """Of several vectors (a message and its sentences), the closeness of the one nearest to the
        emergencies relative to the others: a long story can end in an emergency."""
        return max((self.closeness(v) for v in vectors), key=lambda c: c[0] - c[1])


def _word_model(emergencies: list[str], others: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    # Chosen on the ninth writer's held-back half (the other half is in the bank): French AUC 0.97,
    # against 0.94 for the intent classifier's emergency confidence and 0.84 for the sentence vectors.
    model = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                          LogisticRegression(C=4, max_iter=2000, class_weight="balanced"))
    return model.fit(emergencies + others, [1] * len(emergencies) + [0] * len(others))


_SENTENCE_END = re.compile(r"(?<=[.!?;\n])\s+")


def sentences_of(text: str) -> list[str]:
    """The sentences of a message of several (of three words or more), each compared on its own."""
    parts = [p for p in _SENTENCE_END.split(text or "") if len(p.split()) >= 3]
    return parts if len(parts) >= 2 else []


class EmergencySignals:
    """Whether a message is an emergency, from three signals: a pattern, the exemplar bank and the
    intent classifier's emergency confidence (the thresholds are the NLU component's config)."""

    DEFAULTS = {
        # Near the bank's emergencies: closer to them than to the other messages by this much, and
        # this close to them at all; and the classifier at least this much on their side (more for a
        # French message, whose sentence vector is less telling: the model is English).
        "exemplar_margin": 0.0, "exemplar_closeness": 0.5, "exemplar_classifier": 0.05,
        "exemplar_classifier_french": 0.3,
        # A French message near the emergencies must also read as one by the bank's character n-grams.
        "exemplar_words_french": 0.5,
        # Much closer to the emergencies than to the others, however close to them ("he just went all
        # floppy and isnt answering me" is far from every exemplar, but from the others most).
        "exemplar_strong_margin": 1.0,
        # The classifier alone: this confident. Never on a question (patients ask about symptoms: "is
        # fainting a side effect?") nor on a French message (nearly all the French it learned from are
        # emergencies): there the patterns and exemplars decide.
        "classifier_confidence": 0.8,
    }

    def __init__(self, bank: ExemplarBank, **thresholds: float):
        self.bank = bank
        self.t = {**self.DEFAULTS, **thresholds}

    def check(self, text: str, vectors, classifier: float, pattern: bool, question: bool = False,
              french: bool = False) -> dict:
        """The signals of one message (`vectors`: the message's sentence vector, then its sentences')
        and the verdict (`emergency`)."""
        vectors = [v for v in vectors if v is not None]
        near, others = self.bank.nearest_to_emergencies(vectors) if vectors and text.strip() else (0.0, 0.0)
        t = self.t
        margin = near - others
        words = self.bank.words_score(text) if french else None
        by_exemplars = (classifier >= t["exemplar_classifier_french" if french else "exemplar_classifier"]
                        and (margin >= t["exemplar_strong_margin"]
                             or (margin >= t["exemplar_margin"] and near >= t["exemplar_closeness"]))
                        and (not french or words >= t["exemplar_words_french"]))
        by_classifier = not (french or question) and classifier >= t["classifier_confidence"]
        return {"pattern": pattern, "exemplars": round(margin, 4), "closeness": round(near, 4),
                "classifier": round(float(classifier), 4), "words": None if words is None else round(words, 4),
                "emergency": bool(pattern or by_exemplars or by_classifier)}
