"""Emergency messages are recognised by pattern, before and whatever the NLU model says."""
from __future__ import annotations

import pytest

from actions.emergency import is_emergency


@pytest.mark.parametrize("text", [
    "I have crushing chest pain and can't breathe",
    "I can’t breathe",  # typographic apostrophe, as phones type it
    "i think my dad is having a stroke",
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
    # Indirect ones, and self-harm hints in a tired person's words.
    "my chest is really tight and my left arm feels numb",
    "my dad just slumped over and his speech is slurred",
    "her face is drooping on one side",
    "my lips are swelling up after the shot",
    "she suddenly cant catch her breath and her lips are going blue",
    "he is not responding when I shake him",
    "my family would be better off without me",
    "there's no point going on anymore",
    "I've been saving up my pills to take them all tonight",
])
def test_emergencies_are_recognised(text):
    assert is_emergency(text)


@pytest.mark.parametrize("text", [
    "What if I have an allergic reaction to STS?",
    "my mother is under guardianship since her stroke, could she still join",
    "he had a stroke 2 years ago, can he take part?",
    "Can I participate if I am breastfeeding?",
    "Is the treatment safe?",
    "Is there an emergency contact for the study?",
    "Who is the principal investigator?",
    "",
    None,
])
def test_questions_are_not_emergencies(text):
    assert not is_emergency(text)


def test_no_message_of_the_question_sets_or_nlu_data_is_a_false_alarm():
    """Factual questions ("breastfeeding", "insurance", "does the injection hurt?") are never emergencies."""
    import re

    import yaml

    from actions.evaluation import load_cases
    from actions.knowledge_base import PROJECT_DIR

    messages = [c["text"] for name in ("dev", "test") for c in load_cases(name) if c["kind"] != "emergency"]
    for path in (PROJECT_DIR / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if block.get("intent") and block["intent"] != "emergency":
                messages += [re.sub(r"^\s*-\s*", "", line) for line in block["examples"].splitlines() if line.strip()]
    assert len(messages) > 900
    assert [m for m in messages if is_emergency(m)] == []


def test_every_emergency_of_the_development_set_is_recognised_by_pattern():
    from actions.evaluation import load_cases

    assert [c["text"] for c in load_cases("dev") if c["kind"] == "emergency" and not is_emergency(c["text"])] == []


def test_a_broken_knowledge_file_never_stops_emergencies_being_recognised(knowledge_copy):
    from actions.emergency import is_emergency

    (knowledge_copy / "stsinj" / "team_answers.yml").write_text("answers:\n  - {question: 'Q?', answer: 'A.'}\n")
    assert is_emergency("I can't breathe", knowledge_copy)
    assert is_emergency("please call 911", knowledge_copy)  # the common numbers stand in for the sites'
