"""What a question asks for (actions/question_topics.yml), and the answers that hold it or say the
texts do not."""
from __future__ import annotations

import pytest

from actions.answer_types import TOPICS_FILE, _topics, asked_for, defined_term, holds
from actions.answers import QuestionAnswerer
from actions.build_index import build
from actions.ingest import Passage
from actions.knowledge_base import load_trials
from actions.retrieval import Hit, Retriever
from actions.services import services
from actions.trial_names import TrialNames


@pytest.mark.parametrize("question, topic", [
    ("Does the injection hurt?", "pain"),
    ("will they put my son to sleep for it", "pain"),
    ("do I get a placebo?", "placebo"),
    ("How much will I be paid for taking part?", "payment"),
    ("does it cost anything", "cost"),
    ("can I quit halfway through if I don't like it", "leaving the study"),
    ("can we do the visits by video", "remote or at home"),
    ("what is the phone number of the study team", "contact details"),
    ("How many injections would I get?", "number of injections"),
    ("who is the main doctor on this study", "principal investigator"),
    ("who is paying for this research", "person"),
    ("How old do you have to be to join?", "age"),
    ("what is the end date of the study", "date"),
    ("when did the Limoges study start?", "start date"),
    ("whats the NCT number for STSINJ, I want to look it up", "registry number"),
    ("do I need a referral letter from my rheumatologist", "referral"),
    ("what happens if I miss one of the follow up appointments", "rescheduling or missing a visit"),
    ("how big is the needle", "needle size"),
    ("can i drive home after the shots or do i need someone to take me", "driving or getting home afterwards"),
    ("is there wheelchair access at the hospital", "wheelchair access and accessibility"),
    ("is the Pittsburgh trial still recruiting?", "recruitment status"),
    ("is this study still open?", "recruitment status"),
    ("are the results published in a journal yet?", "publication of results"),
    ("does it have a EudraCT number?", "other registry numbers"),
    ("has the study been extended past its end date?", "extension or delay"),
    ("who sits on the multidisciplinary committee?", "members of a committee or board"),
    ("is one parent's signature enough or do both have to sign?", "who must sign the consent"),
    ("what are the excipients in the injection?", "ingredients of the medicine"),
    ("what were those side effects exactly?", "which side effects exactly"),
    ("will dr domsic do the injections herself?", "who gives the injections"),
    ("can my own rheumatologist give the injections?", "who gives the injections"),
    ("do i need a pregnancy test before every injection", "tests and procedures"),
    ("is the injection done under ultrasound guidance?", "imaging guidance of the injection"),
    ("do they use ultrasound to guide the needle?", "imaging guidance of the injection"),
    ("does the ultrasound guided injection hurt a lot?", "pain"),  # named, not asked about
    ("what happens if I get pregnant during the trial?", "pregnancy during the trial"),
    ("what if my child needs an operation on a lump during the study", "surgery needed during the trial"),
    ("how can i get notified about similar trials", "notice of other trials"),
    ("can i still see my usual rheumatologist during it", "my own doctor informed or kept"),
    ("do you know when the listing was updated?", "date"),
    ("my son is 10, when could he begin?", "start date"),
    ("is it blinded or do you know youre getting the sts", "blinding"),
    ("in the pittsburg calcinosis trial who is the main researcher?", "principal investigator"),
    ("can you tell me who the doctor is", "person"),
    ("and who funds it?", "person"),
    ("can i work out after the injections", "restrictions after treatment (sport, bathing, sun)"),
    ("where is it? we're trying to work out how far we'd have to drive", "place"),
    # The clause that asks decides first: the context names travel, the question asks where.
    ("we're trying to work out how far we'd have to travel, where is it exactly?", "place"),
    ("is there help with travel costs, where do we stay?", "travel and stay"),
    ("my son is 9, how many injections would he get?", "number of injections"),
])
def test_a_question_asks_for_its_topic(question, topic):
    assert asked_for(question).topic == topic


@pytest.mark.parametrize("question", ["What is the purpose of this trial?", "why would this work?",
                                      "is the treatment safe?", "",
                                      "what makes this different from surgery or pain medicine",
                                      "has it been given to people before or would i be the guinea pig",
                                      "has STS been safe in other people who got it?",
                                      "where does the drug actually go - into a vein or into the lump itself?",
                                      "what happens when they inject",  # "when" joins, asks no date
                                      "who is this trial meant for?",
                                      # "who" after a noun joins a clause and asks for no one
                                      "does everyone who takes part get the sts injections?",
                                      "did everyone who got it in the earlier studies get better?"])
def test_a_question_may_ask_for_nothing_in_particular(question):
    assert asked_for(question) is None and holds(None, "anything")


def test_only_what_answers_the_question_holds_it():
    count = asked_for("How many injections would I get?")
    assert not holds(count, "Intralesional Injection of STS")
    assert not holds(count, "Patient aged 2 years or over")  # a number, but not of injections
    assert holds(count, "Each patient receives three injections four weeks apart.")
    # "shots" is counted in the listing's words for it (lay_terms.yml).
    assert holds(asked_for("how many shots will she need"), "two injections are given")
    pain = asked_for("Does the injection hurt?")
    assert not holds(pain, "Intralesional Injection of STS")
    assert holds(pain, "The injection is given under local anaesthetic and is rarely painful.")
    start = asked_for("when does the study start?")
    assert not holds(start, "End date: Mar 18, 2023") and holds(start, "Study start: March 2019")
    assert not holds(asked_for("how long is the treatment period?"), "Patient aged 2 years or over")  # an age
    place = asked_for("where is the study done?")
    assert holds(place, "Sponsor: Hospital, Limoges") and not holds(place, "Even if the clinical, radiological signs differ")
    # A design's masking says who knows the treatment given, not whether there is a placebo.
    design = "Study design: masking (blinding): none (open label); model: prospective open controlled trial."
    assert holds(asked_for("is it blinded?"), design) and not holds(asked_for("do I get a placebo?"), design)
    investigator = asked_for("who leads the research, which doctor?")
    assert holds(investigator, "Robyn T Domsis, MD\nPrincipal Investigator") and not holds(investigator, "University Hospital, Limoges")


def test_a_section_of_the_kind_asked_for_says_it_whatever_its_words():
    # A registry field rendered as a sentence: "Number of participants: 45 planned" holds no
    # "45 participants", but an enrollment section is the number of participants.
    size = asked_for("How many patients are they planning to enroll?")
    assert not holds(size, "Number of participants: 45 planned (anticipated enrollment).")
    assert holds(size, "Number of participants: 45 planned (anticipated enrollment).", ["enrollment"])
    assert not holds(size, "Anticoagulant therapy", ["exclusion"])  # another kind of section does not
    lead = asked_for("who is the doctor in charge of the study")
    assert holds(lead, "Study director: Liping Jing, Doctor.", ["team"]) and not holds(lead, "Study director: Liping Jing, Doctor.")


def test_who_paid_asks_for_the_funder_not_about_payment():
    assert asked_for("who paid for this research").topic == "person"
    assert asked_for("will i get paid for taking part?").topic == "payment"


def test_topics_of_trial_questions_are_told_from_mere_kinds_of_fact():
    assert asked_for("do I get a placebo?").about_trials
    assert not asked_for("who won the football game").about_trials  # "who": a kind of fact, no trial topic


@pytest.mark.parametrize("question, term", [
    ("what does iPPSD2 mean?", "iPPSD2"), ("sorry what is ippsd2?? never heard of it", "ippsd2"),
    ("what is PHP1A", "PHP1A"), ("what is calcinosis", None), ("what is the NCT number of the trial?", None),
    ("what is sts used for", None),
    ("what would count as a contraindication to local injection?", "contraindication"),
    ("what does it mean that it's phase 2", None),  # "it" is no word of the texts
])
def test_a_question_asking_what_a_word_means(question, term):
    assert defined_term(question) == term


def test_the_topics_file_refuses_an_entry_without_its_patterns(tmp_path):
    broken = tmp_path / "topics.yml"
    broken.write_text(TOPICS_FILE.read_text().replace("answered_by: '\\b(placebo", "answered_by: no #", 1))
    with pytest.raises(ValueError, match="topics\\[\\d+\\]: needs"):
        _topics(broken)


def test_the_topics_file_refuses_a_clause_start_it_does_not_define(tmp_path):
    broken = tmp_path / "topics.yml"
    broken.write_text(TOPICS_FILE.read_text().replace("\nclause_start:", "\nunused:", 1))
    with pytest.raises(ValueError, match="uses \\{clause_start\\}"):
        _topics(broken)


@pytest.mark.parametrize("question, kind", [
    ("who runs it?", "person"), ("and who pays for it", "person"), ("so exactly who is in charge", "person"),
    ("does everyone who takes part get the injections?", None), ("and when will we hear back", "date"),
    ("so exactly when does it end", "date"), ("does it hurt when they inject?", "pain")])
def test_who_and_when_ask_at_the_start_of_a_clause(question, kind):
    asked = asked_for(question)
    assert (asked.topic if asked else None) == kind


@pytest.mark.parametrize("question, trial", [
    ("Does the injection hurt?", "STSINJ"),
    ("How many injections would I get?", "STSINJ"),
    ("do I get a placebo?", "NCT03582800"),
    ("What is the phone number of the study team?", "NCT03582800"),
    ("Is the Pittsburgh trial open to pregnant women?", "STSINJ"),  # its listing gives no criteria on it
    ("do they provide meals if we're there all day", "NCT03582800"),
    ("can i be in the room with her while they inject", "NCT03582800"),
    ("when did the Limoges study start?", "NCT03582800"),  # its listing gives the end date only
    ("whats the NCT number for this one", "STSINJ"),  # its listing has none
    ("what would count as a contraindication to local injection?", "NCT03582800"),
    ("is the STSINJ trial still recruiting?", "STSINJ"),  # its listing gives no status or dates
    ("are the results of the limoges trial published anywhere?", "NCT03582800"),
    ("who is on the multidisciplinary committee that validates the indication?", "NCT03582800"),
    ("if i stop my anticoagulant, how long do i have to wait before i can be included?", "NCT03582800"),
    ("my son is 9, is one parent's signature enough for the consent?", "NCT03582800"),
    ("what are the excipients in the STS they use?", "NCT03582800"),
    ("2% had mild side effects: which specific side effects?", "STSINJ"),
    ("is the injection done under ultrasound guidance?", "NCT03582800"),  # its listing does not say
])
def test_on_topic_sentences_that_do_not_say_it_are_no_answer(question, trial):
    answer = services().answerer.answer(question, [trial])
    assert answer.route in ("partial", "not_covered"), answer.render()
    assert "study team" in answer.render()


def test_a_trial_whose_text_says_it_answers_the_same_topic(knowledge_copy, uk_trial, tmp_path):
    """The topics are data shared by all trials: a listing that speaks of payment answers it."""
    page = uk_trial / "page.txt"
    page.write_text(page.read_text() + "Are participants paid?\nEach participant receives 50 pounds per visit "
                                       "for travel expenses.\n")
    trial_file = uk_trial / "trial.yml"
    trial_file.write_text(trial_file.read_text().replace(
        "      - {key: inclusion, heading: true, start: \"Who can join?\"}\n",
        "      - {key: inclusion, heading: true, start: \"Who can join?\"}\n"
        "      - {key: payment, heading: true, start: \"Are participants paid?\"}\n"))
    build(knowledge_copy, tmp_path / "index")
    trials = load_trials(knowledge_copy)
    answerer = QuestionAnswerer(Retriever(tmp_path / "index", knowledge_copy), trials, TrialNames.from_trials(trials))
    paid = answerer.answer("will I get paid for taking part?", ["DEMO-K2"])
    assert paid.route == "retrieval" and "50 pounds" in paid.render()
    assert answerer.answer("will I get paid for taking part?", ["STSINJ"]).route != "retrieval"


@pytest.mark.parametrize("question", ["is the trial open to children?", "she cant really understand papers anymore, "
                                      "could she still be in it"])
def test_words_near_a_topic_do_not_ask_for_it(question):
    assert asked_for(question) is None or asked_for(question).topic not in (
        "recruitment status", "publication of results")


def test_a_listing_that_says_it_answers_the_topic():
    answer = services().answerer.answer("do they use ultrasound to guide the needle?", ["STSINJ"])
    assert answer.route == "retrieval" and "ultrasound-guided" in answer.render()


def test_an_ended_listing_answers_whether_it_is_still_open():
    answer = services().answerer.answer("is the study still open?", ["NCT03582800"])
    assert answer.route == "retrieval" and "2023" in answer.render()


def test_quitting_a_medicine_is_not_leaving_the_study():
    assert asked_for("do i have to quit my meds to be in this??") is None
    answer = services().answerer.answer("do i have to quit my meds to be in this??", ["STSINJ"])
    assert answer.route == "retrieval" and answer.answering[0].passages[0].section == "medications"


def _passage(section, text, start, list_item=False):
    return Passage("STSINJ", section, section.title(), text, "stsinj/listing.txt", start, start + len(text), list_item)


class _RankedHits:
    """The retriever's ranking, given: the rule under test is what the answerer does with it."""

    def __init__(self, hits):
        self.hits = hits

    def retrieve_passages(self, question, trial=None, k=3, listing_words=""):
        return self.hits

    def section_passages(self, passage):
        return [passage]


def test_a_passage_ranked_first_by_a_shared_word_but_off_topic_does_not_answer(trials, names):
    off = _passage("safety", "Only 2% of patients reported mild side effects.", 0)
    on = _passage("medications", "The trial information does not specify whether you need to stop your medications.", 100)
    answerer = QuestionAnswerer(_RankedHits([Hit(off, 0.10, 0.90), Hit(on, 0.70, 0.70)]), trials, names)
    answer = answerer.answer("do i have to stop my medicines?", ["STSINJ"])
    assert answer.route == "retrieval" and answer.answering[0].passages == [on]


def test_when_words_and_meaning_point_to_two_sections_both_are_shown_each_with_its_source(trials, names):
    by_words = _passage("medications", "The trial information does not specify whether you need to stop your medicines.", 0)
    by_meaning = _passage("interventions", "Intralesional Injection of STS", 100, list_item=True)
    answerer = QuestionAnswerer(_RankedHits([Hit(by_words, 0.44, 1.24), Hit(by_meaning, 0.59, 0.87)]), trials, names)
    answer = answerer.answer("pills or shots?", ["STSINJ"])
    assert [p.passages for p in answer.answering] == [[by_words], [by_meaning]]
    reply = answer.render()
    assert reply.index("stop your medicines") < reply.index("Also relevant:") < reply.index("Intralesional")
    assert reply.count("(Source: ") == 2 and "For the" not in reply
    assert [s["section"] for s in answer.payload()["sources"]] == ["medications", "interventions"]
    # When the pre-screen's question follows in the same turn, the best part only.
    brief = answerer.answer("pills or shots?", ["STSINJ"], brief=True)
    assert [p.passages for p in brief.answering] == [[by_words]] and "Also relevant:" not in brief.render()


def test_a_second_section_less_close_in_meaning_is_not_shown(trials, names):
    first = _passage("medications", "The trial information does not specify whether you need to stop your medicines.", 0)
    weaker = _passage("interventions", "Intralesional Injection of STS", 100, list_item=True)
    answerer = QuestionAnswerer(_RankedHits([Hit(first, 0.60, 1.40), Hit(weaker, 0.50, 0.80)]), trials, names)
    assert [p.passages for p in answerer.answer("pills or shots?", ["STSINJ"]).answering] == [[first]]
