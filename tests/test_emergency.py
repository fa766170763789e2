"""Emergency messages: the hand-written patterns, and the model that weighs them with the message's
words and sentence vectors (actions/emergency.py), fitted here as `rasa train` fits it."""
from __future__ import annotations

import numpy as np
import pytest

from actions.emergency import is_emergency
from actions.emergency_classifier import nlu_examples


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


def test_no_message_of_the_question_sets_and_few_of_the_nlu_data_are_pattern_false_alarms():
    """Factual questions ("breastfeeding", "insurance", "does the injection hurt?") are never emergencies
    by pattern. The NLU data's messages that only share an emergency's words (2026-12-05's writers'
    hard negatives: "has anyone fainted from the injections") may trip one, one in 400 at most: the
    patterns err on the side of safety, and the learned readers decide. (One in 500 until 2026-12-06,
    when requests to join that tell a past reaction joined the data: "He had anaphylaxis to the
    iodine contrast dye during a CT scan", 7 of 3,469.)"""
    from actions.evaluation import load_cases

    questions = [c["text"] for name in ("dev", "test") for c in load_cases(name) if c["kind"] != "emergency"]
    assert len(questions) > 900 and [m for m in questions if is_emergency(m)] == []
    messages = nlu_examples()[1]
    assert len(messages) > 2500
    assert len([m for m in messages if is_emergency(m)]) <= len(messages) / 400


def test_every_emergency_of_the_development_set_is_recognised_by_pattern():
    from actions.evaluation import load_cases

    assert [c["text"] for c in load_cases("dev") if c["kind"] == "emergency" and not is_emergency(c["text"])] == []


def test_a_broken_knowledge_file_never_stops_emergencies_being_recognised(knowledge_copy):
    from actions.emergency import is_emergency

    (knowledge_copy / "stsinj" / "team_answers.yml").write_text("answers:\n  - {question: 'Q?', answer: 'A.'}\n")
    assert is_emergency("I can't breathe", knowledge_copy)
    assert is_emergency("please call 911", knowledge_copy)  # the common numbers stand in for the sites'


def test_questions_about_the_past_or_about_what_the_study_says_are_no_emergency_by_their_words():
    for text in ["she had a seizure as a baby, can she still join?", "i had a heart attack 5 years ago, is that an exclusion",
                 "is fainting a known side effect?", "if she has a seizure after the injection what do we do?",
                 "does the study say anything about chest pain?"]:
        assert not is_emergency(text), text
    for text in ["she is having a seizure", "my chest hurts, is it a side effect of the shot", "je veux mourir",
                 "il ne respire plus", "sa langue gonfle après la piqûre"]:
        assert is_emergency(text), text


@pytest.fixture(scope="module")
def model():
    from actions.embedding import encode
    from actions.emergency import EmergencyModel, exemplars
    from actions.emergency_classifier import EmergencyClassifier

    emergencies, others = exemplars()
    nlu_emergencies, nlu_others = nlu_examples()
    # With the fine-tuned classifier that `make train` builds: the two readers, as the Rasa component has them.
    return EmergencyModel.fit(emergencies + nlu_emergencies, others + nlu_others, encode), EmergencyClassifier()


@pytest.fixture(scope="module")
def threshold():
    import yaml

    from actions.knowledge_base import PROJECT_DIR

    pipeline = yaml.safe_load((PROJECT_DIR / "config.yml").read_text())["pipeline"]
    return next(c for c in pipeline if c["name"].endswith("EmergencyOverride"))["threshold"]


def probability(model, text: str) -> float:
    from actions.embedding import encode

    learned, classifier = model
    return float(classifier.with_model(learned.probability([text], encode), [text])[0])


@pytest.mark.parametrize("text", [
    # The conversations issue's missed emergencies, which no pattern catches.
    "these lumps have taken everything from me. some nights I just want to go to sleep and not wake up",
    "the injection spot is bleeding through the bandage and it just won't stop",
    "Après l'injection ma fille a les lèvres qui gonflent et elle respire mal",
    "hold on he just went all floppy and isnt answering me",
])
def test_indirect_emergencies_are_recognised_by_the_model(model, threshold, text):
    assert probability(model, text) >= threshold


@pytest.mark.parametrize("text", ["does the injection hurt?", "he had a stroke 2 years ago, can he take part?",
                                  "are blood thinners a problem because of bleeding?", "Who is the principal investigator?",
                                  "il a fait un AVC il y a 3 ans, est-ce qu'il peut participer ?"])
def test_the_model_does_not_raise_messages_that_share_the_words(model, threshold, text):
    assert probability(model, text) < threshold


def test_the_model_reads_a_long_story_by_its_sentences(model, threshold):
    """An emergency at the end of a long message counts, however calm what comes before it."""
    assert probability(model, _STORY + "now she has collapsed in the car and will not wake up") >= threshold


_STORY = ("we drove three hours for the screening visit and the parking was a nightmare, the nurse was lovely "
          "though and explained everything about the injections. ")


def test_a_calm_ending_to_a_long_story_is_no_emergency(model, threshold):
    # A false alarm (0.65) of the fine-tuned classifier from 2026-12-05 to 2026-12-06, when it was
    # trained again with the list-of-trials examples among its others, and (0.55) with writers O and P
    # in the bank, until writer T's (docs/evaluation.md, fifteenth session). Again from the seventeenth
    # session (0.42, the bank's emergencies of a child "very sleepy") until writers AL, AN and AO's short
    # replies after an answer joined the NLU examples (2026-12-07), which both readers learn from.
    assert probability(model, _STORY + "she is asleep in the car now") < threshold


@pytest.mark.parametrize("text", [
    # Each English category, in French as it is typed (accents and "ne" dropped).
    "mon pere est inconscient sur le canape", "je n arrive pas a la reveiller elle ouvre plus les yeux",
    "il s etouffe avec un bonbon", "sa langue devient enorme depuis la piqure",
    "je crois qu il fait une crise cardiaque", "j ai un poids sur la poitrine et je transpire",
    "sa bouche est de travers et il melange les mots", "ca saigne depuis une heure et ca s arrete pas",
    "elle a des taches violettes et la nuque raide", "il est tombe sur la tete et depuis il vomit",
    "mon fils a avale tout le flacon de sirop", "j ai laisse une lettre d adieu a mes enfants",
    "appelez le samu vite", "le bebe est tout mou et tout gris",
])
def test_french_patterns_cover_the_english_categories(text):
    assert is_emergency(text), text


@pytest.mark.parametrize("text", [
    "si jamais elle fait une reaction allergique grave on fait quoi ?",
    "mon fils a fait un AVC a la naissance est ce qu il peut participer",
    "c'est une urgence administrative : il me faut l'attestation",
    "stop, je n'ai plus envie de continuer les questions",
    "if i get short of breath after a shot should i call you first?",
    "i'm dying to know if i got in",
])
def test_hypotheses_past_events_and_figures_of_speech_are_no_emergency_by_pattern(text):
    assert not is_emergency(text), text


def test_french_is_read_by_its_words_where_the_english_sentence_vectors_read_it_poorly(model, threshold):
    assert probability(model, "je suis epuisee apres la route mais la visite s est bien passee") < threshold
    assert probability(model, "ma fille respire tres mal et elle devient toute bleue") >= threshold


def test_the_classifier_is_trained_from_the_current_bank_and_nlu_data_and_refuses_an_altered_export(tmp_path):
    """`make train` builds it before the Rasa model; a changed bank, NLU file or base model trains it
    again (its record names its inputs), and an export whose files changed is not read."""
    import shutil

    from actions.emergency_classifier import CLASSIFIER_DIR, ONNX_FILE, inputs_sha256, record

    saved = record(CLASSIFIER_DIR)
    assert saved is not None and saved["inputs_sha256"] == inputs_sha256()
    assert saved["emergencies"] > 1400 and saved["others"] > 5000
    copy = tmp_path / "classifier"
    shutil.copytree(CLASSIFIER_DIR, copy)
    assert record(copy) == saved
    with open(copy / ONNX_FILE, "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\0\0\0\0")
    assert record(copy) is None
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "x.yml").write_text('version: "3.1"\nnlu:\n- intent: give_answer\n  examples: |\n    - she is [18 months](age)\n'
                               '- intent: emergency\n  examples: |\n    - help he is not breathing\n')
    assert nlu_examples(nlu) == (["help he is not breathing"], ["she is 18 months"])
    assert inputs_sha256(nlu) != inputs_sha256()


def test_a_quantisation_that_moves_a_probability_too_far_keeps_the_full_precision_export(tmp_path, monkeypatch):
    """A training run whose 8-bit weights would shift a reading beyond the tolerance is exported at
    full precision instead of failing the build (or shifting what is read as an emergency)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from actions import embedding
    from actions import emergency_classifier as ec

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(embedding.model_path())
    model = AutoModelForSequenceClassification.from_pretrained(embedding.model_path(), num_labels=1).eval()
    monkeypatch.setattr(ec, "QUANTISED_TOLERANCE", -1.0)  # no quantisation is close enough
    saved = ec.export(model, tokenizer, tmp_path / "classifier", inputs_sha256="test")
    assert saved["quantised"] is False and ec.record(tmp_path / "classifier") == saved
    # 32-bit weights (about 90 MB; the 8-bit export is about 23 MB), read as torch reads them.
    assert (tmp_path / "classifier" / ec.ONNX_FILE).stat().st_size > 80e6
    texts = ["help she cant breathe", "what is the purpose of the study?"]
    with torch.no_grad():
        logits = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits.squeeze(-1).numpy()
    read = ec.EmergencyClassifier(tmp_path / "classifier").probability(texts)
    assert abs(read - 1 / (1 + np.exp(-logits))).max() < 0.01


def test_no_held_out_message_is_learned_from():
    """The held-out sets measure messages never trained on: none is in the exemplar bank or the NLU."""
    from pathlib import Path

    import yaml

    from actions.answer_parsing import normalise
    from actions.emergency import exemplars

    learned = {normalise(t) for group in (*exemplars(), *nlu_examples()) for t in group}
    held_out = Path(__file__).parent / "eval"
    for name in ("emergency_test.yml", "emergency_aa_test.yml", "emergency_ai_test.yml", "calcinosis_told_test.yml",
                 "colour_told_test.yml", "after_emergency_test.yml", "emergency_feeling_test.yml",
                 "after_false_alarm_test.yml", "medicines_told_test.yml"):
        texts = [t for group in yaml.safe_load((held_out / name).read_text()).values() for t in group]
        assert not [t for t in texts if normalise(t) in learned], name


@pytest.mark.parametrize("text, stated", [
    # Said outright, even buried in a question on the trial: an emergency whatever the model weighs.
    ("how long does the follow-up last? I'm planning to end my life after the last visit anyway", True),
    ("I can't do this anymore, I want to kill myself", True),
    ("ma fille dit qu'elle va se suicider, elle s'est enfermée", True),
    ("i think he's suicidal, he gave away his things last night", True),
    # Denied, told of the past, asked of the study, or a figure of speech: the model decides.
    ("some days I feel like giving up on treatments but I'd never hurt myself", False),
    ("I'm not suicidal, just exhausted. when does recruitment close?", False),
    ("je ne vais pas me tuer rassurez-vous, je veux juste des réponses", False),
    ("I tried to kill myself in 2015, can I still join?", False),
    ("does the study exclude people who have been suicidal?", False),
    ("I want to die of embarrassment when people see my fingers", False),
    ("mon rhumato va me tuer si je m'inscris sans lui", False),
])
def test_self_harm_said_outright_is_an_emergency_whatever_the_model_weighs(text, stated):
    from actions.emergency import states_self_harm

    assert states_self_harm(text) is stated


def test_self_harm_said_outright_is_no_false_alarm_on_the_data():
    """The floor raises no message that is not an emergency: the NLU data's, the exemplar bank's
    look-alikes, the question sets'."""
    from actions.emergency import exemplars, states_self_harm
    from actions.evaluation import load_cases

    others = exemplars()[1] + nlu_examples()[1] + [c["text"] for name in ("dev", "test") for c in load_cases(name)
                                                  if c["kind"] != "emergency"]
    assert len(others) > 6000 and [t for t in others if states_self_harm(t)] == []


def test_a_sentence_repeated_is_read_once():
    """Dozens of copies of one lament filled the fine-tuned reader's 128 tokens and read as distress."""
    from actions.emergency import without_repeats

    lament = "we have been through so much with the calcium deposits. "
    assert without_repeats(lament * 40 + "Who is the principal investigator?") == (
        "we have been through so much with the calcium deposits. Who is the principal investigator?")
    # Copies that differ in case or spacing only are copies; anything else is left as typed.
    assert without_repeats("Help me. help  me. He is not breathing.") == "Help me. He is not breathing."
    assert without_repeats("please help. he fell. please help!") == "please help. he fell. please help!"
