"""Which language a message is written in (actions/language.py)."""
from __future__ import annotations

import pytest

from actions.language import ENGLISH, FRENCH, language_of


@pytest.mark.parametrize("text", ["Après l'injection ma fille a les lèvres qui gonflent et elle respire mal",
                                  "Bonjour, est-ce que ma fille peut participer ?", "je veux en finir",
                                  "Est-ce que l'étude est toujours ouverte ?", "non merci"])
def test_french(text):
    assert language_of(text) == FRENCH


@pytest.mark.parametrize("text", ["oui", "is the Limoges study still open?", "my daughter is at CHU Limoges, can she join",
                                  "what about the French one?", "", None])
def test_english_or_too_short_to_tell(text):
    assert language_of(text) == ENGLISH


def test_no_english_message_of_the_question_sets_is_taken_for_french():
    from actions.evaluation import load_cases

    texts = [c["text"] for name in ("dev", "test") for c in load_cases(name)]
    # The one taken for French is half French.
    assert len(texts) > 1000 and [t for t in texts if language_of(t) == FRENCH] == [
        "est-ce que on est payé? are participants paid something"]
