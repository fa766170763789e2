"""Study team answers: indexed with the trial's texts, cited as the team's, never used as drafts, and
refused without who approved them and when."""
from __future__ import annotations

import pytest

from actions.answers import QuestionAnswerer
from actions.build_index import build
from actions.knowledge_base import KNOWLEDGE_DIR, TEAM_ANSWERS_FILE, KnowledgeError, load_trials
from actions.retrieval import Retriever
from actions.trial_names import TrialNames

TEAM_ANSWERS = """\
answers:
  - question: How many injections will I get?
    answer: Each participant gets six injections, one every two weeks, at the Example Clinic.
    approved_by: Dr A. Example, principal investigator
    approved_on: 2026-11-30
  - question: Will my travel costs be paid?
    answer: ""   # a draft from make report: the team has not answered it
  - question: Is parking free?
    answer: "   "
"""


def answerer_for(knowledge, index_dir):
    build(knowledge, index_dir)
    trials = load_trials(knowledge)
    return QuestionAnswerer(Retriever(index_dir, knowledge), trials, TrialNames.from_trials(trials))


def test_a_team_answer_is_answered_and_cited_as_the_teams(knowledge_copy, uk_trial, tmp_path):
    (uk_trial / TEAM_ANSWERS_FILE).write_text(TEAM_ANSWERS)
    answerer = answerer_for(knowledge_copy, tmp_path / "index")
    answer = answerer.answer("how many shots would i have to get?", ["DEMO-K2"])
    assert answer.covered, answer.render()
    assert "six injections, one every two weeks" in answer.render()
    assert "(Source: Study team answer, approved 30 November 2026 (Demo K2 trial (Example Clinic)))" in answer.render()
    assert answer.payload()["sources"][0]["citation"].startswith("Study team answer, approved 30 November 2026")
    # The draft (no answer yet) is not indexed: only the approved answer is a team passage.
    team = [p for p in answerer.retriever.passages if p.approved_on]
    assert [p.title for p in team] == ["How many injections will I get?"]
    draft = answerer.answer("Will my travel costs be paid?", ["DEMO-K2"])
    assert all(not p.approved_on for part in draft.parts for p in part.passages)


def test_the_real_trials_have_no_team_answers_yet():
    # None may be invented: each real trial ships an empty file that says how to add them.
    for trial in load_trials(KNOWLEDGE_DIR).values():
        assert (trial.folder / TEAM_ANSWERS_FILE).is_file() and trial.team_answers == ()


@pytest.mark.parametrize("entry, complaint", [
    ("  - {question: 'Q?', answer: 'A.', approved_on: 2026-11-30}\n", "answer 1: missing 'approved_by'"),
    ("  - {question: 'Q?', answer: 'A.', approved_by: Dr A}\n", "answer 1: missing 'approved_on'"),
    ("  - {question: 'Q?', answer: 'A.', approved_by: Dr A, approved_on: last week}\n", "answer 1: 'approved_on' must be a date"),
    ("  - {question: 'Q?', answer: no, approved_by: Dr A, approved_on: 2026-11-30}\n", "answer 1: 'answer' must be text"),
    ("  - {answer: 'A.', approved_by: Dr A, approved_on: 2026-11-30}\n", "answer 1: missing 'question'"),
    ("  - just a line\n", "answer 1: must hold question"),
    ("  - {question: [unclosed\n", "not readable YAML"),
])
def test_team_answers_without_approval_or_as_non_text_are_refused(knowledge_copy, uk_trial, entry, complaint):
    (uk_trial / TEAM_ANSWERS_FILE).write_text("answers:\n" + entry)
    with pytest.raises(KnowledgeError, match=f"team_answers.yml: {complaint}"):
        load_trials(knowledge_copy)
