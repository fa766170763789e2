"""Recognises emergency messages: hand-written patterns and readings, weighed by a model learned from
writers' emergencies and the messages that only share their words."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from actions.knowledge_base import KNOWLEDGE_DIR, load_trials
from actions.questions import is_question

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.yml")
FALLBACK_NUMBERS = ("911", "112", "999", "000", "15")


def _phrases(key: str) -> list[str]:
    return yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))[key]


def _any_of(patterns: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _pattern(knowledge_dir: Path) -> re.Pattern:
    patterns = _phrases("patterns")
    # "call 999": the emergency numbers of every trial's site (site_settings in trial.yml). A broken
    # knowledge file must never stop emergencies being recognised: the common numbers stand in.
    try:
        numbers = sorted({n for trial in load_trials(knowledge_dir).values() for site in trial.site_settings
                          for n in site.numbers()})
    except Exception:
        numbers = list(FALLBACK_NUMBERS)
    if numbers:
        patterns = [*patterns, rf"\bcall ({'|'.join(numbers)})\b"]
    return _any_of(patterns)


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


def _typed(text: str) -> str:
    return (text or "").replace("\u2019", "'")  # typographic apostrophes ("can’t") are common on phones


def is_emergency(text: str | None, knowledge_dir: Path = KNOWLEDGE_DIR) -> bool:
    """Whether an emergency pattern matches (not in a question about the past)."""
    if not text:
        return False
    text = _typed(text)
    if (is_question(text) or _IF.match(text) or _ASKS.search(text)) and _IN_THE_PAST.search(text):
        return False
    return any(True for _ in _told(text, _pattern(knowledge_dir)))


def _told(text: str, pattern: re.Pattern):
    """Each clause's match of the pattern, and what comes before it in the clause. A clause that asks
    what the study says ("is fainting a known side effect?") or what to do if something happened ("if
    I feel short of breath after a shot, should I call you?") does not count; one beside it that tells
    what is happening does ("my chest hurts, is it a side effect?")."""
    for clause in _CLAUSE.findall(text):
        match = pattern.search(clause)
        if match and not (is_question(clause) and (_WHAT_THE_STUDY_SAYS.search(clause) or _IF.match(clause))):
            yield match, clause[:match.start()]


# What denies what follows it closely ("I'd never hurt myself", "I'm not suicidal"; not "I can't do
# this anymore, I want to kill myself").
_DENIED = re.compile(r"\b(never|not|no|wouldn'?t|won'?t|don'?t|didn'?t|isn'?t|am not|ne|n'|pas|jamais)\b|n't\b",
                     re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _self_harm() -> re.Pattern:
    return _any_of(_phrases("self_harm_stated"))


def states_self_harm(text: str | None) -> bool:
    """Whether a message says outright that someone means to harm themselves (emergency_phrases.yml,
    self_harm_stated), in a clause that does not deny it (as `_told` reads clauses), and does not tell
    of the past."""
    text = _typed(text)
    if not text or _IN_THE_PAST.search(text):
        return False
    return any(not _DENIED.search(" ".join(before.split()[-3:])) for _, before in _told(text, _self_harm()))


EXEMPLARS_FILE = Path(__file__).with_name("emergency_exemplars.yml")
EMERGENCY_INTENT = "emergency"
# What a trained EmergencyModel depends on besides the NLU data: a change to any of them trains it again.
MODEL_INPUTS = (EXEMPLARS_FILE, PHRASES_FILE, Path(__file__), Path(__file__).with_name("questions.py"),
                Path(__file__).with_name("language.py"))


def exemplars(path: Path = EXEMPLARS_FILE) -> tuple[list[str], list[str]]:
    """The bank's emergencies and the messages that only share their words."""
    bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    return bank["emergency"], bank["not_emergency"]


_SENTENCE_END = re.compile(r"(?<=[.!?;\n])\s+")


def without_repeats(text: str) -> str:
    """The message with each sentence once: a sentence pasted or typed again adds nothing to what it
    says, but dozens of copies of one lament filled the fine-tuned reader's 128 tokens and read as
    distress."""
    parts = _SENTENCE_END.split(text or "")
    seen, kept = set(), []
    for part in parts:
        key = " ".join(part.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(part)
    return text if len(kept) == len(parts) else " ".join(kept)


def sentences_of(text: str) -> list[str]:
    """The sentences of a message of several (of three words or more)."""
    parts = [p for p in _SENTENCE_END.split(text or "") if len(p.split()) >= 3]
    return parts if len(parts) >= 2 else []


_MARKS = ("pattern", "question", "french", "if", "past", "asks", "study says")


def _marks(text: str, knowledge_dir: Path) -> list[float]:
    """What the hand-written readings say of a message (_MARKS): a pattern; a question; French; a
    hypothesis, the past, a question asked without its mark, what the study says. The model weighs them."""
    from actions.language import FRENCH, language_of

    return [float(bool(x)) for x in (is_emergency(text, knowledge_dir), is_question(text), language_of(text) == FRENCH,
                                     _IF.match(text), _IN_THE_PAST.search(text), _ASKS.search(text),
                                     _WHAT_THE_STUDY_SAYS.search(text))]


class EmergencyModel:
    """Whether a message is an emergency: a logistic regression over the message's character n-grams
    (French messages' twice, the second time on their own), its MiniLM sentence vector, the largest
    values of its sentences' vectors (a long story can end in an emergency) and the hand-written
    readings above. Fitted on the exemplar bank and the NLU examples when the Rasa model is trained
    (components/emergency_override.py).

    Chosen over the former hand-set combination of the same signals (a pattern alone decided; then
    the nearest exemplars and the classifier's confidence, seven thresholds) on two new writers, each
    left out in turn (2026-12-05, 315 emergencies and 311 look-alikes): missed 29 -> 4, false alarms
    26 -> 9; on two writers' 775 ordinary messages, false alarms 30 -> 23. A pattern is no verdict of
    its own any more: it caught no emergency the model missed and raised 20 false alarms."""

    def __init__(self, words, classifier, knowledge_dir: Path = KNOWLEDGE_DIR):
        self.words, self.classifier, self.knowledge_dir = words, classifier, knowledge_dir

    @staticmethod
    def _vectors(texts: list[str], encode, vectors=None):
        """Each message's sentence vector (given, or encoded), and the elementwise largest of its
        sentences' vectors (the message's own when it has one sentence)."""
        import numpy as np

        vectors = np.asarray(encode(texts) if vectors is None else vectors)
        sentences = [sentences_of(t) for t in texts]
        flat = [s for group in sentences for s in group]
        encoded = iter(encode(flat) if flat else [])
        most = np.array([np.max([next(encoded) for _ in group], axis=0) if group else v
                         for group, v in zip(sentences, vectors)])
        return vectors, most

    def _features(self, texts: list[str], encode, vectors=None):
        import numpy as np
        from scipy.sparse import csr_matrix, diags, hstack

        texts = [_typed(t) for t in texts]
        whole, most = self._vectors(texts, encode, vectors)
        marks = np.array([_marks(t, self.knowledge_dir) for t in texts])
        words = self.words.transform(texts)
        # The n-grams again, for French messages only: French gets weights of its own, as the English
        # sentence vectors read it poorly (leaving each writer out: French false alarms 34 -> 28).
        french = diags(marks[:, _MARKS.index("french")]) @ words
        return hstack([words, csr_matrix(whole), csr_matrix(most), csr_matrix(marks), french]).tocsr()

    @classmethod
    def fit(cls, emergencies: list[str], others: list[str], encode, knowledge_dir: Path = KNOWLEDGE_DIR,
            regularisation: float = 4.0) -> "EmergencyModel":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = [_typed(t) for t in emergencies + others]
        words = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2).fit(texts)
        model = cls(words, None, knowledge_dir)
        classifier = LogisticRegression(C=regularisation, max_iter=3000, class_weight="balanced")
        model.classifier = classifier.fit(model._features(texts, encode), [1] * len(emergencies) + [0] * len(others))
        return model

    def probability(self, texts: list[str], encode, vectors=None):
        """How likely each message is an emergency (0 to 1); `vectors`: their sentence vectors, if known."""
        return self.classifier.predict_proba(self._features(texts, encode, vectors))[:, 1]
