"""Reading a message: whether it asks something, asks for personal advice, or repeats the last
question for another trial (actions/questions.py, actions/follow_up.py)."""
from __future__ import annotations

import pytest

from actions.follow_up import repeats_last_question
from actions.questions import (asks_about_the_assistant, asks_about_the_question_only, asks_for_advice, asks_something_else, asks_to_join, is_question,
                               says_more_than_joining, without_asking_what_it_means)


@pytest.mark.parametrize("text", [
    "has the limoges team used sts before or is this the first time",
    "was it tested in other patients first", "may I bring my daughter", "any age limit", "who's the doctor",
    # question words as they are typed in a hurry
    "wot do the injections feel like", "hw many visits are there", "wen does it start",
])
def test_questions_without_a_question_mark_are_questions(text):
    assert is_question(text)


@pytest.mark.parametrize("text", ["the Limoges study", "thanks", "my son is 12", "whatever helps", "wendy is my daughter"])
def test_statements_are_not_questions(text):
    assert not is_question(text)


@pytest.mark.parametrize("text", [
    "Should I stop my blood thinner so that I can join?",
    "can i rub sodium thiosulfate cream on my son's lumps myself while we wait",
    "can my son take ibuprofen after the injection",
    "is it safe for me with my kidney disease?",
    "would this treatment help me?",
    "is it ok if I keep taking my warfarin",
    "do you think I should join?",
    "the lumps on her fingers break open, would the shots make that worse?",
    "do u think the shots would work for me",
    "if i get these injections will it cure me for good",
    "should we sign her up for the trial or wait and see if her new meds work first",
    "can i up my diltiazem dose myself while i wait",
    "can i just buy sodium thiosulfate online and rub it on myself",
    "would it be ok for my baby if i got sts injections somewhere else",
    "can i apply the sts cream on the open sores myself",
    # The assistant asked to recommend (they got the sentence comparing STS with surgery).
    "so would you recommend we try it? her doctor wants to do surgery to cut the lumps out instead",
    "would u recommend the injections for my son",
])
def test_requests_for_personal_advice(text):
    assert asks_for_advice(text)


@pytest.mark.parametrize("text", [
    "how old must I be to take part?",  # what the trial requires
    "my mum has dementia, could she take part",
    "can I take part if I am breastfeeding?",
    "Who should I contact?",
    "do I have to stop my current medicines to take part?",
    "how many days off work should i plan for after each injection",
    "is it ok if i get there late?",
    "who decides whether STS is right for me",
    "how can I apply, is there a phone number?",  # to the trial, not a cream
    "who would you recommend I contact about joining",
    "do you recommend any hotels near the hospital",
])
def test_questions_about_the_trial_are_not_requests_for_advice(text):
    assert not asks_for_advice(text)


@pytest.mark.parametrize("text, repeats", [
    ("and the Limoges one?", True),
    ("ok what about the limoges one then", True),
    ("what about pittsburgh?", True),
    ("and for the other one?", True),
    ("Limoges", False),  # a bare name picks the trial
    ("and what is the limoges one testing?", False),  # a new question
])
def test_a_follow_up_that_only_names_another_trial(names, text, repeats):
    assert repeats_last_question(text, names) == repeats


@pytest.mark.parametrize("text, suits, advice", [
    ("hi, is this right for me? I have dermatomyositis", True, False),
    ("would this trial be suitable for my son, he is 4", True, False),
    ("is this study a good fit for someone like me with lupus", True, False),
    # A treatment judged for one's own health stays a request for advice.
    ("is this treatment right for him with his heart problems?", False, True),
    ("is STS right for me", False, True),
    ("is this study right for me? should I stop my cream first?", False, True),
    ("would it be ok for my baby if i got sts injections somewhere else", False, True),
])
def test_asking_whether_the_study_suits_someone_is_no_request_for_advice(text, suits, advice):
    from actions.questions import asks_for_advice, asks_whether_it_suits

    assert (asks_whether_it_suits(text), asks_for_advice(text)) == (suits, advice)


@pytest.mark.parametrize("text, asks", [
    ("can my mum take part? she has scleroderma", True), ("can she still join this study some day?", True),
    ("do I qualify?", True), ("is my daughter eligible", True), ("can my son be in the study", True),
    ("how can my son join", False),  # how joining works: the answer and a button
    ("what happens if i join", False), ("she can take part, yes", False),
])
def test_asking_whether_someone_could_join(text, asks):
    from actions.questions import asks_whether_someone_can_join

    assert asks_whether_someone_can_join(text) is asks


@pytest.mark.parametrize("text, only", [
    ("what was the question again?", True), ("sorry can you repeat that", True), ("i dont get it", True),
    ("i dont know what you mean by measurable", True), ("what does that mean?", True),
    ("not sure what that means", True),
    ("stop, i dont understand it", False), ("i dont get it, can we end this", False),  # a request too
    ("i don't understand, change my answer", False), ("what is the purpose?", False), ("no", False),
    ("i don't want to continue", False), ("lets not continue", False),  # a request to stop
])
def test_asking_for_the_question_again_or_what_it_means(text, only):
    assert asks_about_the_question_only(text) is only


def test_what_is_left_once_the_asking_what_it_means_is_taken_out():
    assert without_asking_what_it_means("i don't understand the question").split() == ["i"]
    assert "measurable" in without_asking_what_it_means("i dont know what you mean by measurable")


@pytest.mark.parametrize("text, joining", [
    ("can my daughter do this study? she has systemic sclerosis", True),
    ("could my husband do this", True),
    ("can he be in the French one?", True),
    ("can i start? i have lupus", True),
    ("ok, can I do the questions then", True),
    ("is this study for people like me?", True),
    ("can I start the injections before the surgery?", False),
    ("my grandson is 13 with JDM. has STS been tried in children?", False),
    ("can we do the visits by video?", False),
])
def test_asking_to_take_part_is_told_from_other_questions(text, joining):
    assert asks_to_join(text) is joining


@pytest.mark.parametrize("text, something_else", [
    ("my grandson is 13 with JDM and calcinosis on his knees. what is this study testing?", True),
    ("hi, my mom has scleroderma. how do they give the medicine?", True),
    ("my son is 7 with PHP1a. how can he take part?", False),
    ("my grandson is 13 with JDM. has STS been tried in children?", False),
    ("my son is 7 with PHP1a, can he do this", False),
])
def test_a_question_about_the_study_told_with_facts_is_told_from_a_request_to_join(text, something_else):
    assert asks_something_else(text) is something_else


@pytest.mark.parametrize("text, more", [
    # Seen in the widget: "could she take part though?" was answered from the texts (a criterion on
    # contraception) instead of starting the pre-screen.
    ("could she take part though?", False),
    ("can my son really join too?", False),
    ("could I actually be part of this at all?", False),
    ("maybe I could sign up?", False),
    ("I take warfarin, could I take part though?", True),
    ("is lupus one of the diseases? can I join too?", True),
])
def test_words_that_only_colour_a_request_to_join_say_nothing_more(text, more):
    assert says_more_than_joining(text) is more


@pytest.mark.parametrize("text, about", [
    ("Hello, what is this site about?", True), ("what can you do?", True), ("whats this page for", True),
    ("what are you for?", True),
    # questions about the trials
    ("what can you tell me about the dose?", False), ("what is this study about?", False),
    ("what is this site about, and who runs the trial?", False), ("which sites take part?", False),
])
def test_asking_what_the_assistant_is_for(text, about):
    assert asks_about_the_assistant(text) is about
