"""Checks of components/ that need Rasa itself, run in the Rasa environment by scripts/rasa_checks.sh
(that environment has no pytest: it would upgrade packages Rasa 3.6 pins)."""
from __future__ import annotations

import asyncio
import copy

from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockError

from components import action_validation
from components.channels import never_silent

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "trial", "value": "STSINJ", "timestamp": None}],
     "responses": [{"text": "Hello", "buttons": [{"title": "Yes", "payload": "yes"}], "custom": {"type": "x"}}]},
]
INVALID = [{"events": "not a list"}, {"events": [{"no_event_name": 1}]}, {"responses": "not a list"}]


def check_same_verdicts_as_rasa() -> None:
    action_validation.install()
    assert RemoteAction._validate_action_result is action_validation._validate_action_result
    for reply in VALID + INVALID:
        try:
            validate(copy.deepcopy(reply), RemoteAction.action_response_format_spec())
            rasa_says = True
        except ValidationError:
            rasa_says = False
        try:
            ours = RemoteAction._validate_action_result(None, copy.deepcopy(reply))
        except ValidationError as error:
            assert "Failed to validate Action server response" in error.message
            ours = False
        assert ours == rasa_says == (reply in VALID), (reply, ours, rasa_says)


def check_a_turn_that_raises_gets_an_apology() -> None:
    async def rasa_raises(message: UserMessage) -> None:
        raise LockError("Could not acquire lock for conversation_id 'x'.")

    async def rasa_answers(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "An answer.")

    for handler, expected in ((rasa_raises, "Sorry, something went wrong"), (rasa_answers, "An answer.")):
        output = CollectingOutputChannel()
        asyncio.run(never_silent(handler)(UserMessage("hello", output, "x", metadata={"trial": "STSINJ"})))
        texts = [m["text"] for m in output.messages]
        assert len(texts) == 1 and texts[0].startswith(expected), texts
        if handler is rasa_raises:
            assert "University of Pittsburgh" in texts[0] and "Limoges" not in texts[0]  # the page's trial only


def check_an_emergency_gets_the_sites_numbers_without_the_action_server() -> None:
    from components.channels import EMERGENCY_FIRST

    async def only_the_domain_response(message: UserMessage) -> None:  # action_emergency_numbers failed
        await message.output_channel.send_text_message(message.sender_id, EMERGENCY_FIRST + " I'm only a chatbot.")

    output = CollectingOutputChannel()
    asyncio.run(never_silent(only_the_domain_response)(UserMessage("I can't breathe", output, "x",
                                                                   metadata={"trial": "NCT03582800"})))
    texts = [m["text"] for m in output.messages]
    assert texts[0].startswith(EMERGENCY_FIRST) and "call 15 or 112" in texts[1] and "3114" in texts[1], texts


def check_the_circuit_breaker_line_names_no_conversation() -> None:
    """Rasa's fallback-loop warning quotes the sender id (a web chat session id is its key)."""
    import io
    import logging

    from components import log_privacy

    captured = io.StringIO()
    logging.getLogger().addHandler(logging.StreamHandler(captured))
    log_privacy.install()
    session_id = "5e9b0c1d2e3f40516273849a5b6c7d8e9f0a1b2c3d4e5f60"
    # The line as rasa/core/processor.py writes it when the action limit is reached.
    logging.getLogger("rasa.core.processor").warning(
        "Circuit breaker tripped. Stopped predicting "
        f"more actions for sender '{session_id}'.")
    logged = captured.getvalue()
    assert "Circuit breaker tripped" in logged and session_id not in logged and "'conv-" in logged, logged


def check_misread_questions_are_questions_and_mentions_of_stopping_delete_nothing() -> None:
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from components.question_routing import QuestionRouting

    cases = [("how do I sign up, is there a phone number?", "check_eligibility", "ask_question"),
             ("can my son join the Limoges study?", "check_eligibility", "check_eligibility"),
             ("how do I find out if I can get into this one", "check_eligibility", "check_eligibility"),
             ("can we go on with the questions?", "check_eligibility", "check_eligibility"),
             ("she's ok now, the ambulance came. can we keep going", "thank", "check_eligibility"),
             ("thanks, ok to keep going. who pays for it?", "thank", "ask_question"),
             # Asking only to go on, whatever the classifier made of it (French on a French site too).
             ("les pompiers sont la, il va mieux. on peut continuer ?", "nlu_fallback", "check_eligibility"),
             ("he's fine now, can we carry on?", "ask_question", "check_eligibility"),
             ("ok, and can we carry on after the break, how long is it?", "ask_question", "ask_question"),
             ("hi, what is this study actually testing?", "greet", "ask_question"),
             ("hey, can you help me?", "greet", "greet"),
             ("thanks, and who pays for it?", "thank", "ask_question"),
             ("ok, and who pays for it?", "acknowledge", "ask_question"),
             ("i see", "acknowledge", "acknowledge"),
             ("How old do you have to be?", "goodbye", "ask_question"),
             ("thanks, bye!", "goodbye", "goodbye"),
             ("and the other one?", "goodbye", "ask_question"),
             ("and bye", "goodbye", "goodbye"),
             ("what is the purpose?", "ask_question", "ask_question"),
             # Whether the study suits them is a request to take part; a treatment judged is advice.
             ("hi, is this right for me? I have dermatomyositis", "ask_medical_advice", "check_eligibility"),
             ("is this treatment right for him with his heart problems?", "ask_medical_advice", "ask_medical_advice"),
             # Stop, start over and forget said of a treatment: the next intent of the ranking.
             ("do I need to stop my blood thinners?", "stop_screening", "give_answer"),
             ("i started warfarin last week", "restart_screening", "give_answer"),
             ("can we start over?", "restart_screening", "restart_screening"),
             ("i forgot to say i take warfarin", "forget_answers", "give_answer"),
             ("please delete what i told you", "forget_answers", "forget_answers"),
             ("that's enough for today", "stop_screening", "stop_screening"),
             # Asking for the open question again, or what it means, is never a request to stop,
             # delete or change: the question again, or what it means.
             ("what was the question again?", "explain_question", "check_eligibility"),
             ("sorry can you repeat that", "change_answer", "check_eligibility"),
             ("i dont know what you mean by measurable", "forget_answers", "explain_question"),
             ("i dont get it, can we stop", "stop_screening", "stop_screening"),
             ("i don't want to continue", "stop_screening", "stop_screening"),
             ("i don't understand, change my answer", "change_answer", "change_answer"),
             # A question about the study told with facts is a question (answered, with a button that
             # starts the pre-screen); asking to take part, in any words these rules know, starts it,
             # and so does a yes-or-no question (it may ask to join in words the rules lack).
             ("my grandson is 13 with JDM and calcinosis on his knees. what is this study testing?",
              "check_eligibility", "ask_question"),
             ("my grandson is 13 with JDM. has STS been tried in children?", "check_eligibility", "check_eligibility"),
             ("can my daughter do this study? she has systemic sclerosis", "check_eligibility", "check_eligibility"),
             ("can i start? i have lupus", "check_eligibility", "check_eligibility"),
             ("is this study for people like me? I have lupus", "check_eligibility", "check_eligibility"),
             ("what was the question again?", "check_eligibility", "check_eligibility")]
    messages = []
    for text, intent, _ in cases:
        message = Message({TEXT: text})
        message.set(INTENT, {"name": intent, "confidence": 0.9})
        message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.9}, {"name": "forget_answers", "confidence": 0.06},
                                         {"name": "give_answer", "confidence": 0.04}])
        messages.append(message)
    QuestionRouting().process(messages)
    routed = [m.get(INTENT)["name"] for m in messages]
    assert routed == [expected for _, _, expected in cases], routed
    # The classifier's reading stays in the parse data, for the offer of the pre-screen.
    told = next(m for m in messages if m.get(TEXT).startswith("my grandson is 13"))
    assert told.get("routed_from") == "check_eligibility" and told.as_dict_nlu().get("routed_from") == "check_eligibility"


def check_an_unsure_request_for_the_list_of_trials_takes_the_next_intent() -> None:
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from components.question_routing import LIST_MIN_CONFIDENCE, QuestionRouting

    routed = []
    for confidence, runner_up in ((0.95, "ask_question"), (LIST_MIN_CONFIDENCE - 0.1, "choose_trial"),
                                  (LIST_MIN_CONFIDENCE - 0.1, "emergency")):
        message = Message({TEXT: "the french one"})
        message.set(INTENT, {"name": "list_trials", "confidence": confidence})
        message.set(INTENT_RANKING_KEY, [{"name": "list_trials", "confidence": confidence},
                                         {"name": runner_up, "confidence": 1 - confidence}])
        QuestionRouting().process([message])
        routed.append(message.get(INTENT)["name"])
    # (The emergency intent is EmergencyOverride's to give, not a runner-up's.)
    assert routed == ["list_trials", "choose_trial", "ask_question"], routed


def check_the_minilm_featurizer_runs_the_action_servers_export() -> None:
    """The NLU's dense feature is the action server's sentence vector of the message, scaled."""
    import numpy as np
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from actions.embedding import OnnxEncoder
    from components.minilm_featurizer import SENTENCE_EMBEDDING, MiniLMFeaturizer

    featurizer = MiniLMFeaturizer({**MiniLMFeaturizer.get_default_config(), "scale": 8.0}, "minilm")
    message = Message({TEXT: "can my daughter join the study?"})
    featurizer.process([message])
    sentence = message.get_dense_features(TEXT)[1].features
    expected = OnnxEncoder().encode(["can my daughter join the study?"])[0]
    assert sentence.shape == (1, 384) and np.allclose(sentence[0], 8 * expected, atol=1e-5)
    assert np.allclose(message.get(SENTENCE_EMBEDDING), expected, atol=1e-6)


def check_the_faster_replay_gives_rasas_events() -> None:
    """Random conversations with forms (happy and unhappy turns), reverts, restarts and new sessions:
    the same events applied, and the same event classes read, as Rasa's own."""
    import random

    from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActionReverted, ActiveLoop,
                                         BotUttered, DefinePrevUserUtteredFeaturization, Event, LegacyForm,
                                         Restarted, SessionStarted, SlotSet, UserUtteranceReverted, UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker

    from components import tracker_speed

    tracker_speed.install()
    loops = ["eligibility_form", "other_form"]
    makers = [lambda r: UserUttered("hi", {"name": "greet"}), lambda r: BotUttered("hello"),
              lambda r: ActionExecuted(r.choice(["action_listen", "action_answer_question", *loops])),
              lambda r: ActiveLoop(r.choice(loops + [None])), lambda r: LegacyForm(r.choice(loops + [None])),
              lambda r: ActionExecutionRejected(r.choice(loops)), lambda r: SlotSet("trial", "x"),
              lambda r: DefinePrevUserUtteredFeaturization(False), lambda r: ActionReverted(),
              lambda r: UserUtteranceReverted(), lambda r: Restarted(), lambda r: SessionStarted()]
    weights = [8, 6, 14, 3, 1, 2, 4, 3, 1, 1, 1, 1]
    rng = random.Random(7)
    differing = 0
    for _ in range(1000):
        events = [rng.choices(makers, weights)[0](rng) for _ in range(rng.randint(1, 200))]
        tracker = DialogueStateTracker("check", [])
        tracker.events.extend(events)  # as stored: no replay, so that both read the same events
        ours = tracker.applied_events()
        rasas = tracker_speed.rasa_applied_events(tracker)
        assert [id(e) for e in ours] == [id(e) for e in rasas], events
        differing += len(rasas) != len(events)
    assert differing > 300  # the conversations did exercise the undoing
    for cls in [ActionExecuted, UserUttered, SlotSet, ActiveLoop, LegacyForm, SessionStarted, BotUttered]:
        assert Event.resolve_by_type(cls.type_name) is tracker_speed.rasa_resolve_by_type(cls.type_name) is cls
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    try:
        Event.resolve_by_type("no_such_event")
        raise AssertionError("an unknown event name must fail as in Rasa")
    except ValueError:
        pass


def check_the_tracker_store_reads_back_what_rasas_reads() -> None:
    """ForgettingSQLTrackerStore._retrieve (the events' JSON only) gives Rasa's tracker, events and slots."""
    import tempfile
    from pathlib import Path

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from components.tracker_store import ForgettingSQLTrackerStore

    domain = Domain.load("domain.yml")
    with tempfile.TemporaryDirectory() as folder:
        store = ForgettingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(Path(folder) / "t.db"))
        events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        for n in range(30):
            events += [UserUttered(f"question {n}", {"name": "ask_question", "confidence": 0.9}),
                       ActionExecuted("action_answer_question"), SlotSet("last_question", f"question {n}"),
                       ActionExecuted("action_listen")]
        asyncio.run(SQLTrackerStore.save(store, DialogueStateTracker.from_events("reader", events, domain.slots)))
        ours = asyncio.run(store._retrieve("reader", False))
        rasas = asyncio.run(SQLTrackerStore._retrieve(store, "reader", False))
        assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events] and len(ours.events) > 100
        assert ours.current_slot_values() == rasas.current_slot_values()
        assert asyncio.run(store._retrieve("nobody", False)) is None


def check_the_emergency_model_is_trained_again_when_what_it_reads_changes() -> None:
    """Rasa reuses a trained component while its config and the NLU data are unchanged; the emergency
    model also depends on the bank, the patterns and the code of its features."""
    import tempfile
    from pathlib import Path

    from actions.emergency import EXEMPLARS_FILE, PHRASES_FILE
    from components import emergency_override

    assert {EXEMPLARS_FILE, PHRASES_FILE, Path(emergency_override.__file__).parents[1] / "actions" / "emergency.py"} <= \
        {p.resolve() for p in emergency_override.MODEL_INPUTS}
    with tempfile.TemporaryDirectory() as tmp:
        features = Path(tmp) / "emergency.py"
        features.write_text("a")
        saved = emergency_override.MODEL_INPUTS
        emergency_override.MODEL_INPUTS = (*saved, features)
        try:
            before = emergency_override.EmergencyOverride.fingerprint_addon({})
            features.write_text("b")
            assert emergency_override.EmergencyOverride.fingerprint_addon({}) != before
        finally:
            emergency_override.MODEL_INPUTS = saved


if __name__ == "__main__":
    check_same_verdicts_as_rasa()
    check_the_faster_replay_gives_rasas_events()
    check_the_tracker_store_reads_back_what_rasas_reads()
    check_misread_questions_are_questions_and_mentions_of_stopping_delete_nothing()
    check_an_unsure_request_for_the_list_of_trials_takes_the_next_intent()
    check_the_minilm_featurizer_runs_the_action_servers_export()
    check_the_emergency_model_is_trained_again_when_what_it_reads_changes()
    check_a_turn_that_raises_gets_an_apology()
    check_an_emergency_gets_the_sites_numbers_without_the_action_server()
    check_the_circuit_breaker_line_names_no_conversation()
    print("components: action server replies are judged as Rasa judges them; how-to-join and small talk "
          "misreads are questions; an unsure request for the list of trials takes the next intent; stopping a treatment is no request to stop; the MiniLM featurizer gives the "
          "action server's vectors; the emergency model is trained again when its bank, patterns or code change; "
          "the faster replay applies Rasa's events; the tracker store reads back Rasa's tracker; a failing turn gets an apology; the fallback loop's warning names no conversation")
