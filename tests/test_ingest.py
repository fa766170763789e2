"""Ingestion: page chrome stripped, texts split along their own sections, offsets true to the source."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.ingest import _sentences, split_all, split_trial
from actions.knowledge_base import TEAM_ANSWERS_FILE, TRIAL_FILE, KnowledgeError, load_trials

CHROME = ["Lorem ipsum", "Sign up as volunteer", "private note", "passcode", "Yes No Not Sure",
          "Clear my responses", "Learn more", "Investigator Avatar", "Primary Contact", "You are contacting",
          "Find a Clinic Near You", "What You Need to Know", "participants needed", "user name",
          "Similar trials", "Browse trials", "No annotations", "Reply by", "Added by"]


@pytest.fixture(scope="module")
def passages():
    return split_all(load_trials())


def test_no_page_chrome_is_indexed(passages):
    for passage in passages:
        for chrome in CHROME:
            assert chrome.lower() not in passage.text.lower(), (chrome, passage)


def test_citation_markers_glued_to_sentences_are_removed(passages):
    safety = [p.text for p in passages if p.trial == "STSINJ" and p.section == "safety"]
    assert safety[-1].endswith("the evidence so far is reassuring.")
    assert not any(re.search(r"\.\d+", t) for t in safety)


def test_stsinj_sections_follow_its_question_headings(passages):
    sections = [p.section for p in passages if p.trial == "STSINJ" and p.source.endswith("listing.txt")]
    assert list(dict.fromkeys(sections)) == ["purpose", "medications", "safety", "why_promising",
                                            "effectiveness", "team", "fit", "timeline", "interventions",
                                            "sponsor"]
    purpose = next(p for p in passages if p.trial == "STSINJ" and p.section == "purpose")
    assert purpose.title == "What is the purpose of this trial?"
    assert purpose.text.startswith("This trial tests a new treatment")


def test_limoges_criteria_are_one_passage_each(passages):
    inclusion = [p.text for p in passages if p.trial == "NCT03582800" and p.section == "inclusion"]
    exclusion = [p.text for p in passages if p.trial == "NCT03582800" and p.section == "exclusion"]
    assert "Patient aged 2 years or over" in inclusion
    assert len(inclusion) == 8 and len(exclusion) == 9
    # A criterion that runs over several lines stays one criterion.
    assert inclusion[0].startswith("Patient presenting with\nectopic ossification secondary to iPPSD2 or")
    assert inclusion[0].endswith("ectopic calcification secondary to systemic sclerosis")
    assert "Anticoagulant therapy" in exclusion


def test_limoges_summary_and_fields_are_split(passages):
    limoges = {(p.section, p.title) for p in passages if p.trial == "NCT03582800"}
    assert ("identifiers", "Clinical Study Identifier (NCT number)") in limoges
    assert {"background", "design", "participation"} <= {section for section, _ in limoges}
    identifier = next(p for p in passages if p.section == "identifiers")
    assert identifier.text == "NCT03582800"


def test_prose_is_split_into_sentences_and_short_sections_stay_whole(passages):
    purpose = [p.text for p in passages if p.trial == "STSINJ" and p.section == "purpose"]
    assert len(purpose) == 4 and purpose[0].startswith("This trial tests") and purpose[0].endswith("dermatomyositis.")
    medications = [p for p in passages if p.trial == "STSINJ" and p.section == "medications"]
    assert len(medications) == 1 and medications[0].text.endswith("or your doctor.")
    # A label line is kept with the line it names, not left alone as a passage.
    assert "Treatment\nParticipants receive intralesional sodium thiosulfate" in "\n".join(
        p.text for p in passages if p.trial == "STSINJ" and p.section == "timeline")
    assert all(len(p.text) > 8 for p in passages)


def test_offsets_point_at_the_passage_in_the_source(passages, trials):
    # (Facts and study team answers are numbered, not spans of a text.)
    for passage in (p for p in passages if Path(p.source).name not in (TRIAL_FILE, TEAM_ANSWERS_FILE)):
        source = (trials[passage.trial].folder.parent / passage.source).read_text(encoding="utf-8")
        span_words = source[passage.start:passage.end].split()
        words = passage.text.split()
        assert span_words[:2] == words[:2] and span_words[-1] == words[-1], passage
        assert set(words) <= set(" ".join(span_words).replace("•", " ").split()), passage


def test_missing_section_start_is_reported_with_the_file(knowledge_copy):
    trial_file = knowledge_copy / "stsinj" / "trial.yml"
    trial_file.write_text(trial_file.read_text().replace("Who Is on the Research Team?", "No such heading"))
    trial = load_trials(knowledge_copy)["STSINJ"]
    with pytest.raises(KnowledgeError, match="listing.txt.*No such heading"):
        split_trial(trial, knowledge_copy)


def test_trial_without_required_fields_is_refused(knowledge_copy):
    (knowledge_copy / "broken").mkdir()
    (knowledge_copy / "broken" / "trial.yml").write_text("title: no id\n")
    with pytest.raises(KnowledgeError, match="missing 'id'"):
        load_trials(knowledge_copy)


def test_a_heading_line_stays_with_the_sentence_it_introduces(passages):
    """"What happens next?" is no answer; with the sentence after it, it is one."""
    participation = [p.text for p in passages if p.trial == "NCT03582800" and p.section == "participation"]
    assert not any(t.rstrip().endswith("?") for t in participation)
    assert any("What happens next?\nYou can expect the study team to contact you via email or phone" in t
               for t in participation)


def test_a_list_number_stays_with_its_sentence():
    """Registry descriptions number their aims ("I. Determine whether ..."): "I." is no passage."""
    def sentences(text):
        return [s[0] for s in _sentences((text, 0, len(text)))]

    assert sentences("PRIMARY OBJECTIVES:\nI. Determine whether genistein lowers CPCs. It is given daily.") == [
        "PRIMARY OBJECTIVES:\nI. Determine whether genistein lowers CPCs.", "It is given daily."]
    assert sentences("He is 2. Then he is 3.") == ["He is 2.", "Then he is 3."]  # a number ending a sentence


def test_criteria_carry_their_plain_words_from_the_pre_screen(passages):
    by_text = {p.text: p for p in passages if p.trial == "NCT03582800"}
    assert any("blood thinner" in w for w in by_text["Anticoagulant therapy"].plain)
    # A criterion the pre-screen quotes in part (childbearing potential) and in full (contraception).
    contraception = next(p for t, p in by_text.items() if t.startswith("Women of childbearing potential"))
    assert any("become pregnant" in w for w in contraception.plain) and any("birth control" in w for w in contraception.plain)
    assert not by_text["University Hospital, Limoges"].plain  # not a criterion


def test_each_fact_sentence_has_its_own_number_in_the_order_said(trials):
    """A fact's sentences are shown in their order and "show the whole section" finds each by its number."""
    facts = [p for p in split_trial(trials["NCT03582800"]) if Path(p.source).name == TRIAL_FILE]
    assert [p.start for p in facts] == list(range(1, len(facts) + 1))
    assert [p.section for p in facts][:2] == ["phase", "randomisation"]
