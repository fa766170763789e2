"""Retrieval quality on the patient question sets (tests/eval/), floored honestly.

The floors are on the test set, which the settings were never tuned on, just below what it measured;
dev is reported, not floored (it is what the settings were chosen on). Answer accuracy, not-covered
precision/recall and routing are measured over the REST channel in tests/e2e/test_answer_quality.py.
Measured on 2026-12-02, second session (make eval; docs/evaluation.md, "Answer quality"):
  dev (402 cases)  recall@1 0.900  recall@3 0.965  (before that session's changes: 0.799 / 0.934)
  test (243)       recall@1 0.878  recall@3 0.959  (before: 0.748 / 0.911)
"""
from __future__ import annotations

import pytest

from actions.evaluation import load_cases, retrieval_recall
from actions.services import services

# recall@1 was 0.878 before the trials' facts became sections of their own (registry issue): a fact
# now answers some questions whose label names only a listing section ("which university is this
# at?": the Sites fact, not the sponsor section), so the labelled section comes first less often
# (0.846) while strict right answers held (make eval). The floor follows the measure, not the answers.
FLOORS = {"test": {"recall@1": 0.83, "recall@3": 0.95}}


@pytest.mark.parametrize("name", ["dev", "test"])
def test_recall_of_the_right_section(name):
    result = retrieval_recall(services(), load_cases(name))
    print(name, {k: v for k, v in result.items() if k != "misses"})
    for measure, floor in FLOORS.get(name, {}).items():
        assert result[measure] >= floor, (measure, result["misses"])


def test_every_answer_case_names_sections_that_exist():
    """A case whose topic names no section could never count as found: a typo in the set, not a miss."""
    sections = {(p.trial, p.section) for p in services().retriever.passages}
    for name in ("dev", "test"):
        for case in load_cases(name):
            for topic in case["topic"]:
                assert (case["trial"], topic) in sections, (name, case["id"], topic)


def test_a_sentence_that_leans_on_the_one_before_is_shown_with_it():
    """"For example, ... indicating that STS is quite safe" alone reads as a claim of its own: shown,
    it comes after the sentence it gives an example of, for every question of dev it answers."""
    svc = services()
    for case in load_cases("dev"):
        trials = [case["trial"]] if case["trial"] else None
        for part in svc.answerer.answer(case["text"], trials).parts:
            first = part.passages[0] if part.passages else None
            if first is not None and first.text.lower().startswith(("for example", "for instance")):
                section = svc.retriever.section_passages(first)
                assert section[0] == first, (case["id"], first.text)


def test_a_second_section_that_repeats_the_first_is_not_shown():
    """A trial's fact and the listing's section can name the same sponsor: "Also relevant" with the
    same names again was shown for "who pays for it". No answer of dev shows a part that repeats one
    before it; the repeat check itself is on plain text."""
    from actions.answers import repeats
    assert repeats("Robyn T. Domsic, MD, MPH\nLead Sponsor", "Lead sponsor: Robyn T. Domsic, MD, MPH.")
    assert not repeats("Participants receive injections every 4 weeks.", "Lead sponsor: Robyn T. Domsic, MD, MPH.")
    svc = services()
    for case in load_cases("dev"):
        trials = [case["trial"]] if case["trial"] else None
        parts = svc.answerer.answer(case["text"], trials).answering
        for n, part in enumerate(parts[1:], 1):
            assert not any(p.trial.id == part.trial.id and repeats(part.text(), p.text()) for p in parts[:n]), case["id"]


def test_an_answer_skips_no_sentence_between_two_it_shows_when_the_span_fits():
    """"What happens to participants?" showed the timeline's screening and follow-up steps without the
    treatment step between them."""
    from actions.answers import fits
    svc = services()
    for case in load_cases("dev"):
        trials = [case["trial"]] if case["trial"] else None
        for part in svc.answerer.answer(case["text"], trials).parts:
            at = [part.section.index(p) for p in part.passages if p in part.section]
            span = part.section[min(at):max(at) + 1] if at else []
            if len(at) == len(part.passages) and fits(span, part.source()):
                assert len(span) == len(part.passages), (case["id"], [p.text[:40] for p in part.passages])
