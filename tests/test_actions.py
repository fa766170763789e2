"""Every custom action, run on trackers built from fixtures; the exact events and replies asserted."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as rasa_actions, replies
from actions.replies import START_SCREENING_BUTTON
from actions.messages import MESSAGES_FILE, say
from actions.retrieval import IndexNotReady
from actions.services import services


def tracker(text: str, intent: str = "ask_question", slots: dict | None = None, metadata: dict | None = None,
            entities: list | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "metadata": metadata or {}}
    return Tracker("test-user", {"trial": None, **(slots or {})}, latest, [], False, None, None, "action_listen")


def run(action_class, tr: Tracker):
    dispatcher = CollectingDispatcher()
    events = action_class().run(dispatcher, tr, {})
    return dispatcher.messages, events


def texts(messages) -> list[str]:
    return [m["text"] for m in messages]


def slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def sources(message) -> list[tuple[str, str]]:
    """(trial, section) of each source in the message's `answer` payload, the widget's citation."""
    assert message["custom"]["type"] == "answer"
    return [(s["trial"], s["section"]) for s in message["custom"]["sources"]]


def test_answer_uses_the_trial_from_page_metadata_and_remembers_it():
    messages, events = run(rasa_actions.ActionAnswerQuestion,
                           tracker("Who is the principal investigator?", metadata={"trial": "STSINJ"}))
    assert slots(events) == {"trial": "STSINJ", "last_question": "Who is the principal investigator?",
                             "answer_sources": messages[0]["custom"]["sources"]}
    assert len(messages) == 1
    assert "Domsis" in messages[0]["text"]
    assert "(Source: STSINJ trial (University of Pittsburgh), section “Who Is on the Research Team?”)" in messages[0]["text"]
    assert sources(messages[0]) == [("STSINJ", "team")] and messages[0]["custom"]["route"] == "retrieval"
    # The answer is the sentence that answers, not the section.
    assert len(messages[0]["text"]) < 200


def test_asking_how_to_reach_someone_gets_the_contact_after_the_answer():
    messages, _ = run(rasa_actions.ActionAnswerQuestion,
                      tracker("who is the lead doctor and how do I get in touch with him", slots={"trial": "STSINJ"}))
    assert "Domsis" in messages[0]["text"]
    assert messages[1]["text"] == say("contacts", contacts=f"STSINJ trial (University of Pittsburgh): "
                                                          f"{services().trials['STSINJ'].contact}")


def test_the_team_calling_the_patient_is_no_request_for_its_contacts():
    messages, _ = run(rasa_actions.ActionAnswerQuestion,
                      tracker("after they call me is there more testing before i'm accepted", slots={"trial": "NCT03582800"}))
    assert not any("How to reach the study team" in t for t in texts(messages))


def test_answer_from_remembered_trial_sets_no_slot():
    messages, events = run(rasa_actions.ActionAnswerQuestion,
                           tracker("How old do you have to be to join?", slots={"trial": "NCT03582800"}))
    assert "trial" not in slots(events)
    assert "Patient aged 2 years or over" in messages[0]["text"]


def test_safety_answer_adds_the_investigational_notice():
    messages, _ = run(rasa_actions.ActionAnswerQuestion,
                      tracker("Is there evidence this treatment is safe?", slots={"trial": "STSINJ"}))
    # The notice first: the listing's "STS is quite safe" is then read as the listing's, not the assistant's.
    assert texts(messages)[0] == say("investigational")
    assert "2% of patients" in texts(messages)[1]


def test_a_criterion_in_the_answer_is_no_claim_on_safety_or_effect():
    # "on highly effective contraception" says who may join: no "still being studied" notice before it.
    answer = services().answerer.answer("do women have to use contraception?", ["NCT03582800"])
    assert "highly effective contraception" in answer.render() and not answer.investigational
    assert services().answerer.answer("does it work?", ["STSINJ"]).investigational


def test_question_without_trial_is_answered_for_each_trial_labelled_then_asks_which():
    messages, events = run(rasa_actions.ActionAnswerQuestion, tracker("Who is the sponsor of the study?"))
    assert "trial" not in slots(events)
    assert sources(messages[0]) == [("NCT03582800", "sponsor"), ("STSINJ", "sponsor")]
    answer = messages[0]["text"]
    assert "For the STSINJ trial (University of Pittsburgh):" in answer
    assert "For the NCT03582800 study (University Hospital Limoges):" in answer
    assert messages[1]["text"] == say("ask_which_trial")
    assert [b["payload"] for b in messages[1]["buttons"]] == ['/choose_trial{"trial":"NCT03582800"}',
                                                           '/choose_trial{"trial":"STSINJ"}']


def test_a_question_while_the_pre_screen_asks_which_trial_does_not_ask_it_twice():
    messages, _ = run(rasa_actions.ActionAnswerQuestion, tracker("Who is the sponsor of the study?",
                                                                 slots={"requested_slot": "trial"}))
    assert "For the STSINJ trial (University of Pittsburgh):" in messages[0]["text"]
    assert all(m.get("text") != say("ask_which_trial") for m in messages)  # the form asks which trial next


def test_question_the_texts_do_not_answer_points_to_the_study_team():
    messages, events = run(rasa_actions.ActionAnswerQuestion,
                           tracker("Is there parking at the clinic?", slots={"trial": "STSINJ"}))
    contact = services().trials["STSINJ"].contact
    assert texts(messages) == [say("not_covered", contacts=f"STSINJ trial (University of Pittsburgh): {contact}")]
    custom = messages[0]["custom"]
    assert (custom["type"], custom["route"], custom["sources"]) == ("answer", "not_covered", [])
    # The best passage's score is sent even when nothing answered: make report reads it.
    assert isinstance(custom["score"], float) and custom["score"] < 0.5
    assert slots(events) == {"last_question": "Is there parking at the clinic?", "answer_sources": []}


def test_a_question_on_topic_that_the_text_does_not_answer_says_so_and_quotes_the_nearest():
    messages, _ = run(rasa_actions.ActionAnswerQuestion,
                      tracker("How many injections would I get?", slots={"trial": "STSINJ"}))
    reply = messages[0]["text"]
    assert reply.startswith("The trial information doesn't say that.") and "Intralesional Injection of STS" in reply
    assert services().trials["STSINJ"].contact in reply
    assert messages[0]["custom"]["route"] == "partial" and sources(messages[0]) == [("STSINJ", "interventions")]


def test_naming_another_trial_switches_the_context():
    messages, events = run(rasa_actions.ActionAnswerQuestion,
                           tracker("Who sponsors the Limoges study?", slots={"trial": "STSINJ"}))
    assert slots(events)["trial"] == "NCT03582800"
    assert "University Hospital, Limoges" in messages[0]["text"] and "NIAMS" not in messages[0]["text"]


def test_medical_advice_is_declined_with_the_relevant_text_and_contact():
    messages, events = run(rasa_actions.ActionDeclineMedicalAdvice,
                           tracker("Should I stop my blood thinner so that I can join?", "ask_medical_advice",
                                   slots={"trial": "NCT03582800"}))
    assert events == []
    [reply] = texts(messages)
    assert reply.startswith(say("medical_advice"))
    assert reply.endswith(say("contacts", contacts="NCT03582800 study (University Hospital Limoges): "
                                                   + services().trials["NCT03582800"].contact))
    assert messages[0]["custom"]["route"] == "medical_advice"


def test_choose_trial_from_a_button_entity():
    messages, events = run(rasa_actions.ActionChooseTrial,
                           tracker("/choose_trial", "choose_trial", entities=[{"entity": "trial", "value": "STSINJ"}]))
    assert events == [SlotSet("trial", "STSINJ")]
    assert texts(messages) == [say("trial_chosen", trial_label="STSINJ trial (University of Pittsburgh)")]


def test_choosing_a_trial_after_the_list_answers_the_question_the_list_was_given_for():
    """"which diseases are these studies for" on the general page got the list of trials and "which
    trial?": "the french one" answers it for Limoges (it got "What would you like to know?")."""
    buttons = replies.trial_buttons(services())
    events = [{"event": "user", "text": "which diseases are these studies for"},
              {"event": "bot", "text": "I can answer questions about these trials: ...", "data": {}},
              {"event": "bot", "text": say("ask_which_trial"), "data": {"buttons": buttons}},
              {"event": "user", "text": "the french one"}]
    tr = tracker("the french one", "choose_trial")
    tr.events = events
    messages, got = run(rasa_actions.ActionChooseTrial, tr)
    assert "iPPSD2" in messages[0]["text"] and messages[0]["custom"]["type"] == "answer"
    assert slots(got)["trial"] == "NCT03582800" and slots(got)["last_question"] == "which diseases are these studies for"
    # After a reply that answered (for each trial), the choice only chooses.
    events[1]["data"] = {"custom": {"type": "answer"}}
    tr.events = events
    messages, _ = run(rasa_actions.ActionChooseTrial, tr)
    assert texts(messages)[0] == say("trial_chosen", trial_label="NCT03582800 study (University Hospital Limoges)")


def test_choose_trial_from_words_with_a_typo():
    _, events = run(rasa_actions.ActionChooseTrial, tracker("the limoge one", "choose_trial"))
    assert events == [SlotSet("trial", "NCT03582800")]


def test_a_question_naming_a_trial_gets_its_ended_listing_note_once():
    # (After the answer's source line, the note calls the trial "the study": it is named once.)
    ended = say("listing_ended", trial_label="study", end="18 March 2023")
    for question in ("is the limoges study still open?", "we live in lyon, is there a site closer to us than limoges?"):
        messages, _ = run(rasa_actions.ActionChooseTrial, tracker(question, "choose_trial"))
        assert texts(messages).count(ended) == 1, texts(messages)
        assert sum("end date of 18 March 2023" in t for t in texts(messages)) == 1, texts(messages)


def test_a_question_whether_an_ended_listing_was_extended_gets_its_end_date():
    ended = say("listing_ended", trial_label="study", end="18 March 2023")
    messages, _ = run(rasa_actions.ActionAnswerQuestion,
                      tracker("has the study been extended?", metadata={"trial": "NCT03582800"}))
    assert ended in texts(messages), texts(messages)


def test_choose_trial_that_is_not_understood_offers_buttons():
    messages, events = run(rasa_actions.ActionChooseTrial,
                           tracker("the other one", "choose_trial", entities=[{"entity": "trial", "value": "FAKE"}]))
    assert events == []
    assert messages[0]["text"] == say("ask_which_trial") and len(messages[0]["buttons"]) == 2


def test_greeting_lists_the_trials_and_asks_which_when_none_is_known():
    messages, events = run(rasa_actions.ActionGreet, tracker("hello", "greet"))
    assert events == []
    assert "STSINJ trial (University of Pittsburgh)" in messages[0]["text"] and "not a doctor" in messages[0]["text"]
    assert messages[1]["text"] == say("ask_which_trial")


def test_a_question_about_the_site_itself_says_what_the_assistant_does():
    # "Hello, what is this site about?" got the two trials' sites (the word "site").
    messages, _ = run(rasa_actions.ActionAnswerQuestion, tracker("Hello, what is this site about?"))
    assert messages[0]["text"].startswith("I'm an information assistant") and not messages[0].get("custom")
    assert messages[1]["text"] == say("ask_which_trial")
    messages, _ = run(rasa_actions.ActionHandleFallback, tracker("what can you do?", "nlu_fallback"))
    assert messages[0]["text"].startswith("I'm an information assistant")
    messages, _ = run(rasa_actions.ActionAnswerQuestion, tracker("which sites take part?", slots={"trial": "STSINJ"}))
    assert "University of Pittsburgh" in messages[0]["text"] and messages[0].get("custom")


def test_greeting_on_a_trial_page_remembers_the_trial():
    messages, events = run(rasa_actions.ActionGreet, tracker("hi", "greet", metadata={"trial": "NCT03582800"}))
    assert events == [SlotSet("trial", "NCT03582800")]
    assert len(messages) == 1


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_fallback_asks_for_a_question_when_the_message_is_empty(text):
    messages, events = run(rasa_actions.ActionHandleFallback, tracker(text, "nlu_fallback"))
    assert (texts(messages), events) == ([say("please_type")], [])


def test_fallback_says_it_did_not_understand_gibberish():
    messages, _ = run(rasa_actions.ActionHandleFallback, tracker("sdfkj qwpoeiru zxmcv", "nlu_fallback"))
    assert texts(messages) == [say("not_understood")]


def test_off_topic_message_gets_the_scope_explanation():
    messages, _ = run(rasa_actions.ActionHandleFallback, tracker("tell me a joke", "out_of_scope"))
    assert texts(messages) == [say("out_of_scope")]


def test_a_question_patients_ask_about_trials_misread_as_off_topic_is_said_not_covered():
    messages, _ = run(rasa_actions.ActionHandleFallback, tracker("do I get a placebo", "out_of_scope",
                                                                 slots={"trial": "NCT03582800"}))
    assert messages[0]["custom"]["route"] in ("partial", "not_covered")
    assert "Connect with a study center" in messages[0]["text"] and say("out_of_scope") not in texts(messages)


def test_a_follow_up_misread_as_off_topic_is_answered_and_a_new_subject_is_not():
    follow_up = {"trial": "STSINJ", "last_question": "who runs the pittsburgh study?"}
    messages, _ = run(rasa_actions.ActionHandleFallback, tracker("and who funds it?", "out_of_scope", slots=follow_up))
    assert "NIAMS" in messages[0]["text"] and say("out_of_scope") not in texts(messages)
    messages, _ = run(rasa_actions.ActionHandleFallback, tracker("who won the world cup", "out_of_scope", slots=follow_up))
    assert texts(messages) == [say("out_of_scope")]
    messages, _ = run(rasa_actions.ActionHandleFallback, tracker("and who won the world cup?", "out_of_scope",
                                                                 slots=follow_up))
    assert messages[0]["custom"]["route"] == "not_covered"  # a follow-up, answered honestly


def test_clear_trial_question_misread_as_off_topic_is_still_answered():
    messages, events = run(rasa_actions.ActionHandleFallback,
                           tracker("Do I have to stop my current medicines to take part?", "out_of_scope",
                                   slots={"trial": "STSINJ"}))
    assert "does not specify whether you need to stop" in messages[0]["text"]
    assert "trial" not in slots(events)


def test_answer_when_the_index_went_stale_apologises(monkeypatch):
    def stale(*args, **kwargs):
        raise IndexNotReady("The index is stale")
    monkeypatch.setattr(services().answerer, "answer", stale)
    messages, events = run(rasa_actions.ActionAnswerQuestion, tracker("What is the purpose?"))
    assert (texts(messages), events) == ([say("service_unavailable")], [])


def test_debug_mode_shows_passages_and_scores(monkeypatch):
    monkeypatch.setattr(replies, "DEBUG", True)
    messages, _ = run(rasa_actions.ActionAnswerQuestion, tracker("What is the purpose?", slots={"trial": "STSINJ"}))
    debug = messages[-1]["text"]
    assert debug.startswith("[debug] route retrieval") and "STSINJ/purpose" in debug


def test_every_message_is_used():
    source = "".join(p.read_text() for p in Path(rasa_actions.__file__).parent.glob("*.py"))
    unused = [key for key in yaml.safe_load(MESSAGES_FILE.read_text()) if f'"{key}"' not in source]
    assert unused == []


def test_choosing_a_trial_with_a_question_answers_it():
    messages, events = run(rasa_actions.ActionChooseTrial,
                           tracker("Who sponsors the Limoges study?", "choose_trial"))
    assert slots(events)["trial"] == "NCT03582800"
    assert "University Hospital, Limoges" in messages[0]["text"] and sources(messages[0]) == [("NCT03582800", "sponsor")]


def test_unsure_nlu_on_a_question_still_answers_it():
    messages, _ = run(rasa_actions.ActionHandleFallback,
                      tracker("How old do you have to be?", "nlu_fallback", slots={"trial": "NCT03582800"}))
    assert "Patient aged 2 years or over" in messages[0]["text"]


def test_a_status_question_notes_that_the_listing_end_date_has_passed():
    messages, _ = run(rasa_actions.ActionAnswerQuestion,
                      tracker("is the Limoges study still running?", slots={"trial": "NCT03582800"}))
    # (named in the answer's source line just before: "the study")
    assert messages[-1]["text"] == say("listing_ended", trial_label="study", end="18 March 2023")


@pytest.mark.parametrize("question", ["who is running the Limoges study?",
                                      "my dad is over 80, what are the age limits of the Limoges study?"])
def test_running_or_over_in_another_sense_is_no_status_question(question):
    messages, _ = run(rasa_actions.ActionAnswerQuestion, tracker(question, slots={"trial": "NCT03582800"}))
    assert "which has passed" not in " ".join(texts(messages))
    assert not replies._STATUS_QUESTION.search(question)


def test_open_label_is_no_status_question_and_still_open_is():
    assert not replies._STATUS_QUESTION.search("is it an open-label study?")
    assert replies._STATUS_QUESTION.search("is it still open?") and replies._STATUS_QUESTION.search("who is it open to?")


def test_no_end_date_note_for_a_listing_without_one_or_before_it():
    from datetime import date
    svc = services()
    assert replies.still_open_notes([svc.trials["STSINJ"]]) == []
    assert replies.still_open_notes([svc.trials["NCT03582800"]], today=date(2023, 3, 1)) == []


def test_fallback_when_the_index_went_stale_apologises_too(monkeypatch):
    def stale(*args, **kwargs):
        raise IndexNotReady("The index is stale")
    monkeypatch.setattr(services().answerer, "answer", stale)
    messages, events = run(rasa_actions.ActionHandleFallback, tracker("How old do you have to be?", "nlu_fallback"))
    assert (texts(messages), events) == ([say("service_unavailable")], [])


@pytest.mark.parametrize("action, intent, text", [
    (rasa_actions.ActionChooseTrial, "choose_trial", "and the Limoges one?"),
    (rasa_actions.ActionAnswerQuestion, "ask_question", "and the Limoges one?"),
    # The classifier reads a message that names a trial as asking for the list of trials.
    (rasa_actions.ActionListTrials, "list_trials", "what about the french one"),
    (rasa_actions.ActionHandleFallback, "nlu_fallback", "what about the french one")])
def test_and_the_other_trial_asks_the_last_question_again(action, intent, text):
    messages, events = run(action, tracker(text, intent,
                                           slots={"trial": "STSINJ", "last_question": "Who sponsors the study?"}))
    assert sources(messages[0]) == [("NCT03582800", "sponsor")]
    assert "University Hospital, Limoges" in messages[0]["text"] and "NIAMS" not in messages[0]["text"]
    assert slots(events)["trial"] == "NCT03582800"


def test_show_the_whole_section_sends_the_section_the_last_answer_came_from():
    first, events = run(rasa_actions.ActionAnswerQuestion,
                        tracker("Is there evidence this treatment is safe?", slots={"trial": "STSINJ"}))
    [answer] = [m for m in first if m.get("custom")]  # after the investigational notice
    assert answer["buttons"] == [replies.MORE_BUTTON]
    messages, events = run(rasa_actions.ActionShowSection,
                           tracker("show the whole section", "show_section", slots=slots(events)))
    [section] = texts(messages)
    assert len(section) > len(answer["text"]) and "well-tolerated" in section
    assert section.endswith("(Source: STSINJ trial (University of Pittsburgh), section “Is there any evidence "
                            "suggesting that this treatment is likely to be safe for humans?”)")


def test_show_the_whole_section_with_nothing_answered_yet_says_so():
    messages, _ = run(rasa_actions.ActionShowSection, tracker("show the whole section", "show_section"))
    assert texts(messages) == [say("no_section")]


@pytest.mark.parametrize("action, text, intent, route, reason", [
    (rasa_actions.ActionAnswerQuestion, "Is there parking at the clinic?", "ask_question", "not_covered", "below the answer threshold"),
    (rasa_actions.ActionAnswerQuestion, "How many injections would I get?", "ask_question", "partial", "nothing on number of injections"),
    (rasa_actions.ActionDeclineMedicalAdvice, "Should I stop my blood thinner?", "ask_medical_advice", "medical_advice",
     "own treatment"),
    (rasa_actions.ActionEmergencyNumbers, "I can't breathe", "emergency", "emergency", "emergency model"),
    (rasa_actions.ActionHandleFallback, "bananas", "nlu_fallback", "fallback", "the NLU was unsure"),
])
def test_debug_mode_says_which_route_answered_and_why(monkeypatch, action, text, intent, route, reason):
    monkeypatch.setattr(replies, "DEBUG", True)
    messages, _ = run(action, tracker(text, intent=intent, slots={"trial": "STSINJ"}))
    debug = [m["text"] for m in messages if m.get("text", "").startswith("[debug] route")]
    assert debug and debug[0].startswith(f"[debug] route {route}:") and reason in debug[0], texts(messages)


def test_the_emergency_numbers_are_the_sites_own():
    messages, events = run(rasa_actions.ActionEmergencyNumbers, tracker("I can't breathe", "emergency",
                                                                        metadata={"trial": "NCT03582800"}))
    assert texts(messages) == ["In France: call 15 or 112 for emergency services. If you are thinking about harming "
                               "yourself: call 3114 (the national suicide prevention line)."]
    assert slots(events) == {"trial": "NCT03582800"}
    # No trial known: each site's numbers.
    messages, _ = run(rasa_actions.ActionEmergencyNumbers, tracker("I can't breathe", "emergency"))
    assert "call 911" in messages[0]["text"] and "call 15 or 112" in messages[0]["text"]


def test_actions_run_off_the_action_servers_event_loop(monkeypatch):
    import asyncio
    import threading

    from actions.serve import action_executor

    threads = []
    answer = services().answerer.answer

    def recording(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return answer(*args, **kwargs)

    monkeypatch.setattr(services().answerer, "answer", recording)
    executor = action_executor()
    call = {"next_action": "action_answer_question", "domain": {},
            "tracker": {"sender_id": "t", "slots": {"trial": "STSINJ"}, "events": [], "paused": False,
                        "latest_message": {"text": "Who is the principal investigator?", "intent": {"name": "ask_question"},
                                           "entities": [], "metadata": {}},
                        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}}
    result = asyncio.run(executor.run(call))
    assert threads == ["action-worker_0"] and "Domsis" in result.responses[0]["text"]
    # A form validation (a coroutine) runs there too.
    call = {**call, "next_action": "validate_eligibility_form",
            "domain": {"forms": {"eligibility_form": {"required_slots": ["trial", "screening_reply"]}}}}
    call["tracker"] = {**call["tracker"], "active_loop": {"name": "eligibility_form"}}
    assert asyncio.run(executor.run(call)) is not None


def test_an_answer_that_shows_an_ended_listings_dates_says_it_has_ended():
    # No word of the question asks about the status; the reply's end date would read as an open trial's.
    messages, _ = run(rasa_actions.ActionAnswerQuestion,
                      tracker("is it still taking people?", slots={"trial": "NCT03582800"}))
    assert "2023" in messages[0]["text"]
    # (named in the answer's source line just before: "the study")
    assert messages[-1]["text"] == say("listing_ended", trial_label="study", end="18 March 2023")


def test_which_trials_lists_each_with_what_tells_it_apart_and_offers_to_pick_one():
    messages, events = run(rasa_actions.ActionListTrials, tracker("which trials do you have?", "list_trials"))
    listing = messages[0]["text"]
    assert listing.startswith("I can answer questions about these trials:")
    for label, facts in (("STSINJ trial (University of Pittsburgh)", ["Sodium Thiosulfate for Calcinosis", "Phase 2",
                                                                       "University of Pittsburgh, United States"]),
                         ("NCT03582800 study (University Hospital Limoges)", ["Ectopic Calcifications", "Limoges, France"])):
        assert label in listing and all(f in listing for f in facts), listing
    # The Limoges listing's end date has passed: said with the list; then the buttons to pick one.
    assert any("18 March 2023" in m["text"] for m in messages[1:-1])
    assert messages[-1]["text"] == say("ask_which_trial") and len(messages[-1]["buttons"]) == 2
    assert events == []


@pytest.mark.parametrize("text, trial", [("the french one", "NCT03582800"), ("pittsburgh please", "STSINJ")])
def test_a_message_that_only_names_a_trial_chooses_it_whatever_the_nlu_made_of_it(text, trial):
    messages, events = run(rasa_actions.ActionHandleFallback, tracker(text, "nlu_fallback"))
    assert slots(events) == {"trial": trial}
    assert messages[0]["text"] == say("trial_chosen", trial_label=services().trials[trial].label)


def test_a_question_read_as_a_request_to_join_gets_its_answer_and_an_offer_about_whom_it_tells():
    """"My grandson is 13 with JDM ... has it been tried in children?": the NLU read a request to join
    (components/question_routing.py routed it as a question); the answer, then a button that starts
    the pre-screen, about the grandson. Not without facts, not when the classifier read a question,
    not while a pre-screen is going on."""
    text = "my grandson is 13 with juvenile dermatomyositis and calcinosis on his knees. what is this study testing?"
    asked = tracker(text, metadata={"trial": "STSINJ"})
    asked.latest_message["routed_from"] = "check_eligibility"
    messages, _ = run(rasa_actions.ActionAnswerQuestion, asked)
    [answer] = [m["custom"] for m in messages if m.get("custom")]
    assert answer["type"] == "answer" and answer["route"] == "retrieval"
    assert messages[-1]["text"].startswith("Would you like to check whether your grandson could take part?")
    assert messages[-1]["buttons"] == [START_SCREENING_BUTTON]
    for question, routed, slots_ in [(text, None, {}),
                                     ("what is this study testing?", "check_eligibility", {}),
                                     (text, "check_eligibility", {"screening_answers": {"condition": "dermatomyositis"}})]:
        asked = tracker(question, metadata={"trial": "STSINJ"}, slots=slots_)
        if routed:
            asked.latest_message["routed_from"] = routed
        messages, _ = run(rasa_actions.ActionAnswerQuestion, asked)
        assert not any(m.get("buttons") == [START_SCREENING_BUTTON] for m in messages), question


def test_a_question_told_with_facts_searches_its_question_and_leaves_the_facts_to_the_pre_screen():
    """"My daughter is 9, she has pseudohypoparathyroidism ... who runs this study?": searched whole,
    its facts found the criteria and the person asked for was in none ("not covered")."""
    text = "my daughter is 9, she has pseudohypoparathyroidism and bony lumps in her arms. who runs this study?"
    asked = tracker(text, metadata={"trial": "NCT03582800"})
    asked.latest_message["routed_from"] = "check_eligibility"
    messages, _ = run(rasa_actions.ActionAnswerQuestion, asked)
    assert messages[0]["custom"]["route"] == "retrieval"
    assert not {section for _, section in sources(messages[0])} & {"inclusion", "exclusion"}
    assert messages[-1]["text"].startswith("Would you like to check whether your daughter could take part?")
