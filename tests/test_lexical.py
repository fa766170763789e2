"""The lexical side of search (actions/lexical.py) and the lay words added to a search
(actions/lay_terms.yml): what they match, and what they must not."""
from __future__ import annotations

import pytest

from actions.answers import search_terms
from actions.lay_terms import _terms, listing_words
from actions.lexical import BM25, tokenize


def test_words_are_stemmed_and_hyphenated_words_also_count_joined():
    assert tokenize("Injections") == tokenize("injection")
    assert set(tokenize("pseudohypoparathyroidism")) <= set(tokenize("pseudo-hypoparathyroidism"))


def test_adverbs_that_stem_like_topic_words_are_left_out():
    # Snowball stems "quite" to "quit": "STS is quite safe" must not match "can I quit?".
    assert tokenize("STS is quite safe") == tokenize("STS is safe")


def test_a_short_criterion_gets_little_more_for_the_same_word_than_a_long_sentence():
    # With the usual length normalisation (b 0.75) "Patient aged 2 years" scored 1.8 times the long
    # sentence for "patients", and led the answer to "has this worked for other patients?".
    documents = ["Patient aged 2 years or over",
                 "Apart from several case reports that have not been confirmed so far, no medical treatments "
                 "are available, leading to significant pain and impairment of quality of life for patients.",
                 "Anticoagulant therapy", "Allergy to STS or one of the excipients used"]
    scores = BM25(documents).scores("has this worked for other patients", [0, 1])
    assert scores[1] < scores[0] < 1.3 * scores[1]


@pytest.mark.parametrize("question, listing", [
    ("does a copper coil count", "intrauterine device"),
    ("is a pharma company behind this", "sponsor"),
    ("she can't understand the papers any more", "unable to give consent"),
    ("do i have to quit my meds", "current medications"),
    ("has it been tried on people before", "case reports"),
])
def test_lay_words_bring_the_listings_words(question, listing):
    question_searched, listing_searched = search_terms(question)
    assert question_searched == question and listing in listing_searched


@pytest.mark.parametrize("question", ["Why do researchers think this could work?",
                                      "are people over 60 allowed", "who can take part in this"])
def test_common_words_bring_no_unrelated_listing_words(question):
    words = " ".join(listing_words(question))
    assert "principal investigator" not in words and "end date" not in words and "connect with" not in words


def test_every_lay_phrase_compiles_and_adds_a_few_formal_words():
    for pattern, listing in _terms():
        assert pattern.pattern and 0 < len(listing.split()) <= 8
