"""What both kinds of actions (questions and the pre-screen) say and read from a conversation: the
trial in context, answers from the texts with their source, contacts. Plain helpers over rasa-sdk's
tracker and dispatcher; the rules behind them live in the plain modules."""
from __future__ import annotations

import logging
import re
from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import Answer, debug_lines
from actions.follow_up import repeats_last_question
from actions.answer_parsing import YOU, person_in
from actions.eligibility import answers_in_message, load_criteria, screening_blocked
from actions.knowledge_base import Trial, contact_lines, emergency_numbers
from actions.trial_facts import closed, overview, status_sentence
from actions.language import FRENCH, language_of
from actions.messages import say
from actions.questions import (ROUTED_FROM, asked_besides, asks_about_the_assistant, asks_how_to_join,
                               asks_whether_someone_can_join, is_question)
from actions.retrieval import ANSWER_THRESHOLD, IndexNotReady
from actions.services import DEBUG, Services, services
from actions.trial_context import TrialContext, resolve_trials

logger = logging.getLogger(__name__)

# A question about whether a trial is still going on.
# (Not "who is running it?", "open-label", "over 65": the sponsor, the design, an age.)
_STATUS_QUESTION = re.compile(r"\b(still (open|going|on|active|happening)|open(?![- ]label)|recruit\w*|"
                              r"(?<!who is )(?<!who's )running|ongoing|ended|ends?|finish\w*|clos(e|ed|es|ing|ure)|"
                              r"over(?! \d)|extend\w*|extension|prolong\w*|postpon\w*)\b", re.IGNORECASE)
_STATUS_SECTIONS = ("dates", "status")
MORE_BUTTON = {"title": "Show the whole section", "payload": "/show_section"}
START_SCREENING_BUTTON = {"title": "Check if I could take part", "payload": "/check_eligibility"}
# "Who is the head doctor, and how do I reach him?": an answer from the texts is followed by the contact.
# ("after they call me ...": the team reaching the patient is no request for its contacts.)
_HOW_TO_REACH = re.compile(r"\b(reach|contact|get in touch|call|phone|e-?mail|talk to|speak to|speak with|write to)\b"
                           r"(?!\s+(me|us)\b)", re.IGNORECASE)


# How many of the patient's latest messages are read for the order they named the trials in.
ORDER_LOOK_BACK = 10


def trials_in_order(tracker: Tracker, svc: Services) -> list[str]:
    """The trials in the order "the first one" counts them: as the patient last named two or more in
    one message ("there are two trials here, pittsburgh and limoges"), else as the assistant lists them.
    Only a message that counts ("the first one") reads the earlier ones: every turn asks for the order."""
    if svc.names.place_named((tracker.latest_message or {}).get("text") or "") is None:
        return list(svc.trials)
    users = [e for e in tracker.events if e.get("event") == "user"][-ORDER_LOOK_BACK:]
    for event in reversed(users):
        named = svc.names.find(event.get("text") or "")
        if len(named) > 1:
            return named + [t for t in svc.trials if t not in named]
    return list(svc.trials)


def trial_context(tracker: Tracker, svc: Services) -> TrialContext:
    message = tracker.latest_message or {}
    return resolve_trials(message.get("text"), message.get("metadata"), tracker.get_slot("trial"),
                          svc.names, trials_in_order(tracker, svc))


def remember_trial(tracker: Tracker, context: TrialContext) -> list[EventType]:
    return [SlotSet("trial", context.remembered)] if context.remembered != tracker.get_slot("trial") else []


def question_of(tracker: Tracker, svc: Services) -> str:
    """The question the latest message asks: "and the Limoges one?" asks the last question again; a
    question told with facts that the classifier read as a request to join ("my daughter is 9 and
    has PHP1a. who runs this study?") asks its question, the facts being the pre-screen's."""
    text = tracker.latest_message.get("text") or ""
    if asks_the_last_question_again(tracker, svc):
        return tracker.get_slot("last_question")
    if read_as_request_to_join(tracker):
        return asked_besides(text) or text
    return text


def asks_the_last_question_again(tracker: Tracker, svc: Services) -> bool:
    """Whether the latest message only names another trial after a question ("what about the french
    one"), whatever the classifier took it for (the list of trials, a greeting)."""
    return bool(tracker.get_slot("last_question")) and repeats_last_question(tracker.latest_message.get("text") or "", svc.names)


EMERGENCY_ACTIONS = ("utter_emergency", "action_emergency_numbers")


def after_emergency_reply(tracker: Tracker) -> bool:
    """Whether the assistant's turn before the latest message was the emergency reply."""
    return any(e.get("name") in EMERGENCY_ACTIONS for e in _bot_events(tracker, turns_back=1, kind="action"))


def read_as_request_to_join(tracker: Tracker) -> bool:
    """Whether the latest message is a question the classifier took for a request to join
    (components/question_routing.py)."""
    return tracker.latest_message.get(ROUTED_FROM) == "check_eligibility"


def _bot_events(tracker: Tracker, turns_back: int = 0, kind: str = "bot") -> list[dict]:
    """What the assistant sent (or, with kind "action", the actions it ran) after the latest user
    message (0), or after the one before it (1)."""
    users, sent = 0, []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users > turns_back:
                break
        elif event.get("event") == kind and users == turns_back:
            sent.append(event)
    return sent


def question_left_open(tracker: Tracker) -> str | None:
    """The message before the latest, when it asked something and the reply asked which trial
    instead of answering ("which diseases are these studies for?" on the general page got the list
    of trials): "the french one" then asks it of that trial."""
    users = [e for e in reversed(tracker.events) if e.get("event") == "user"]
    before = (users[1].get("text") or "") if len(users) > 1 else ""
    sent = _bot_events(tracker, turns_back=1)
    asked_which = any(str(b.get("payload", "")).startswith("/choose_trial")
                      for e in sent for b in (e.get("data") or {}).get("buttons") or [])
    return before if asked_which and not _answers(sent) and is_question(before) else None


def _answers(sent: list[dict]) -> bool:
    """Whether any of these bot events is an answer from the texts."""
    return any(((e.get("data") or {}).get("custom") or {}).get("type") == "answer" for e in sent)


def answered_this_turn(tracker: Tracker) -> bool:
    """Whether an action has already answered the latest message (a question typed instead of yes or
    no to "delete your answers?", before the pre-screen resumes on that same message)."""
    return _answers(_bot_events(tracker))


def offered_screening(tracker: Tracker) -> bool:
    """Whether the reply to the message before the latest offered the pre-screen (its button), so that
    a typed "yes" or "no" answers that offer."""
    return any(b.get("payload") == START_SCREENING_BUTTON["payload"]
               for e in _bot_events(tracker, turns_back=1) for b in (e.get("data") or {}).get("buttons") or [])


def intent_of(tracker: Tracker) -> str | None:
    """The intent the latest message was routed to (components/question_routing.py may have changed
    the classifier's first reading; rasa-sdk's get_intent_of_latest_message reads the ranking)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def asked_anything_else(tracker: Tracker) -> bool:
    """Whether the reply to the message before the latest asked whether there is anything else to know
    ("ok" and "thanks" get that), so that a typed "yes" or "no" answers it."""
    return any(say("anything_else") in (e.get("text") or "") for e in _bot_events(tracker, turns_back=1))


def debug_route(dispatcher: CollectingDispatcher, tracker: Tracker, route: str, reason: str) -> None:
    """For coordinators (make shell DEBUG=1): which route answered and why, with the NLU's reading."""
    if DEBUG:
        intent = tracker.latest_message.get("intent") or {}
        dispatcher.utter_message(text=f"[debug] route {route}: {reason}; NLU intent {intent.get('name')} "
                                      f"({float(intent.get('confidence') or 0):.2f})")


def trials_shown(svc: Services, trial_ids: list[str]) -> list[Trial]:
    """The trials of these ids, each once; every trial when none is known."""
    return [svc.trials[t] for t in dict.fromkeys(trial_ids) if t in svc.trials] or list(svc.trials.values())


def trial_buttons(svc: Services) -> list[dict[str, str]]:
    return [{"title": t.label, "payload": f'/choose_trial{{"trial":"{t.id}"}}'} for t in svc.trials.values()]


def send_trial_list(dispatcher: CollectingDispatcher, svc: Services, ask_which: bool = True) -> None:
    """Which trials the assistant answers about, each with its title and what tells it from the
    others (from trial.yml), a note for any that may have ended, and (unless a pre-screen's question
    comes next) buttons to pick one."""
    trials = list(svc.trials.values())
    items = "\n".join(say("trial_list_item", trial_label=t.label, title=t.title, facts=" ".join(overview(t))).rstrip()
                      for t in trials)
    dispatcher.utter_message(text=say("trial_list", items=items))
    send_still_open_notes(dispatcher, trials)
    if ask_which:
        dispatcher.utter_message(text=say("ask_which_trial"), buttons=trial_buttons(svc))


def contacts_for(svc: Services, trial_ids: list[str]) -> str:
    return contact_lines(t for t in svc.trials.values() if not trial_ids or t.id in trial_ids)


def still_open_notes(trials: list[Trial], today: date | None = None) -> list[str]:
    """For each trial that may no longer take anyone: its stated status when that says so (a
    registry record's "terminated"), else, when its listing's end date has passed, a note to ask the
    study team whether it is still open."""
    today = today or date.today()
    notes = []
    for trial in trials:
        if closed(trial):
            notes.append(status_sentence(trial))
        elif end := trial.end_date_passed(today):
            notes.append(say("listing_ended", trial_label=trial.label, end=f"{end:%d %B %Y}"))
    return notes


def named_once(text: str, trial: Trial, said: list[str] | tuple[str, ...]) -> str:
    """`text` with the trial's full label ("NCT05531279 study (Institute of Hematology & Blood Diseases
    Hospital, China)") said as "study" ("the study") when this turn has named that trial already and
    no other: a reply names its trial once, not in its source line and again in each note after it."""
    told = "\n".join(said)
    if trial.label not in told or any(t.label in told for t in services().trials.values() if t.id != trial.id):
        return text
    return text.replace(trial.label, "study")


def said_already(text: str, trial: Trial, said: list[str] | tuple[str, ...]) -> bool:
    """Whether this turn has said `text`, with the trial's full label or as named_once says it."""
    short = named_once(text, trial, said)
    return any(text in s or short in s for s in said)


def said_this_turn(dispatcher: CollectingDispatcher) -> list[str]:
    """The texts of the messages this turn has sent so far."""
    return [m.get("text") or "" for m in dispatcher.messages]


def send_still_open_notes(dispatcher: CollectingDispatcher, trials: list[Trial]) -> None:
    """still_open_notes, each said once a turn (an answer on whether it is open may have said it)."""
    said = said_this_turn(dispatcher)
    for trial in trials:
        for note in still_open_notes([trial]):
            if not said_already(note, trial, said):
                dispatcher.utter_message(text=named_once(note, trial, said))


def send_answer(dispatcher: CollectingDispatcher, answer: Answer, question: str = "") -> list[EventType]:
    """The answer, its payload (route and sources, for the widget), and what to remember for
    "show the whole section" and "and the other trial?"."""
    more = any(s["more"] for s in answer.payload()["sources"])
    if answer.investigational:
        # First: what the texts say of safety or effect ("... indicating that STS is quite safe") is
        # then read as theirs, not as the assistant's word.
        dispatcher.utter_message(text=say("investigational"))
    dispatcher.utter_message(text=answer.render(), buttons=[MORE_BUTTON] if more else [],
                             json_message=answer.payload())
    if answer.covered and _HOW_TO_REACH.search(question):
        dispatcher.utter_message(text=say("contacts", contacts=contact_lines(answer.asked)))
    # Whether the trial may still be joined: asked in words, or the reply shows its dates or status
    # ("is it still taking people?" gets the end date, which alone reads as an open trial's).
    shown = {p.trial.id for p in answer.answering or answer.parts if p.passages[0].section in _STATUS_SECTIONS}
    if _STATUS_QUESTION.search(question) or shown:
        send_still_open_notes(dispatcher, [t for t in answer.asked if not shown or t.id in shown])
    if DEBUG:
        dispatcher.utter_message(text=debug_lines(answer))
    return [SlotSet("last_question", question or None), SlotSet("answer_sources", answer.payload()["sources"])]


def look_up(dispatcher: CollectingDispatcher, svc: Services, text: str, trial_ids: list[str],
            threshold: float = ANSWER_THRESHOLD, brief: bool = False) -> Answer | None:
    """The answer from the texts; None (after an apology) when the index cannot be used."""
    try:
        return svc.answerer.answer(text, trial_ids, threshold=threshold, brief=brief)
    except IndexNotReady as error:
        logger.error("cannot answer: %s", error)
        dispatcher.utter_message(text=say("service_unavailable"))
        return None


def answer_question(dispatcher: CollectingDispatcher, svc: Services, text: str,
                    trial_ids: list[str]) -> list[EventType]:
    """Looks up and sends the answer (or what the texts do not say)."""
    answer = look_up(dispatcher, svc, text, trial_ids)
    return send_answer(dispatcher, answer, text) if answer else []


def send_introduction(dispatcher: CollectingDispatcher, tracker: Tracker, hello: bool = False) -> list[EventType]:
    """What the assistant is and does, the trials and the emergency number (after "hello" if `hello`);
    in French, the French note too; then which trial, when none is in context."""
    svc = services()
    context = trial_context(tracker, svc)
    about = say("introduction", trial_list="; ".join(t.label for t in svc.trials.values()),
                emergency_numbers=emergency_numbers(trials_shown(svc, context.trials)))
    dispatcher.utter_message(text=f'{say("greet")} {about}' if hello else about)
    if in_french(tracker):
        send_french_note(dispatcher, tracker)
    if not context.trials:
        dispatcher.utter_message(text=say("ask_which_trial"), buttons=trial_buttons(svc))
    return remember_trial(tracker, context)


def answer_from_texts(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Answers from the texts of the trial in context, or of each trial, labelled (then asks which).
    A question on how joining works also gets a button that starts the pre-screen; one in French, a
    note in French instead (the texts are searched in English). "What is this site about?" asks
    about the assistant: what it is and does."""
    if asks_about_the_assistant(tracker.latest_message.get("text") or ""):
        return send_introduction(dispatcher, tracker)
    if in_french(tracker):
        send_french_note(dispatcher, tracker)
        return []
    svc = services()
    context = trial_context(tracker, svc)
    question = question_of(tracker, svc)
    events = answer_question(dispatcher, svc, question, context.trials)
    # Which trial, unless the pre-screen is asking that already (it does so next).
    if events and not context.trials and len(svc.trials) > 1 and tracker.get_slot("requested_slot") != "trial":
        dispatcher.utter_message(text=say("ask_which_trial"), buttons=trial_buttons(svc))
    elif events:
        shown = trials_shown(svc, context.trials)
        # (Not while a pre-screen is going on or paused: its questions come back by themselves.)
        screening = (tracker.active_loop or {}).get("name") or tracker.get_slot("screening_answers")
        text = tracker.latest_message.get("text") or ""
        told = read_as_request_to_join(tracker) and not screening and tells_screening_facts(text, shown)
        offer_screening(dispatcher, question, shown, told=text if told else None)
    return events + remember_trial(tracker, context)


def tells_screening_facts(text: str, trials: list[Trial]) -> bool:
    """Whether a message names who would take part ("my grandson is 13 ...") or says what the
    pre-screen of one of these trials asks (a condition, an age, a medicine)."""
    return person_in(text) not in (None, YOU) or any(
        answers_in_message(load_criteria(t), text) for t in trials if not screening_blocked(t))


def offer_screening(dispatcher: CollectingDispatcher, question: str, trials: list[Trial], told: str | None = None) -> None:
    """When joining comes up in a question: after the answer to how joining works ("how do I sign
    up?"), or to a question told with facts the pre-screen would take ("my grandson is 13 with JDM
    ... what is this study testing?": `told`, the message), a button that starts the pre-screen; for
    a trial without one (not recruiting, or its criteria not reviewed yet), whenever joining is asked
    about ("can my husband take part?"), why not and whom to contact instead."""
    offered = asks_how_to_join(question) or bool(told)
    if not (offered or asks_whether_someone_can_join(question)):
        return
    said = said_this_turn(dispatcher)
    instead = [instead_of_screening(t, said) for t in trials]
    if all(instead):
        for text in instead:
            dispatcher.utter_message(text=text)
    elif offered:
        person = person_in(told or question)
        dispatcher.utter_message(text=say("offer_screening", who=person if person and person != YOU else "you"),
                                 buttons=[START_SCREENING_BUTTON])


def instead_of_screening(trial: Trial, said: list[str] | tuple[str, ...] = ()) -> str | None:
    """What is said instead of a pre-screen for a trial that has none (eligibility.screening_blocked:
    not recruiting, criteria not reviewed yet, no criteria), with the study team's contact; None
    when it has one. What this turn has `said` already (the status after an answer on dates, the
    contact after "the texts do not say") is not said twice."""
    blocked = screening_blocked(trial)
    if not blocked:
        return None
    status, contact = status_sentence(trial), trial.contact
    if contact.strip() and any(contact.strip() in text for text in said):
        contact = say("contact_given_above")
    if status and said_already(status, trial, said):
        status = ""
    return named_once(say(_INSTEAD_OF_SCREENING[blocked], trial_label=trial.label, contact=contact, status=status).strip(),
                      trial, said)


_INSTEAD_OF_SCREENING = {"not_recruiting": "screening_not_recruiting", "not_reviewed": "screening_not_reviewed",
                         "no_criteria": "screening_no_criteria"}


def in_french(tracker: Tracker) -> bool:
    return language_of(tracker.latest_message.get("text")) == FRENCH


def send_french_note(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """To a message in French: in French, that the assistant answers in English for now, with the
    study team's contact and the emergency numbers (full French answers are not there yet)."""
    svc = services()
    context = trial_context(tracker, svc)
    shown = trials_shown(svc, context.trials)
    dispatcher.utter_message(text=say("french_note", contacts=contact_lines(shown),
                                      emergency_numbers=emergency_numbers(shown, FRENCH)),
                             json_message={"type": "language_note", "language": FRENCH})
