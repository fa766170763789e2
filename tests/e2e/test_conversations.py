"""Whole conversations as patients hold them, over REST and the widget's Socket.IO channel: the
conversations issue's messages (nothing deleted without a yes, joining in everyday words, openers
with facts, corrections, emergencies in any state, follow-ups, French), and the conversation test
set (tests/eval/conversations_test.yml, never tuned on) against its floors."""
from __future__ import annotations

import uuid

import pytest

from actions import conversations
from servers import Chat, SocketChat, payloads

LIMOGES, PITTSBURGH = {"trial": "NCT03582800"}, {"trial": "STSINJ"}
EMERGENCY = "call emergency services"


@pytest.fixture(params=["rest", "socket"])
def patient(request, servers):
    """A new patient over REST or over Socket.IO, with the same `send`."""
    if request.param == "rest":
        yield Chat(servers["rasa_port"], f"conv-{uuid.uuid4().hex[:10]}")
        return
    chat = SocketChat(f"http://localhost:{servers['rasa_port']}", servers["web_origin"]).connect()
    yield chat
    chat.close()


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages: list[dict]) -> list[dict]:
    """Buttons, as REST sends them, or quick replies, as Socket.IO does."""
    return [b for m in messages for b in m.get("buttons") or m.get("quick_replies") or []]


def criterion(messages: list[dict]) -> str | None:
    questions = payloads(messages, "eligibility_question")
    return questions[-1]["criterion"] if questions else None


def screen_to_age(patient) -> None:
    """Three answers stored: diagnosis, age, planned surgery."""
    patient.send("am I eligible?", LIMOGES)
    patient.send("Calcium deposits from dermatomyositis", LIMOGES)
    patient.send("she is 30", LIMOGES)
    assert criterion(patient.send("no", LIMOGES)) == "sts_allergy"


# The messages that deleted answers, and more of their kind: questions, or stopping a treatment.
NOT_DELETING = [
    "do I need to stop my blood thinners?", "and do they need to stop blood thinners?", "stop my warfarin",
    "stop the injections", "what happens if we stop the injections halfway through?", "can she quit her methotrexate?",
    "what if I forget a dose of my medicine?", "i started warfarin last week", "i forgot to say she takes aspirin",
    "do they stop the injections if it doesn't work?", "if i stop will my data be deleted?",
    "when can she start the injections?", "can we cancel later if she changes her mind?",
    "should I come off my prednisone first?", "is there a way to stop the lumps growing?",
    "can she start the study after her surgery?", "will the study end before she turns 18?",
    "what happens if I forget to come to a visit?", "can I stop my birth control after the study?",
    "do people stop the trial early because of side effects?", "would they delete my data if I leave?",
    "how do I start the process?",
]


@pytest.mark.parametrize("text", NOT_DELETING)
def test_a_question_or_a_treatment_after_stop_never_deletes_the_answers(servers, workdir, text):
    """Over REST: the answers are still in the store, the open question follows, nothing was asked
    about deleting."""
    patient = Chat(servers["rasa_port"], f"keep-{uuid.uuid4().hex[:10]}")
    screen_to_age(patient)
    replies = patient.send(text, LIMOGES)
    assert not payloads(replies, "confirm_deletion") and "deleted" not in texts(replies), texts(replies)
    assert conversations.StoredAnswers(workdir / "tracker.db")(patient.sender)["age"] == 30
    assert criterion(replies) == "sts_allergy" or criterion(patient.send("go on", LIMOGES)) == "sts_allergy"


@pytest.mark.parametrize("request_", ["stop", "start over", "forget my answers", "cancel", "I want to stop now"])
def test_deleting_asks_once_and_only_a_yes_deletes(patient, request_):
    screen_to_age(patient)
    asked = patient.send(request_, LIMOGES)
    assert payloads(asked, "confirm_deletion")
    assert [b["title"] for b in buttons(asked)] == ["Yes, delete my answers", "No, keep going"]
    kept = patient.send("No, keep going", LIMOGES)
    assert "haven't deleted anything" in texts(kept) and criterion(kept) == "sts_allergy"
    assert not payloads(kept, "answer")  # nothing looked up in the texts for "no, keep going"
    patient.send(request_, LIMOGES)
    deleted = patient.send("Yes, delete my answers", LIMOGES)
    assert "deleted" in texts(deleted)
    if request_ == "start over":
        assert criterion(deleted) == "diagnosis"


def test_anything_but_yes_keeps_the_answers_and_answers_a_question(patient):
    screen_to_age(patient)
    patient.send("forget my answers", LIMOGES)
    # ("who is running this study?" gets the wrong section here: a known fault, docs/evaluation.md,
    # fourteenth session; this test is about what the deletion keeps.)
    replies = patient.send("who sponsors this study?", LIMOGES)
    assert "University Hospital, Limoges" in texts(replies) and "deleted" not in texts(replies).replace("haven't deleted", "")
    assert criterion(replies) == "sts_allergy"


@pytest.mark.parametrize("text, page", [
    ("Can I join the Limoges sodium thiosulfate study?", PITTSBURGH), ("could I be part of this trial", LIMOGES),
    ("can I sign up for this?", LIMOGES), ("how do I find out if I can get into this one", PITTSBURGH),
    ("is this study right for me?", LIMOGES), ("is it for people like me?", PITTSBURGH),
    ("could my mum take part?", PITTSBURGH), ("does my son qualify", LIMOGES),
])
def test_asking_to_join_in_everyday_words_starts_the_pre_screen(patient, text, page):
    replies = patient.send(text, page)
    assert payloads(replies, "eligibility_question") or payloads(replies, "eligibility_result"), texts(replies)


def test_how_joining_works_gets_the_answer_and_a_button_that_starts_it(patient):
    replies = patient.send("how do I sign up?", LIMOGES)
    assert payloads(replies, "answer") and not payloads(replies, "eligibility_question")
    button = next(b for b in buttons(replies) if b["payload"] == "/check_eligibility")
    assert criterion(patient.send(button["payload"], LIMOGES)) == "diagnosis"


def test_an_ok_to_the_offer_of_a_pre_screen_starts_it(patient):
    patient.send("how do I sign up?", LIMOGES)
    assert criterion(patient.send("ok", LIMOGES)) == "diagnosis"


def test_an_acknowledgement_after_an_answer_is_not_thanked_and_asks_what_else(patient):
    assert payloads(patient.send("how are the injections given?", PITTSBURGH), "answer")
    for text in ("ok", "i see, that's a lot of needles"):
        reply = texts(patient.send(text, PITTSBURGH))
        assert "anything else" in reply.lower() and "welcome" not in reply.lower(), reply


def test_a_parents_opener_fills_the_answers_and_asks_about_her(patient):
    replies = patient.send("my 9 year old girl has pseudohypoparathyroidism and little bony lumps under her skin. "
                           "could she be in the french trial?", PITTSBURGH)
    question = payloads(replies, "eligibility_question")[-1]
    assert question["trial"] == "NCT03582800" and question["criterion"] == "planned_surgery"
    assert "your daughter" in texts(replies)


def test_an_age_in_months_under_two_years_is_taken(patient):
    replies = patient.send("my daughter is 18 months old and has iPPSD2, can she join?", LIMOGES)
    result = payloads(replies, "eligibility_result")[-1]
    assert result["outcome"] == "likely_not_eligible" and {"key": "age", "answer": 1.5, "met": False} in result["criteria"]
    assert "18 months" in texts(replies) and "change my answer" in texts(replies)


def test_an_opener_that_rules_out_gets_the_outcome_with_the_criterion_said_once(patient):
    replies = patient.send("I take warfarin, can I still join?", LIMOGES)
    result = payloads(replies, "eligibility_result")[-1]
    assert result["outcome"] == "likely_not_eligible"
    assert texts(replies).count("Anticoagulant therapy") == 1
    assert "The trial's exclusion criteria include: “Anticoagulant therapy”" in texts(replies)


def test_a_babys_age_is_not_the_age_of_the_mother_who_would_take_part(patient):
    replies = patient.send("im still breastfeeding my 4 month old, can i join", LIMOGES)
    assert "4 month" not in texts(replies).lower()
    assert not any(c["key"] == "age" for r in payloads(replies, "eligibility_result") for c in r["criteria"])


def test_a_reply_that_answers_another_question_is_kept_and_the_question_asked_of_that_person(patient):
    patient.send("can I take part?", LIMOGES)
    replies = patient.send("my son is 5", LIMOGES)
    assert "How old is your son? 5 years" in texts(replies)
    assert criterion(replies) == "diagnosis" and "Which of these does your son have?" in texts(replies)


def test_a_question_asked_while_choosing_the_trial_is_answered_and_the_screening_goes_on(patient):
    patient.send("i want to join")  # the index page: which trial?
    replies = patient.send("is the pittsburgh one still open?")
    assert payloads(replies, "answer") and criterion(replies) == "condition"
    replies = patient.send("ok the american one then")
    assert not payloads(replies, "answer") and criterion(replies) == "condition"


def test_asking_for_the_question_again_or_what_it_means_gets_it_and_deletes_nothing(patient):
    patient.send("can i join", PITTSBURGH)
    patient.send("lupus", PITTSBURGH)
    patient.send("yes", PITTSBURGH)
    replies = patient.send("i dont know what you mean by measurable", PITTSBURGH)  # was: "delete your answers?"
    assert not payloads(replies, "confirm_deletion") and "We ask because" in texts(replies)
    replies = patient.send("what was the question again?", PITTSBURGH)  # was: answered from the listing
    assert not payloads(replies, "answer") and criterion(replies) == "measurable_lesions"


def test_a_correction_that_names_the_old_answer_too_is_taken(patient):
    patient.send("can I take part?", PITTSBURGH)
    patient.send("scleroderma", PITTSBURGH)
    replies = patient.send("it's dermatomyositis actually, not scleroderma", PITTSBURGH)
    assert "changed your answer" in texts(replies) and "Dermatomyositis" in texts(replies)
    assert criterion(replies) == "calcinosis"


@pytest.mark.parametrize("text, page", [
    ("these lumps have taken everything from me. some nights I just want to go to sleep and not wake up", LIMOGES),
    ("the injection spot is bleeding through the bandage and it just won't stop", PITTSBURGH),
])
def test_indirect_emergencies_come_first_in_any_state(patient, text, page):
    assert EMERGENCY in texts(patient.send(text, page)[:1]).lower()
    patient.send("am I eligible?", page)
    assert EMERGENCY in texts(patient.send(text, page)[:1]).lower()


def test_a_french_emergency_gets_the_reply_in_french_first_with_the_sites_number(patient):
    replies = patient.send("Après l'injection ma fille a les lèvres qui gonflent et elle respire mal", LIMOGES)
    assert replies[0]["text"].startswith("S'il s'agit d'une urgence, appelez les secours maintenant")
    assert "15 ou le 112" in texts(replies)


def test_another_french_message_gets_a_french_note_with_the_contact(patient):
    replies = patient.send("Bonjour, est-ce que l'étude est toujours ouverte ?", LIMOGES)
    assert payloads(replies, "language_note") and "Je ne peux répondre qu'en anglais" in texts(replies)
    assert EMERGENCY not in texts(replies).lower()


def test_after_an_emergency_going_on_asks_the_open_question_again(patient):
    screen_to_age(patient)
    assert EMERGENCY in texts(patient.send("I can't breathe", LIMOGES)[:1]).lower()
    assert criterion(patient.send("thanks. I'm ok to keep going with the questions now", LIMOGES)) == "sts_allergy"


def test_a_bare_reply_just_after_an_emergency_answers_nothing_and_what_was_asked_is_asked_again(patient, workdir):
    """A "no" or "yes" right after the emergency reply may answer anything: it was recorded for the
    open question (or, after "forget my answers", instead of the deletion's yes)."""
    screen_to_age(patient)
    assert EMERGENCY in texts(patient.send("I've got a sudden bad headache and my vision is blurry, is that normal?",
                                           LIMOGES)[:1]).lower()
    assert criterion(patient.send("no", LIMOGES)) == "sts_allergy"  # asked again, not answered "no"
    patient.send("forget my answers", LIMOGES)
    assert EMERGENCY in texts(patient.send("hang on, my chest is really tight and my left arm has gone numb",
                                           LIMOGES)[:1]).lower()
    assert payloads(patient.send("yes", LIMOGES), "confirm_deletion")  # the deletion question again
    assert "deleted" in texts(patient.send("yes", LIMOGES))
    if isinstance(patient, Chat):
        assert not conversations.StoredAnswers(workdir / "tracker.db")(patient.sender)


def test_follow_ups_ask_the_last_question_again_for_the_trial_they_point_at(patient):
    assert "Domsi" in texts(patient.send("who is the principal investigator?", PITTSBURGH))
    french = patient.send("and the french one?", PITTSBURGH)  # its listing names no investigator
    assert payloads(french, "answer")[0]["route"] in ("not_covered", "partial")
    assert "Limoges" in texts(french) and "Domsi" not in texts(french)
    patient.send("what is the youngest age?", PITTSBURGH)
    this_one = patient.send("and on this one?", LIMOGES)  # the page changed
    assert "2 years" in texts(this_one)


# Floors just below what the conversation test set measured on 2026-12-05 (make eval; docs/evaluation.md,
# "Conversations and the NLU"): turns right 0.900, requests to join that started the pre-screen 0.988;
# on 2026-12-06 (fifteenth session) 0.915 and 0.988: the turns' floor is the issue's target, 0.9.
FLOORS = {"turns_right": 0.90, "join_started": 0.96}
CEILINGS = {"deleted_without_yes": 0, "emergency_missed": 0}


@pytest.fixture(scope="module")
def conversation_test_summary(servers, workdir):
    graded = conversations.ask_conversations_over_rest(f"http://localhost:{servers['rasa_port']}",
                                                       conversations.load_conversations("test"),
                                                       conversations.StoredAnswers(workdir / "tracker.db"))
    summary = conversations.summarise_turns(graded)
    print({k: summary[k] for k in [*FLOORS, *CEILINGS]})
    return summary


@pytest.mark.parametrize("measure, floor", FLOORS.items())
def test_conversation_floor_on_the_test_set(conversation_test_summary, measure, floor):
    assert conversation_test_summary[measure] >= floor


@pytest.mark.parametrize("measure, ceiling", CEILINGS.items())
def test_conversation_ceiling_on_the_test_set(conversation_test_summary, measure, ceiling):
    assert conversation_test_summary[measure] <= ceiling
