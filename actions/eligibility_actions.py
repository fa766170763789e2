"""Rasa actions of the eligibility pre-screen: the form's validation and questions, the outcome,
"why do you ask" and corrections (stop, start over and forget: deletion_actions.py). The rules
live in eligibility.py."""
from __future__ import annotations

import re
from collections import Counter
from functools import partial
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import (ACKNOWLEDGE_INTENT, asked_besides, asks_about_the_assistant, asks_for_advice,
                               asks_more_than_joining, asks_to_go_on, asks_what_it_means, is_question, only_asks_to_go_on,
                               says_more_than_joining, stated_part, without_asking_what_it_means, without_hedged_answers)
from actions.answers import Answer
from actions.answer_parsing import (NO, NOT_SURE, YES, YOU, accepts_offer, clauses, named_medicine, names_another_topic,
                                    normalise, parse_yes_no, person_in, sex_of, topic_stems)
from actions.eligibility import (LIKELY_NOT_ELIGIBLE, MAY_BE_ELIGIBLE, Criterion, answers_in_message, applies, correction_in,
                                 decide, load_criteria, names_an_earlier_question, next_question, progress, ruled_out_by,
                                 quotes_criterion, screening_blocked)
from actions.messages import say
from actions.replies import (after_emergency_reply, answer_from_texts, answered_this_turn, asks_the_last_question_again,
                             asked_anything_else, in_french, instead_of_screening, intent_of, look_up, offered_screening,
                             question_of, said_this_turn, send_answer, send_french_note, send_introduction,
                             send_still_open_notes, send_trial_list, still_open_notes, trial_buttons, trials_in_order)
from actions.retrieval import ANSWER_THRESHOLD, FALLBACK_ANSWER_THRESHOLD
from actions.services import Services, services
from actions.trial_context import resolve_trials

FORM = "eligibility_form"
DONE = "done"  # screening_reply when no question is left: the form completes
MAX_FAILURES = 2
HINTS = {"yes_no": "hint_yes_no", "number": "hint_number", "choice": "hint_choice"}  # by answer type
# An answer that starts like this is an answer, even with a question mark ("yes?").
_ANSWER_START = re.compile(r"^\s*(yes|no|not sure|yeah|yep|nope|maybe|i'?m|she'?s|he'?s|\d)", re.IGNORECASE)
# "Why do you ask?" and its kin (data/nlu/eligibility.yml), as opposed to a "why" about the trial.
_WHY_DO_YOU_ASK = re.compile(
    r"\bwhy\b.{0,20}\b(you|u)\b.{0,15}\b(ask|need|want|know)|\bwhy (is|does) (that|this|it) (important|matter)|"
    r"\b(reason for|relevant|to do with)\b.{0,20}\W*$|^\W*why\W*$", re.IGNORECASE)
# Intents of a message that asks something: answered mid-screening, then the question is asked again.
QUESTION_INTENTS = ("ask_question", "ask_medical_advice")
CLEAR_QUESTION_CONFIDENCE = 0.7


def asks_clearly(text: str, read: dict) -> bool:
    """A question by its form, or one the NLU (`read`: its intent) is sure of ("hang on who is running this")."""
    return is_question(text) or (read.get("name") in QUESTION_INTENTS
                                 and (read.get("confidence") or 0.0) >= CLEAR_QUESTION_CONFIDENCE)


CLEARED = [SlotSet("screening_answers", None), SlotSet("screening_reply", None),
           SlotSet("screening_failures", None), SlotSet("screening_person", None)]


def criteria_for(svc: Services, trial_id: str | None, person: str | None = None) -> list[Criterion]:
    """The criteria the pre-screen asks about `person` ([] when the trial has none, is not recruiting,
    or has drafts only)."""
    trial = svc.trials.get(trial_id) if trial_id else None
    if not trial or screening_blocked(trial):
        return []
    sex = sex_of(person)
    return [c for c in load_criteria(trial) if not (c.for_sex and sex and sex != c.for_sex)]


def criteria_asked(svc: Services, tracker: Tracker, trial_id: str | None = None) -> list[Criterion]:
    """criteria_for the conversation's trial (or `trial_id`) and the person it is about."""
    return criteria_for(svc, trial_id or tracker.get_slot("trial"), tracker.get_slot("screening_person"))


def answers_of(tracker: Tracker) -> dict:
    return dict(tracker.get_slot("screening_answers") or {})


def question_payload(trial_id: str, criterion: Criterion, step: int, of: int, up_to: bool = False) -> dict:
    return {"type": "eligibility_question", "trial": trial_id, "criterion": criterion.key, "kind": criterion.kind,
            "step": step, "of": of, "up_to": up_to}


def note_answers(dispatcher: CollectingDispatcher, criteria, given: dict, person: str | None,
                 answers: dict | None = None) -> dict:
    """The answers a message gives plainly ("my son is 12 and has iPPSD2": `answers_in_message`), said
    back, each with its question, and kept with the answers already given. When they end the
    pre-screen (one rules out), the outcome follows at once and says them itself, with how to change
    them: not said twice."""
    answers = answers or {}
    if not given:
        return {}
    kept = {**given, **answers}
    if next_question(criteria, kept) is None:
        return {"screening_answers": kept, "screening_reply": DONE}
    noted = "\n".join(f"• {c.recalled_about(person)} {c.display(given[c.key])}" for c in criteria
                       if c.key in given and c.key not in answers)
    dispatcher.utter_message(text=say("answers_noted", answers=noted))
    return {"screening_answers": kept}


def quotes_only_moot_criteria(answer: Answer, svc: Services, trial_ids: list[str], text: str) -> bool:
    """Whether the answer only quotes criteria that the pre-screen starting now makes moot: any, when
    what the message states ends it ("I take warfarin, can I still join?": the outcome, which
    follows at once, quotes “Anticoagulant therapy” and explains it; "my daughter is 19 and has
    lupus": not the contraception criterion before it), else those that do not concern the person
    it is about ("my little boy is 5 ...": not the women's contraception criterion)."""
    if len(trial_ids) != 1:
        return False
    theirs = criteria_for(svc, trial_ids[0], person_in(text))
    stated = answers_in_message(theirs, text)
    ends = ruled_out_by(theirs, stated) is not None
    moot = [c.source for c in criteria_for(svc, trial_ids[0])
            if ends or c not in theirs or not applies(c, stated, theirs)]
    shown = [p.text for part in answer.parts for p in part.passages]
    return bool(shown) and all(any(quotes_criterion(source, t) for source in moot) for t in shown)


# A word in more questions' topics than this tells none apart ("take", of "who would take part", is in
# four; "measure" in one): chosen on two dev conversation turns ("yes, they want to take out the big one").
MAX_QUESTIONS_SHARING_A_WORD = 3


def rules_out_on_another_topic(criterion: Criterion, answer, text: str, svc: Services) -> bool:
    """Whether a yes or no that would end the pre-screen comes with more words of another question's
    topic (any trial's question) than of its own ("yes my rheumatologist measures them on xrays",
    typed to the guardianship question while thinking of an earlier one; "she hasn't started her
    periods yet" to the consent question, whose "child" meets "childbearing"), or names a medicine
    of another question's list ("yes he takes heparin injections", to the question on injections):
    taken, it ended the pre-screen with "likely not able", for a reason not given. ("yes in june" to
    the surgery question is taken.)"""
    if criterion.answer_type != "yes_no" or criterion.evaluate(answer) is not False:
        return False
    if criterion.lexicon and named_medicine(text, criterion.lexicon):
        return False
    # (Read only now: most answers rule nothing out.)
    others = [c for t in svc.trials for c in criteria_for(svc, t)]
    if any(c.lexicon and c.key != criterion.key and named_medicine(text, c.lexicon) for c in others):
        return True
    named = topic_stems(text)
    own = len(named & criterion.topic)
    # (A word of many questions says which one no better than none: "take" of "take part".)
    shared = Counter(stem for c in others for stem in c.topic)
    telling = {stem for stem in named if shared[stem] <= MAX_QUESTIONS_SHARING_A_WORD}
    return any(len(telling & c.topic) > own for c in others if c.key != criterion.key)


def someone_else_named(tracker: Tracker, text: str) -> str | None:
    """Who the questions are now about, when a message names someone other than the patient ("my
    son is 5", "my wife is 62 with scleroderma") and they were about "you" so far; else None ("i
    want the french one" does not turn a daughter's pre-screen into the patient's)."""
    person = person_in(text)
    return person if tracker.get_slot("screening_person") in (None, YOU) and person not in (None, YOU) else None


def opening_message(tracker: Tracker) -> str:
    """The message that started the pre-screen (the one before the form became active)."""
    started = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == FORM:
            started = True
        elif started and event.get("event") == "user":
            return event.get("text") or ""
    return ""


def said_before(tracker: Tracker, criteria, person: str | None) -> tuple[dict, str | None]:
    """Answers stated in the conversation's earlier messages ("my daughter is 6 and has PHP1a", then
    "can she join?"), newest first, and who they are about: only from messages that say who ("I",
    "my daughter"), of the person the pre-screen is about (when the message that starts it names
    nobody, "can she join?", the person the latest of them named), and what they state, not ask
    ("should I give my son vitamin D for his ossifications?" says no condition). The writer's "I"
    with nothing stated ("i think i want to stop, this is too much") says who writes, not who would
    take part. Messages already deleted say nothing."""
    found: dict = {}
    users = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"][:-1]
    for text in reversed(users):
        who = person_in(text)
        if who is None or (person is not None and who != person):
            continue
        stated = answers_in_message(criteria, stated_part(text))
        if person is None and who == YOU and not stated:
            continue
        person = who
        found = {**stated, **found}
    return found, person


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_eligibility_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") is not None:
            return await super().run(dispatcher, tracker, domain)
        # The message that starts (or resumes) the screening.
        svc = services()
        french = in_french(tracker)
        if french:
            send_french_note(dispatcher, tracker)
        context = resolve_trials(text, tracker.latest_message.get("metadata"), tracker.get_slot("trial"),
                                 svc.names, trials_in_order(tracker, svc))
        answered = []  # the answer's slots: "and the Pittsburgh one?" can then ask it again
        resuming = bool(answers_of(tracker))
        # A correction that resumes it has been taken (action_change_answer): it asks nothing more
        # ("can we redo it, i misunderstood the calcinosis question" got an answer on why STS may help).
        correcting = intent_of(tracker) == "change_answer"
        # (A message that resumes a paused pre-screen is answered only when it asks something; one in
        # French has had the French note: the English texts cannot answer it.)
        # A statement of facts for the pre-screen ("my son has iPPSD2 and is 7") gets them noted instead.
        without_names = partial(svc.names.without_names, titles=True)
        if (not french and not (resuming and correcting) and says_more_than_joining(without_names(text))
                and (is_question(text) or not (answers_of(tracker) or states_screening_facts(tracker, text)))
                and not only_asks_to_go_on(text) and not answered_this_turn(tracker)):
            # It asks about a condition ("can I join if I live in Canada?", "is lupus one of the
            # diseases?") or something else ("what are the criteria?"): that is answered first, or
            # said not covered, then the pre-screen starts. Facts told beside a plain request ("my 9
            # year old has bony lumps, could she be in it?") are answered only from what the texts say
            # of who may join (they got the 1,089-character sentence of the study's design), or said
            # not covered.
            # (The pre-screen's intro and first question follow: the answer's best sentence only.)
            answer = look_up(dispatcher, svc, text, context.trials, brief=True)
            if answer and not quotes_only_moot_criteria(answer, svc, context.trials, text) and (
                    (not answer.covered and not tells_only_screening_facts(tracker, text, without_names))
                    or answer.says_who_may_join or asks_more_than_joining(text, without_names)):
                answered = send_answer(dispatcher, answer, text)
        # Resumed, the questions stay about whom they were ("i think i misunderstood" does not turn
        # a wife's pre-screen into the patient's), unless someone else is named for the first time.
        person = someone_else_named(tracker, text) if resuming else person_in(text)
        if person:
            answered.append(SlotSet("screening_person", person))
        events = answered + await super().run(dispatcher, tracker, domain)
        trial_id = next((e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "trial"),
                        tracker.get_slot("trial"))
        if resuming and trial_id == tracker.get_slot("trial"):
            if not correcting and next_question(criteria_asked(svc, tracker, trial_id), answers_of(tracker)) is not None:
                dispatcher.utter_message(text=say("screening_resumed", trial_label=svc.trials[trial_id].label))
            return events
        criteria = criteria_asked(svc, tracker, trial_id)
        earlier, person = said_before(tracker, criteria, person or tracker.get_slot("screening_person"))
        noted = note_answers(dispatcher, criteria, {**earlier, **answers_in_message(criteria, text)}, person)
        if person and person != tracker.get_slot("screening_person"):
            noted["screening_person"] = person
        return events + [SlotSet(name, value) for name, value in noted.items()]

    async def extract_trial(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> dict[str, Any]:
        """The trial to screen for: a button or a name in the message that starts (or answers the
        trial question of) the screening, else the page's or the remembered one. Mid-screening the
        trial does not change."""
        svc = services()
        starting = tracker.get_slot("requested_slot") in (None, "trial")
        if tracker.get_slot("trial") and not starting:
            return {}
        button = next((e.get("value") for e in tracker.latest_message.get("entities", [])
                       if e.get("entity") == "trial" and e.get("value") in svc.trials), None)
        context = resolve_trials(tracker.latest_message.get("text"), tracker.latest_message.get("metadata"),
                                 tracker.get_slot("trial"), svc.names, trials_in_order(tracker, svc))
        chosen = button or (context.trials[0] if len(context.trials) == 1 else None)
        if not chosen and tracker.get_slot("requested_slot") == "trial" and \
                intent_of(tracker) == "check_eligibility":
            # Asked to join again while the trial is being chosen ("i just mean i want to take part"):
            # which trial, again. (Left unset, the form rejected the message and the dialogue fell
            # back, over and over.)
            return {"trial": None}
        if chosen and chosen != tracker.get_slot("trial") and answers_of(tracker):
            return {"trial": chosen, "screening_answers": None}  # another trial's answers do not carry over
        return {"trial": chosen} if chosen and chosen != tracker.get_slot("trial") else {}

    def validate_trial(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> dict:
        svc = services()
        if value not in svc.trials:
            return {"trial": None}
        trial = svc.trials[value]
        instead = instead_of_screening(trial, said_this_turn(dispatcher))
        if instead:
            dispatcher.utter_message(text=instead)
            return {"trial": value, "screening_reply": DONE}
        asked, answered = tracker.get_slot("requested_slot") == "trial", bool(answers_of(tracker))
        slots = {"trial": value}
        text = tracker.latest_message.get("text") or ""
        if asked and is_question(svc.names.without_names(text)):
            # Chosen with a question about it ("is the pittsburgh one still open?"): answered first.
            answer = look_up(dispatcher, svc, text, [value], brief=True)
            if answer:
                slots |= {e["name"]: e["value"] for e in send_answer(dispatcher, answer, text) if e.get("event") == "slot"}
        # What the messages so far state (chosen in a second step, "the american one", "the french
        # one, my son is 5": the first message and this one).
        stated = f"{opening_message(tracker)}\n{text}" if asked else text
        criteria = criteria_asked(svc, tracker, value)
        given = answers_in_message(criteria, stated)
        # No "one question at a time" when what they state ends it: the outcome follows at once.
        ends = next_question(criteria, given) is None
        if (asked or not answered) and not ends:
            # After an answer this turn, whose source has just named the trial: not named again.
            after_answer = any((m.get("custom") or {}).get("type") == "answer" for m in dispatcher.messages)
            dispatcher.utter_message(text=say("screening_intro_after_answer") if after_answer
                                     else say("screening_intro", trial_label=trial.label))
            # Before the first question, a listing whose end date has passed may take no one now;
            # after an answer the turn is long already, and the outcome says it too.
            if not after_answer:
                send_still_open_notes(dispatcher, [trial])
        if asked and not answered:
            person = someone_else_named(tracker, text)
            slots |= {"screening_person": person} if person else {}
            slots |= note_answers(dispatcher, criteria, given, person or tracker.get_slot("screening_person"))
        return slots

    def validate_screening_reply(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict) -> dict:
        """The message while a question is open: an answer, or something else the NLU or its words say
        (a question, "why do you ask?", "go on", a correction), after which the question is asked again."""
        svc = services()
        trial_id = tracker.get_slot("trial")
        criteria = criteria_asked(svc, tracker, trial_id)
        answers = answers_of(tracker)
        criterion = next_question(criteria, answers)
        if criterion is None or value == DONE:
            return {"screening_reply": DONE}
        text = str(value or "")
        read = tracker.latest_message.get("intent") or {}
        intent = read.get("name")
        parsed = criterion.parse(text, criteria)
        correcting = intent == "change_answer" and answers
        # Read as a correction, a reply that the open question can also read is one when it names a
        # new answer, or names an earlier question rather than this one ("hmm actually i'm not sure
        # about the surgery", to the allergy question: its "not sure" is the surgery's).
        if correcting and (parsed is None or correction_in(text, criteria, answers)[1] is not None
                           or names_an_earlier_question(text, criteria, answers, criterion)):
            return {"screening_reply": None, **correct_answer(dispatcher, tracker, criteria, answers)}
        if parsed is None and in_french(tracker):
            # The English texts cannot answer it: the note in French, then the question again.
            send_french_note(dispatcher, tracker)
            return {"screening_reply": None}
        # "Why do you ask?"; "i dont know what you mean by measurable" (no "not sure": it asks what the question means).
        if (parsed is None and _WHY_DO_YOU_ASK.search(text)) or asks_what_it_means(text):
            explain(dispatcher, criterion)
            return {"screening_reply": None}
        if intent == "list_trials" and parsed is None and not asks_the_last_question_again(tracker, svc):
            send_trial_list(dispatcher, svc, ask_which=False)
            return {"screening_reply": None}
        # A request to take part that asks or states nothing more ("ok id like to see if i can do it"):
        # the pre-screen it asks for is going on.
        stated, person = answers_in_message(criteria, text), someone_else_named(tracker, text)
        joining_only = intent == "check_eligibility" and (not says_more_than_joining(text) or not (
            is_question(text) or stated or person))
        # "ok the american one then": names the trial being screened for, and nothing more.
        if parsed is None and (asks_to_go_on(text) or joining_only or (
                svc.names.find(text) == [trial_id] and not says_more_than_joining(svc.names.without_names(text)))):
            return {"screening_reply": None}  # only asks to go on: the question again
        # ("I'm on warfarin, is that a problem?" starts like an answer, and asks; "not sure, maybe?" does not.)
        unhedged = without_hedged_answers(text)
        asks = (intent in QUESTION_INTENTS or is_question(unhedged)) and (not _ANSWER_START.match(text) or "?" in unhedged)
        # An answer the question can read, in no question's form, is an answer whatever the NLU said
        # ("another connective tissue disease, they call it undifferentiated" was answered from the texts).
        if asks and (parsed is None or (intent in QUESTION_INTENTS and is_question(unhedged))):
            # A question in the middle of the screening: answer it, then ask again.
            if asks_for_advice(text):
                dispatcher.utter_message(text=say("medical_advice"))
                return {"screening_reply": None}
            if asks_about_the_assistant(text):  # "what is this site about?"
                send_introduction(dispatcher, tracker)
                return {"screening_reply": None}
            # Of the trial it names ("and the other one?" asks the last question of the other
            # trial), else of the one being screened for. What only the NLU took for a question
            # and the texts know nothing of is an answer it could not read ("purple elephants").
            context = resolve_trials(text, None, trial_id, svc.names, trials_in_order(tracker, svc))
            question = question_of(tracker, svc)
            # A question by its form, or one the NLU is sure of ("hang on who is running this").
            clearly = asks_clearly(text, read)
            threshold = ANSWER_THRESHOLD if clearly else FALLBACK_ANSWER_THRESHOLD
            answer = look_up(dispatcher, svc, question, context.trials or [trial_id], threshold)
            if answer and (answer.covered or clearly):
                events = send_answer(dispatcher, answer, question)
                return {"screening_reply": None, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}
        failures = int(tracker.get_slot("screening_failures") or 0)
        # Answers to other questions only ("my son is 5" to "which condition?"): kept, said back, and
        # the open question asked again, of whoever the reply names (when the questions were about
        # "you"; for a trial that asks no age, "my son is 5" only says who). An age or a condition,
        # not a medicine named: "stop my warfarin" says no more than its own question will ask.
        stated_only = {c.key for c in criteria if c.answer_type in ("number", "choice")}
        others = {k: v for k, v in stated.items() if k in stated_only and k not in answers and k != criterion.key}
        if parsed is None and (others or person):
            asked_about = person or tracker.get_slot("screening_person")
            noted = note_answers(dispatcher, criteria, others, asked_about, answers) if others else {}
            return {"screening_reply": None, **noted, **({"screening_person": person} if person else {})}
        if parsed is not None and rules_out_on_another_topic(criterion, parsed, text, svc):
            # What it says of other questions is kept (heparin: the blood thinner one), and may end it.
            told = {**{k: v for k, v in stated.items() if k != criterion.key and k not in answers}, **answers}
            if ruled_out_by(criteria, told):
                return {"screening_answers": told, "screening_failures": None, "screening_reply": DONE}
            dispatcher.utter_message(text=say("answer_again"), buttons=criterion.buttons())
            return {"screening_reply": None, **({"screening_answers": told} if told != answers else {})}
        if parsed is None:
            failures += 1
            if failures < MAX_FAILURES:
                dispatcher.utter_message(text=say(HINTS[criterion.answer_type]), buttons=criterion.buttons())
                return {"screening_reply": None, "screening_failures": failures}
            dispatcher.utter_message(text=say("noted_not_sure"))
            parsed = NOT_SURE
        # Other facts the reply states plainly ("she's 7 and has juvenile dermatomyositis") are kept too.
        answers = {**{k: v for k, v in stated.items() if k not in answers}, **answers, criterion.key: parsed}
        finished = next_question(criteria, answers) is None
        slots = {"screening_answers": answers, "screening_failures": None, "screening_reply": DONE if finished else None}
        # Someone else named in an answer ("my wife is 62 with scleroderma", after "count me in") is
        # who the questions are about, unless someone else was already.
        if person:
            slots["screening_person"] = person
        # A question asked with the answer ("he's 4 with iPPSD2. when did this study finish?") is
        # answered too, on a clear match (else it was about the answer: "does that matter?" finds an
        # inclusion criterion at 0.24).
        asked = asked_besides(text)
        if asked and not _WHY_DO_YOU_ASK.search(asked) and not asks_for_advice(asked) and criterion.parse(asked, criteria) is None:
            answer = look_up(dispatcher, svc, asked, [trial_id], FALLBACK_ANSWER_THRESHOLD)
            if answer and answer.covered:
                slots |= {e["name"]: e["value"] for e in send_answer(dispatcher, answer, asked) if e.get("event") == "slot"}
        return slots


class ActionAskTrial(Action):
    def name(self) -> str:
        return "action_ask_trial"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        dispatcher.utter_message(text=say("ask_which_trial_to_screen"), buttons=trial_buttons(services()))
        return []


class ActionAskEligibilityAnswer(Action):
    """One question: text, quick replies, and the payload the website reads."""

    def name(self) -> str:
        return "action_ask_screening_reply"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        svc = services()
        trial_id = tracker.get_slot("trial")
        criteria = criteria_asked(svc, tracker, trial_id)
        answers = answers_of(tracker)
        criterion = next_question(criteria, answers)
        if criterion is None:
            return [SlotSet("screening_reply", DONE)]
        step, of, up_to = progress(criteria, answers)
        question = criterion.question_about(tracker.get_slot("screening_person"))
        dispatcher.utter_message(text=say("question_up_to" if up_to else "question", step=str(step), of=str(of),
                                          question=question),
                                 buttons=criterion.buttons(),
                                 json_message=question_payload(trial_id, criterion, step, of, up_to))
        return []


# How the criterion that rules out is quoted, by its kind.
_RULES_OUT = {"inclusion": "criterion_inclusion", "exclusion": "criterion_exclusion"}


class ActionEligibilityOutcome(Action):
    """The explained outcome: never "you are eligible"; the study team confirms."""

    def name(self) -> str:
        return "action_eligibility_outcome"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        svc = services()
        trial_id = tracker.get_slot("trial")
        if trial_id not in svc.trials:
            return []
        trial = svc.trials[trial_id]
        criteria = criteria_asked(svc, tracker, trial_id)
        if not criteria:
            return []
        result = decide(criteria, answers_of(tracker))
        person = tracker.get_slot("screening_person")
        # "you may be able to take part" or "your daughter may be able to take part"
        who = {"who": person if person and person != YOU else "you"}
        who["who_are"] = "you are" if who["who"] == "you" else f"{who['who']} is"
        parts = []
        if result.outcome == LIKELY_NOT_ELIGIBLE:
            failed = result.ruled_out_by
            parts.append(say("result_likely_not_eligible", trial_label=trial.label,
                             answer=failed.display(answers_of(tracker)[failed.key]),
                             question=failed.recalled_about(person),
                             criterion=say(_RULES_OUT[failed.kind], source=failed.source), **who))
        elif result.outcome == MAY_BE_ELIGIBLE:
            parts.append(say("result_may_be_eligible", trial_label=trial.label, **who))
        else:
            questions = "\n".join(f"• {c.question_about(person)}" for c in result.not_sure) or "• (no questions answered)"
            parts.append(say("result_unknown", trial_label=trial.label, questions=questions, **who))
        if result.outcome != LIKELY_NOT_ELIGIBLE and result.team_checks:
            checks = "\n".join(f"• {step}" for step in dict.fromkeys(c.next_step for c in result.team_checks))
            parts.append(say("team_checks", checks=checks))
        # Every answer, unless the outcome has just quoted each one (a single answer that rules out,
        # or only "not sure"s).
        quoted = {result.ruled_out_by.key} if result.outcome == LIKELY_NOT_ELIGIBLE else {c.key for c in result.not_sure}
        if any(c.key not in quoted for c, _, _ in result.results):
            recap = "\n".join(f"• {c.recalled_about(person)} {c.display(a)}" for c, a, _ in result.results)
            parts.append(say("recap", answers=recap))
        parts.append(say("next_step", contact=trial.contact))
        # Whether it may have ended matters to an outcome that leaves the door open.
        parts += (still_open_notes([trial]) if result.outcome != LIKELY_NOT_ELIGIBLE else []) + [say("how_to_change")]
        dispatcher.utter_message(text="\n\n".join(parts), json_message=result.payload(trial_id))
        return []


class ActionExplainCriterion(Action):
    """"Why do you ask?": the criterion behind the open question, quoted."""

    def name(self) -> str:
        return "action_explain_criterion"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        svc = services()
        criterion = next_question(criteria_asked(svc, tracker), answers_of(tracker))
        text = tracker.latest_message.get("text") or ""
        screening = criterion is not None and tracker.active_loop.get("name") == FORM
        if screening and names_another_topic(without_asking_what_it_means(text), criterion.topic):
            return answer_from_texts(dispatcher, tracker)  # "my mum had a stroke, does that matter?"
        if not screening:
            # Outside the pre-screen a "why" is a question about the trial ("why do researchers think
            # it could work?"), unless it only asks why we ask.
            if _WHY_DO_YOU_ASK.search(text):
                dispatcher.utter_message(text=say("nothing_to_explain"))
                return []
            return answer_from_texts(dispatcher, tracker)
        explain(dispatcher, criterion)
        return []


def explain(dispatcher: CollectingDispatcher, criterion: Criterion) -> None:
    dispatcher.utter_message(text=say("why", why=criterion.why or "", source=criterion.source))


class ActionChangeAnswer(Action):
    """A correction outside an open question (after the outcome, or when the NLU took it out of the
    form): see correct_answer. changing_answer tells the rules whether the form runs again."""

    def name(self) -> str:
        return "action_change_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        answers = answers_of(tracker)
        if not answers:
            # Nothing to correct: a question the classifier took for a correction is answered.
            if is_question(tracker.latest_message.get("text") or ""):
                return answer_from_texts(dispatcher, tracker) + [SlotSet("changing_answer", False)]
            dispatcher.utter_message(text=say("nothing_to_change"))
            return [SlotSet("changing_answer", False)]
        changed = correct_answer(dispatcher, tracker, criteria_asked(services(), tracker), answers)
        return [SlotSet("changing_answer", "screening_answers" in changed)] + [
            SlotSet(name, value) for name, value in changed.items()]


def correct_answer(dispatcher: CollectingDispatcher, tracker: Tracker, criteria: list[Criterion], answers: dict) -> dict:
    """A correction. One that names the question and the new answer ("it's dermatomyositis actually,
    not scleroderma", "I'm 45 not 54", "I should have said yes to the pregnancy one") is taken at once;
    one that names only the question ("change my age") removes that answer, to be asked again; one
    that names neither gets a button per answer. The slots to set (none for the buttons)."""
    person = tracker.get_slot("screening_person")
    text = tracker.latest_message.get("text") or ""
    criterion, new = correction_in(text, criteria, answers)
    open_question = next_question(criteria, answers)
    parsed = open_question.parse(text, criteria) if criterion is None and open_question is not None else None
    if parsed is not None:
        # No earlier answer named, but the question still open is answered ("and yes she takes heparin,
        # that's the blood thinner question" after an emergency paused the pre-screen): taken, and on.
        answers[open_question.key] = parsed
        finished = next_question(criteria, answers) is None
        return {"screening_answers": answers, "screening_reply": DONE if finished else None, "screening_failures": None}
    if criterion is None:
        dispatcher.utter_message(text=say("change_which"),
                                 buttons=[{"title": c.recalled_about(person), "payload": f"change my {c.key.replace('_', ' ')}"}
                                          for c in criteria if c.key in answers])
        return {}
    del answers[criterion.key]
    # Answers that only mattered because of this one (ask_if) are asked again too.
    for c in criteria:
        if criterion.key in c.ask_if:
            answers.pop(c.key, None)
    if new is None:
        dispatcher.utter_message(text=say("changing"))
        return {"screening_answers": answers, "screening_reply": None, "screening_failures": None}
    answers[criterion.key] = new
    dispatcher.utter_message(text=say("changed", question=criterion.recalled_about(person), answer=criterion.display(new)))
    finished = next_question(criteria, answers) is None
    return {"screening_answers": answers, "screening_reply": DONE if finished else None, "screening_failures": None}


def states_screening_facts(tracker: Tracker, text: str) -> bool:
    """Whether a message only states answers to the pre-screen of a trial in context (the page's, the
    one it names or talked about, else any): every clause an age, a condition or a medicine ("my son
    has iPPSD2 and is 7"), nothing else said or asked."""
    svc = services()
    context = resolve_trials(text, tracker.latest_message.get("metadata"), tracker.get_slot("trial"), svc.names,
                             trials_in_order(tracker, svc))
    parts = clauses(normalise(text))
    for trial_id in context.trials or svc.trials:
        criteria = criteria_asked(svc, tracker, trial_id)
        if criteria and all(answers_in_message(criteria, part) or not topic_stems(part) for part in parts):
            return bool(answers_in_message(criteria, text))
    return False


def tells_only_screening_facts(tracker: Tracker, text: str, without_names) -> bool:
    """Whether a request to join tells only what the pre-screen takes as answers ("can i take part?
    i'm 34 with limited scleroderma"): they are noted and the questions go on from them. (What the
    texts say of who may join is still said; "I'm not sure the trial information answers that" and
    the texts' nearest sentence answered nothing that was asked.)"""
    stated = stated_part(text)
    return bool(stated) and not asks_more_than_joining(text, without_names) and states_screening_facts(tracker, stated)


class ActionTakeAnswer(Action):
    """An answer outside the form: to the question still open of a paused pre-screen (after an
    emergency or a question, "no allergies") it is taken and the pre-screen goes on; facts for a
    pre-screen not started yet ("my son has iPPSD2 and is 7") start it; any other acknowledgement
    ("ok", "i see", "he hates needles") gets "anything else?"; else it is handled like any message the
    NLU was unsure of."""

    def name(self) -> str:
        return "action_take_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        from actions.actions import ActionHandleFallback
        from actions.deletion_actions import ask_to_delete_again

        if tracker.get_slot("deletion_pending") and after_emergency_reply(tracker):
            return ask_to_delete_again(dispatcher, tracker)
        criteria, answers, open_question = _open_question(tracker)
        taken = _answer_taken(criteria, answers, open_question, tracker)
        if taken is not None:
            return taken
        text = tracker.latest_message.get("text") or ""
        reply = parse_yes_no(text)
        offered = open_question is None and offered_screening(tracker)
        # "yes" or "ok" typed to "Would you like to check whether you could take part?" starts it.
        if offered and accepts_offer(text):
            return [SlotSet("resume_screening", True)]
        if offered and reply == NO:
            dispatcher.utter_message(text=say("screening_declined"))
            return [SlotSet("resume_screening", False)]
        if not answers and not is_question(text) and states_screening_facts(tracker, text):
            # "my son has iPPSD2 and is 7" (no question): the pre-screen starts, with the facts noted.
            return [SlotSet("resume_screening", True)]
        if intent_of(tracker) == ACKNOWLEDGE_INTENT:
            dispatcher.utter_message(text=say("anything_else"))
            return [SlotSet("resume_screening", False)]
        if answers and open_question is None and not is_question(text):
            # Told after the outcome ("yes my rheumatologist measures them on xrays"): nothing is open.
            dispatcher.utter_message(text=say("told_after_outcome"))
            return [SlotSet("resume_screening", False)]
        if reply in (YES, NO) and asked_anything_else(tracker):
            # "yes" or "no" typed to "Is there anything else you'd like to know?"
            if reply == YES:
                dispatcher.utter_message(text=say("ask_away"))
            else:
                dispatcher.utter_message(response="utter_goodbye")
            return [SlotSet("resume_screening", False)]
        return ActionHandleFallback().run(dispatcher, tracker, domain) + [SlotSet("resume_screening", False)]


def _open_question(tracker: Tracker) -> tuple[list[Criterion], dict, Criterion | None]:
    """The trial's criteria, the answers so far and the question still open (None before any answer)."""
    criteria = criteria_asked(services(), tracker)
    answers = answers_of(tracker)
    return criteria, answers, next_question(criteria, answers) if answers else None


def take_open_answer(tracker: Tracker) -> list[EventType] | None:
    """The latest message taken as the answer to the open question of a pre-screen with answers (the
    events that record it and resume), or None when there is none or it does not answer it."""
    return _answer_taken(*_open_question(tracker), tracker)


def _answer_taken(criteria: list[Criterion], answers: dict, open_question: Criterion | None,
                  tracker: Tracker) -> list[EventType] | None:
    text = tracker.latest_message.get("text") or ""
    parsed = open_question.parse(text, criteria) if open_question else None
    if parsed is None:
        return None
    if after_emergency_reply(tracker) and not topic_stems(text):
        # A bare "no" just after the emergency reply may answer anything ("... is that normal?"; a
        # "yes" meant for the deletion question the emergency interrupted): nothing is recorded and
        # the open question is asked again.
        return [SlotSet("resume_screening", True)]
    answers[open_question.key] = parsed
    finished = next_question(criteria, answers) is None
    return [SlotSet("screening_answers", answers), SlotSet("screening_failures", None),
            SlotSet("screening_reply", DONE if finished else None), SlotSet("resume_screening", True)]
