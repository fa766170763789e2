"""Emergency messages are recognised by pattern, before and whatever the NLU model says."""
from __future__ import annotations

import pytest

from actions.emergency import is_emergency


@pytest.mark.parametrize("text", [
    "I have crushing chest pain and can't breathe",
    "I can’t breathe",  # typographic apostrophe, as phones type it
    "my throat is swelling after the injection",
    "I am having a severe allergic reaction",
    "my son is having an allergic reaction now",
    "I want to kill myself",
    "I'm thinking about killing myself",
    "I'm thinking of ending my life",
    "she passed out and won't wake up",
    "I think I'm having a heart attack",
    "help, this is an emergency",
    "I need urgent help right now",
    "I took an overdose",
])
def test_emergencies_are_recognised(text):
    assert is_emergency(text)


@pytest.mark.parametrize("text", [
    "What if I have an allergic reaction to STS?",
    "Can I participate if I am breastfeeding?",
    "Is the treatment safe?",
    "Is there an emergency contact for the study?",
    "Who is the principal investigator?",
    "",
    None,
])
def test_questions_are_not_emergencies(text):
    assert not is_emergency(text)


def test_a_broken_knowledge_file_never_stops_emergencies_being_recognised(knowledge_copy):
    from actions.emergency import is_emergency

    (knowledge_copy / "stsinj" / "team_answers.yml").write_text("answers:\n  - {question: 'Q?', answer: 'A.'}\n")
    assert is_emergency("I can't breathe", knowledge_copy)
    assert is_emergency("please call 911", knowledge_copy)  # the common numbers stand in for the sites'
