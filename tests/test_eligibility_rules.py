"""The criteria of both trials as data: every rule, boundaries, "not sure", asking order, outcomes."""
from __future__ import annotations

import pytest

from actions.answer_parsing import NOT_SURE
from actions.eligibility import (LIKELY_NOT_ELIGIBLE, MAY_BE_ELIGIBLE, UNKNOWN, answers_in_message, decide, find_criterion,
                                 load_criteria, next_question, progress)
from actions.knowledge_base import KnowledgeError, load_trials

LIMOGES_KEYS = {"age", "diagnosis", "planned_surgery", "contraception", "consent", "sts_allergy",
                "injection_contraindication", "anticoagulant_therapy", "pregnant_or_breastfeeding", "legal_protection"}


@pytest.fixture(scope="module")
def limoges(trials):
    return {c.key: c for c in load_criteria(trials["NCT03582800"])}


@pytest.fixture(scope="module")
def stsinj(trials):
    return {c.key: c for c in load_criteria(trials["STSINJ"])}


def test_limoges_has_the_keys_integrations_rely_on(limoges):
    assert LIMOGES_KEYS <= set(limoges)


def test_every_listed_limoges_criterion_is_covered(limoges, trials):
    """Each inclusion and exclusion line of the listing is the source of a criterion."""
    listing = (trials["NCT03582800"].folder / "listing.txt").read_text()
    criteria_text = listing.split("Inclusion Criteria", 1)[1].split("Clear my responses", 1)[0]
    lines = [l.strip() for l in criteria_text.splitlines() if l.strip() and l.strip() != "Exclusion Criteria"]
    sources = " ".join(c.source for c in limoges.values())
    for line in lines:
        assert line in sources, line


def test_team_checked_criteria_are_not_asked(limoges, stsinj):
    for key in ("committee_validation", "social_security"):
        assert not limoges[key].asked and limoges[key].next_step
    assert not stsinj["full_criteria"].asked


@pytest.mark.parametrize("key, answer, met", [
    ("age", 1, False), ("age", 1.99, False), ("age", 2, True), ("age", 2.5, True), ("age", 87, True),
    ("age", NOT_SURE, None),
    ("diagnosis", "ippsd2_ossification", True), ("diagnosis", "dermatomyositis_calcification", True),
    ("diagnosis", "systemic_sclerosis_calcification", True), ("diagnosis", "other", False),
    ("diagnosis", NOT_SURE, None),
    ("planned_surgery", "no", True), ("planned_surgery", "yes", False), ("planned_surgery", NOT_SURE, None),
    ("sts_allergy", "no", True), ("sts_allergy", "yes", False), ("sts_allergy", NOT_SURE, None),
    ("injection_contraindication", "no", True), ("injection_contraindication", "yes", False),
    ("injection_contraindication", NOT_SURE, None),
    ("anticoagulant_therapy", "no", True), ("anticoagulant_therapy", "yes", False),
    ("anticoagulant_therapy", NOT_SURE, None),
    ("pregnant_or_breastfeeding", "no", True), ("pregnant_or_breastfeeding", "yes", False),
    ("pregnant_or_breastfeeding", NOT_SURE, None),
    ("contraception", "yes", True), ("contraception", "no", False), ("contraception", NOT_SURE, None),
    ("consent", "yes", True), ("consent", "no", False), ("consent", NOT_SURE, None),
    ("legal_protection", "no", True), ("legal_protection", "yes", False), ("legal_protection", NOT_SURE, None),
    ("childbearing_potential", "yes", None), ("childbearing_potential", "no", None),  # information only
])
def test_limoges_rules(limoges, key, answer, met):
    assert limoges[key].evaluate(answer) is met


@pytest.mark.parametrize("key, answer, met", [
    ("condition", "systemic_sclerosis", True), ("condition", "mixed_connective_tissue_disease", True),
    ("condition", "dermatomyositis", True), ("condition", "lupus", True),
    ("condition", "other_connective_tissue_disease", True), ("condition", "none", False),
    ("condition", NOT_SURE, None),
    ("calcinosis", "yes", True), ("calcinosis", "no", False), ("calcinosis", NOT_SURE, None),
    ("measurable_lesions", "yes", True), ("measurable_lesions", "no", False), ("measurable_lesions", NOT_SURE, None),
])
def test_stsinj_rules(stsinj, key, answer, met):
    assert stsinj[key].evaluate(answer) is met


def _walk(criteria, answer_for):
    answers, asked = {}, []
    while (criterion := next_question(criteria, answers)) is not None:
        asked.append(criterion.key)
        answers[criterion.key] = answer_for(criterion)
    return answers, asked


HAPPY = {"diagnosis": "systemic_sclerosis_calcification", "age": 34, "childbearing_potential": "yes",
         "contraception": "yes", "consent": "yes"}


def test_happy_path_asks_everything_once_and_may_be_eligible(trials):
    criteria = load_criteria(trials["NCT03582800"])
    answers, asked = _walk(criteria, lambda c: HAPPY.get(c.key, "no"))
    assert asked == ["diagnosis", "age", "planned_surgery", "sts_allergy", "injection_contraindication",
                     "anticoagulant_therapy", "childbearing_potential", "pregnant_or_breastfeeding", "contraception",
                     "consent", "legal_protection"]
    result = decide(criteria, answers)
    assert result.outcome == MAY_BE_ELIGIBLE and result.ruled_out_by is None
    assert {c.key for c in result.team_checks} >= {"committee_validation", "social_security"}
    payload = result.payload("NCT03582800")
    assert payload["type"] == "eligibility_result" and payload["outcome"] == MAY_BE_ELIGIBLE
    assert {"key": "age", "answer": 34, "met": True} in payload["criteria"]


def test_pregnancy_questions_are_skipped_when_pregnancy_is_not_possible(trials):
    criteria = load_criteria(trials["NCT03582800"])
    answers, asked = _walk(criteria, lambda c: {**HAPPY, "childbearing_potential": "no"}.get(c.key, "no"))
    assert "pregnant_or_breastfeeding" not in asked and "contraception" not in asked
    assert decide(criteria, answers).outcome == MAY_BE_ELIGIBLE


@pytest.mark.parametrize("age, asked_about_pregnancy", [(3, False), (7.5, False), (8, True), (34, True), (NOT_SURE, True)])
def test_pregnancy_is_not_asked_of_a_young_child(trials, age, asked_about_pregnancy):
    # "Could your son become pregnant?" was asked of a 3-year-old: childbearing_potential has ask_if
    # {age: {min: 8}}, and the two questions that depend on it follow it.
    criteria = load_criteria(trials["NCT03582800"])
    answers, asked = _walk(criteria, lambda c: {**HAPPY, "age": age}.get(c.key, "no"))
    pregnancy = {"childbearing_potential", "pregnant_or_breastfeeding", "contraception"}
    assert (pregnancy <= set(asked)) is asked_about_pregnancy and (pregnancy & set(asked) == set()) is not asked_about_pregnancy
    # Legal protection "for adults" is asked of an adult, or when the age is not known.
    adult = age == NOT_SURE or age >= 18
    assert asked[-2:] == ["consent", "legal_protection"] if adult else asked[-1] == "consent"
    if age == 3:
        result = decide(criteria, answers)
        assert result.outcome == MAY_BE_ELIGIBLE and not result.not_sure
        assert progress(criteria, {"diagnosis": answers["diagnosis"], "age": 3}) == (3, 7, False)


def test_the_checks_of_adults_and_men_are_not_listed_for_a_child_or_a_woman(trials):
    """A parent of a 15-year-old was asked whether their son was "an adult under guardianship" and
    read, as a step the team checks, that men must use condoms."""
    criteria = load_criteria(trials["NCT03582800"])
    answers, asked = _walk(criteria, lambda c: {**HAPPY, "age": 15, "childbearing_potential": "no"}.get(c.key, "no"))
    assert "legal_protection" not in asked
    assert "partner_condoms" not in {c.key for c in decide(criteria, answers).team_checks}
    adult = {**answers, "age": 40, "legal_protection": "no"}
    assert "partner_condoms" in {c.key for c in decide(criteria, adult).team_checks}
    women = [c for c in criteria if not (c.for_sex and c.for_sex != "female")]
    assert "partner_condoms" not in {c.key for c in decide(women, adult).team_checks}


def test_an_exclusion_stops_the_questions_at_once(trials):
    criteria = load_criteria(trials["NCT03582800"])
    answers, asked = _walk(criteria, lambda c: "yes" if c.key == "anticoagulant_therapy" else HAPPY.get(c.key, "no"))
    assert asked[-1] == "anticoagulant_therapy" and "consent" not in asked
    result = decide(criteria, answers)
    assert result.outcome == LIKELY_NOT_ELIGIBLE and result.ruled_out_by.key == "anticoagulant_therapy"
    assert result.ruled_out_by.source == "Anticoagulant therapy"


def test_age_one_is_ruled_out_at_the_second_question(trials):
    criteria = load_criteria(trials["NCT03582800"])
    answers, asked = _walk(criteria, lambda c: {**HAPPY, "age": 1}.get(c.key, "no"))
    assert asked == ["diagnosis", "age"]
    assert decide(criteria, answers).ruled_out_by.key == "age"


def test_not_sure_gives_unknown_with_the_questions_listed(trials):
    criteria = load_criteria(trials["STSINJ"])
    answers, asked = _walk(criteria, lambda c: NOT_SURE if c.key == "measurable_lesions" else
                           {"condition": "lupus"}.get(c.key, "yes"))
    assert asked == ["condition", "calcinosis", "measurable_lesions"]
    result = decide(criteria, answers)
    assert result.outcome == UNKNOWN and [c.key for c in result.not_sure] == ["measurable_lesions"]


def test_progress_counts_only_applicable_questions(trials):
    criteria = load_criteria(trials["NCT03582800"])
    # "of up to 11": the pregnancy questions hang on the age and on "could she become pregnant?".
    assert progress(criteria, {}) == (1, 11, True)
    assert progress(criteria, {**{k: "no" for k in ("planned_surgery",)}, "diagnosis": "other"}) == (3, 11, True)
    assert progress(criteria, {"age": 40, "childbearing_potential": "no"}) == (3, 9, False)
    assert progress(criteria, {"age": 40, "childbearing_potential": "yes"}) == (3, 11, False)


def test_correction_finds_the_named_answer(trials):
    criteria = load_criteria(trials["NCT03582800"])
    answers = {**HAPPY, "anticoagulant_therapy": "no", "planned_surgery": "no"}
    assert find_criterion("change my age", criteria, answers).key == "age"
    assert find_criterion("my answer about the blood thinner was wrong", criteria, answers).key == "anticoagulant_therapy"
    assert find_criterion("fix the surgery one", criteria, answers).key == "planned_surgery"
    assert find_criterion("change it", criteria, answers) is None
    # "take" is in every question ("the person who would take part"): it names none of them.
    assert find_criterion("they booked one for june, to take out the lump on his wrist", criteria, answers) is None


def test_a_correction_of_the_age_needs_an_age(trials):
    """"Maybe one day" is no new age of 0 (it made the answered age 0 and the outcome "not able to
    take part"); "change my age to 45" and "I'm 45 not 54" are."""
    from actions.eligibility import correction_in
    criteria = load_criteria(trials["NCT03582800"])
    answers = {"diagnosis": "ippsd2", "age": 9.0}
    assert correction_in("not sure, his endocrinologist mentioned surgery maybe one day", criteria, answers)[1] is None
    assert correction_in("change my age to 45", criteria, answers)[1] == 45
    assert correction_in("I'm 45 not 9", criteria, answers)[1] == 45


def test_bad_criteria_files_are_refused(knowledge_copy):
    from actions.knowledge_base import load_trials
    path = knowledge_copy / "stsinj" / "criteria.yml"
    path.write_text(path.read_text().replace("rule: {equals: \"yes\"}", "rule: {sometimes: \"yes\"}", 1))
    with pytest.raises(KnowledgeError, match="calcinosis.*rule"):
        load_criteria(load_trials(knowledge_copy)["STSINJ"])


def test_every_choice_of_every_trial_is_read_from_typed_words(trials):
    """Each choice is recognised from what a patient types (its words, its label, in capitals too),
    not only from its button."""
    checked = 0
    for trial in trials.values():
        for criterion in load_criteria(trial):
            for choice in criterion.choices:
                for typed in [choice["label"], *choice.get("words", [])]:
                    for variant in (typed, typed.upper(), f"she has {typed}"):
                        assert criterion.parse(variant) == choice["value"], (trial.id, criterion.key, variant)
                        checked += 1
    assert checked > 50


def test_pittsburgh_condition_accepts_typed_answers(trials):
    condition = next(c for c in load_criteria(trials["STSINJ"]) if c.key == "condition")
    for typed in ("systemic sclerosis", "scleroderma", "SSc", "I have scleroderma"):
        assert condition.parse(typed) == "systemic_sclerosis"
    assert condition.parse("banana") is None


@pytest.mark.parametrize("bad_yaml, named", [
    ('words: [none, no]', "choices[5].words[1]"),
    ('words: ["none", yes]', "choices[5].words[1]"),
    ('words: ["none", on]', "choices[5].words[1]"),
])
def test_loader_rejects_yaml_booleans_among_words(knowledge_copy, bad_yaml, named):
    path = knowledge_copy / "stsinj" / "criteria.yml"
    text = path.read_text().replace('words: ["none", "no", "none of these", "something else"]', bad_yaml)
    assert bad_yaml in text
    path.write_text(text)
    trial = load_trials(knowledge_copy)["STSINJ"]
    with pytest.raises(KnowledgeError) as error:
        load_criteria(trial)
    assert "criteria.yml" in str(error.value) and "condition" in str(error.value)
    assert named in str(error.value) and "must be text" in str(error.value)


@pytest.mark.parametrize("trial, text, expected", [
    ("NCT03582800", "my son is 12, can he join?", {"age": 12}),
    ("NCT03582800", "my daughter is 9 years old and has dermatomyositis", {"age": 9, "diagnosis": "dermatomyositis_calcification"}),
    ("NCT03582800", "I had surgery 2 years ago, can I join?", {}),
    ("NCT03582800", "what is NCT03582800 about?", {}),
    ("NCT03582800", "I stopped warfarin last year", {}),
    ("NCT03582800", "im on eliquis", {"anticoagulant_therapy": "yes"}),
    ("STSINJ", "I have scleroderma, can I join?", {"condition": "systemic_sclerosis"}),
    ("STSINJ", "I have other problems too", {}),
    ("STSINJ", "she has lupus or maybe dermatomyositis", {}),
    # A yes/no criterion's stated_by words, said and not denied nor asked.
    ("STSINJ", "my husband has MCTD and big calcium deposits on his elbows. can he qualify?",
     {"condition": "mixed_connective_tissue_disease", "calcinosis": "yes"}),
    ("STSINJ", "I have lupus but no calcium deposits, can I join", {"condition": "lupus"}),
    ("STSINJ", "is calcinosis needed to join?", {}),
])
def test_answers_in_the_opening_message_are_only_what_it_says_plainly(trials, trial, text, expected):
    assert answers_in_message(load_criteria(trials[trial]), text) == expected


@pytest.mark.parametrize("key, text, answer", [
    # What answers another question of the pre-screen is not a yes or no to this one.
    ("planned_surgery", "he is 6, he has iPPSD2", None),
    ("planned_surgery", "no, he is 6", "no"),
    ("childbearing_potential", "no she's 84", "no"),
    ("anticoagulant_therapy", "she has dermatomyositis and takes warfarin", "yes"),
])
def test_a_reply_that_restates_other_answers_does_not_answer_the_open_question(limoges, key, text, answer):
    assert limoges[key].parse(text, list(limoges.values())) == answer


@pytest.mark.parametrize("text, answer", [
    ("no", "none"), ("none of these", "none"), ("nope, something else", "none"), ("lupus", "lupus"),
    # Seen over REST: after a false emergency, this "no" was read as "None of these" and ruled her out.
    ("sorry no, not an emergency. i just want to sign her up", None),
])
def test_none_of_these_is_read_only_from_a_no_to_the_question(stsinj, text, answer):
    assert stsinj["condition"].parse(text, list(stsinj.values())) == answer
