"""The coordinators' report over stored conversations: unanswered questions grouped with counts,
rejected answers, the pre-screen funnel; and none of a patient's own data. (tests/e2e/test_report.py
runs it on conversations held over REST with the real servers.)"""
from __future__ import annotations

import json

import yaml

from actions.knowledge_base import load_team_answers
from actions.report import build_report, render_csv, render_table, write_drafts
from actions.stored_events import screening_positions

T0 = 1_790_000_000.0  # 2026-09-21


def user(text, intent="ask_question", trial="STSINJ", at=0.0):
    return {"event": "user", "timestamp": T0 + at, "text": text, "parse_data": {"intent": {"name": intent}},
            "metadata": {"trial": trial}}


def answer(route, score=0.5, title="Who Is on the Research Team?", at=0.0):
    return {"event": "bot", "timestamp": T0 + at, "text": "...",
            "data": {"custom": {"type": "answer", "route": route, "score": score,
                                "sources": [{"trial": "STSINJ", "title": title}] if route != "not_covered" else []}}}


def action(name, at=0.0):
    return {"event": "action", "timestamp": T0 + at, "name": name}


def screening(answers_typed, outcome="may_be_eligible"):
    """A pre-screen whose typed answers must never appear in a report."""
    events = [user("am I eligible?", "check_eligibility"), {"event": "active_loop", "timestamp": T0, "name": "eligibility_form"}]
    for text in answers_typed:
        events += [user(text, "give_answer"), action("validate_eligibility_form")]
    events += [{"event": "active_loop", "timestamp": T0, "name": None}, action("action_eligibility_outcome"),
               {"event": "bot", "timestamp": T0, "text": "...",
                "data": {"custom": {"type": "eligibility_result", "trial": "STSINJ", "outcome": outcome}}}]
    return events


def conversations():
    return [
        [user("How many injections would I get?"), action("action_answer_question"), answer("partial", 0.3)],
        [user("how many injections would i get"), action("action_answer_question"), answer("partial", 0.31)]
        + screening(["I'm 47", "warfarin every day"]),
        [user("Is parking free at the hospital for my 3 kids?"), action("action_answer_question"), answer("not_covered", 0.1)],
        [user("Who runs it?"), action("action_answer_question"), answer("retrieval", 0.6),
         user("that's not what I asked"), action("action_handle_fallback")]
        + screening(["not sure"], outcome="unknown") + [action("action_stop_screening")],
        [user("Who runs it?"), action("action_answer_question"), answer("retrieval", 0.6),
         user("no, I meant who is the doctor in charge"), action("action_answer_question"), answer("retrieval", 0.5)],
    ]


def test_unanswered_questions_are_grouped_with_counts_and_single_ones_stay_private():
    report = build_report(conversations())
    stsinj = report["trials"]["STSINJ"]
    top = stsinj["unanswered"][0]
    assert top["conversations"] == 2 and top["times_asked"] == 2
    assert "injections" in top["question"]
    # Asked in one conversation only: counted, words not shown.
    single = [row for row in stsinj["unanswered"] if row["question"] is None]
    assert single and all(row["conversations"] == 1 for row in single)
    text = render_table(report) + render_csv(report) + json.dumps(report)
    assert "parking" not in text


def test_words_are_shown_only_when_that_many_conversations_used_them():
    # Two similar questions from two patients: one group, counted; each one's own words stay private.
    events = [[user("My husband John Smith has HIV, who is the doctor?"), answer("not_covered", 0.1)],
              [user("who is the doctor for my wife Maria with lupus?"), answer("not_covered", 0.1)]]
    report = build_report(events, min_conversations=2, known={"STSINJ"})
    rows = report["trials"]["STSINJ"]["unanswered"]
    assert sum(r["times_asked"] for r in rows) == 2 and all(r["question"] is None for r in rows)
    assert "John" not in render_table(report) and "Maria" not in render_csv(report)


def test_a_trial_the_page_made_up_is_no_heading_and_no_file_name(tmp_path):
    events = [[user("Who runs it?", trial="../../../tmp/pwned"), answer("not_covered", 0.1)],
              [user("Who runs it?", trial="../../../tmp/pwned"), answer("not_covered", 0.1)]]
    report = build_report(events, known={"STSINJ"})
    assert list(report["trials"]) == ["(no trial)"]
    assert write_drafts(report, tmp_path / "drafts") == []


def test_rejected_answers_are_counted_by_the_section_that_gave_them():
    stsinj = build_report(conversations())["trials"]["STSINJ"]
    [row] = stsinj["rejected"]
    assert row["answer_from"] == "STSINJ: Who Is on the Research Team?"
    assert row["conversations"] == 2 and row["question"] == "Who runs it?"


def test_the_funnel_counts_pre_screens_and_never_shows_their_answers():
    report = build_report(conversations())
    funnel = report["trials"]["STSINJ"]["funnel"]
    assert funnel == {"started": 2, "finished": 2, "stopped": 0, "outcomes": {"may_be_eligible": 1, "unknown": 1}}
    text = render_table(report) + render_csv(report) + json.dumps(report)
    for typed in ("47", "warfarin", "not sure", "am I eligible"):
        assert typed not in text


def test_a_question_asked_by_a_single_patient_is_shown_only_when_the_threshold_allows():
    report = build_report(conversations(), min_conversations=1)
    questions = [row["question"] for row in report["trials"]["STSINJ"]["unanswered"]]
    # Numbers are masked even then: "my 3 kids".
    assert "Is parking free at the hospital for my N kids?" in questions


def test_the_date_range_leaves_out_other_days():
    from datetime import date
    report = build_report(conversations(), since=date(2026, 10, 1))
    assert report["trials"] == {}


def test_drafts_hold_the_top_questions_with_empty_answers_that_are_never_used(tmp_path):
    report = build_report(conversations())
    [path] = write_drafts(report, tmp_path / "drafts")
    entries = yaml.safe_load(path.read_text())["answers"]
    assert entries[0]["question"].lower().startswith("how many injections") and entries[0]["answer"] == ""
    # Copied as is into a trial folder, a draft is skipped: nothing unapproved is ever answered.
    folder = tmp_path / "trial"
    folder.mkdir()
    (folder / "team_answers.yml").write_text(path.read_text())
    assert load_team_answers(folder) == ()


def test_an_acknowledgement_is_kept_private_like_any_message_with_personal_facts():
    # Redacted when the session ends, never read by the report: reactions tell health facts.
    events = [user("how are the shots given?"), answer("retrieval"),
              user("i see, i already do methotrexate shots every week", intent="acknowledge"),
              {"event": "bot", "timestamp": T0, "text": "Is there anything else you'd like to know about the trial?"},
              user("who runs it?"), answer("retrieval")]
    assert screening_positions(events) == {2, 3}
