"""Free-text answers: yes/no/not sure, ages in digits and words, choices, medicine names, typos."""
from __future__ import annotations

import pytest

from actions.answer_parsing import NO, NOT_SURE, YES, parse_age, parse_choice, parse_yes_no


@pytest.mark.parametrize("text, expected", [
    ("yes", YES), ("Yes", YES), ("yeah", YES), ("yep, she does", YES), ("no", NO), ("nope", NO),
    ("No, she does not", NO), ("not sure", NOT_SURE), ("I don't know", NOT_SURE), ("maybe", NOT_SURE),
    ("I’m not sure", NOT_SURE), ("she isn't", NO), ("I will", YES), ("", None), ("purple", None),
])
def test_yes_no(text, expected):
    assert parse_yes_no(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("yes, Eliquis", YES),
    ("I take Coumadin every evening", YES),
    ("she's on xarelto", YES),
    ("lovenox injections", YES),
    ("Previscan", YES),
    ("eliquiss", YES),  # typo
    ("warfrin", YES),  # typo
    ("I take Plavix", NOT_SURE),  # a medicine, but not a known anticoagulant: never guessed
    ("she takes aspirin", NOT_SURE),
    ("no blood thinners", NO),
    ("she is not on any blood thinner", NO),
    ("No, I stopped warfarin last year", NO),
    ("not sure what it is called", NOT_SURE),
])
def test_medicine_names(text, expected):
    assert parse_yes_no(text, "anticoagulants") == expected


@pytest.mark.parametrize("text, expected", [
    ("45", 45), ("I'm 45", 45), ("forty-five", 45), ("forty five", 45), ("she is 1 year old", 1),
    ("he's 2", 2), ("18 months", 1.5), ("6 months old", 0.5), ("two and a half", 2.5), ("1.5 years", 1.5),
    ("my son is six", 6), ("a hundred and two", 102), ("twenty-one years", 21),
    ("200", None), ("old", None), ("", None),
])
def test_ages(text, expected):
    assert parse_age(text) == expected


CHOICES = [
    {"value": "ippsd2", "label": "Ossification from iPPSD2", "words": ["ippsd2", "pseudohypoparathyroidism"]},
    {"value": "dm", "label": "Calcium deposits from dermatomyositis", "words": ["dermatomyositis"]},
    {"value": "ssc", "label": "Calcium deposits from systemic sclerosis", "words": ["systemic sclerosis", "scleroderma"]},
    {"value": "other", "label": "Something else", "words": ["other", "something else"]},
]


@pytest.mark.parametrize("text, expected", [
    ("Calcium deposits from dermatomyositis", "dm"),  # the button
    ("she has scleroderma", "ssc"), ("Systemic Sclerosis", "ssc"), ("dermatomiositis", "dm"),  # typo
    ("pseudohypoparathyroidism", "ippsd2"), ("3", "ssc"), ("something else", "other"),
    ("not sure", NOT_SURE), ("dermatomyositis or scleroderma", None), ("banana", None),
])
def test_choices(text, expected):
    assert parse_choice(text, CHOICES) == expected


@pytest.mark.parametrize("text, person", [
    ("my 9 year old girl has pseudohypoparathyroidism, could she be in the french trial?", "your daughter"),
    ("my daughter is 18 months old and has iPPSD2, can she join?", "your daughter"),
    ("could my mum take part", "your mum"),
    ("hi can my son do this", "your son"),
    ("is this study right for me?", "you"),
    ("can I join?", "you"),
    ("what is the purpose of the study?", None),
])
def test_who_would_take_part(text, person):
    from actions.answer_parsing import person_in

    assert person_in(text) == person


@pytest.mark.parametrize("text, ages", [
    ("my daughter is 18 months old and has iPPSD2", [1.5]), ("she is 18 months", [1.5]),
    ("My son (30 months) was diagnosed last year", [2.5]), ("I'm 45 not 54", [45.0, 54.0]),
    ("the study is 6 months long", []), ("my son 2 years ago had surgery", []),
])
def test_ages_stated_in_passing(text, ages):
    from actions.answer_parsing import stated_ages

    assert stated_ages(text) == ages


@pytest.mark.parametrize("text, answer", [("ok. no allergy", "no"), ("ok", None), ("ok and what phase is it", None),
                                          ("well, yes", "yes"), ("nobody ever said that", "no")])
def test_words_before_a_yes_or_no_are_not_one(text, answer):
    assert parse_yes_no(text) == answer
