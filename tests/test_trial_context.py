"""Trial names in messages (typos, case, spacing) and which trial is in context."""
from __future__ import annotations

import pytest

from actions.trial_context import resolve_trials


@pytest.mark.parametrize("text, expected", [
    ("What about the Limoges study?", ["NCT03582800"]),
    ("limogs trial", ["NCT03582800"]),
    ("the pittsburg one", ["STSINJ"]),
    ("University of Pitsburgh", ["STSINJ"]),
    ("STS INJ", ["STSINJ"]),
    ("stsinj", ["STSINJ"]),
    ("nct 03582800", ["NCT03582800"]),
    ("NCT03582801", []),  # another trial's number is not a typo of ours
    ("Compare Pittsburgh and Limoges", ["STSINJ", "NCT03582800"]),
    ("is it done under ultrasound in the french one?", ["NCT03582800"]),
    ("and the American study?", ["STSINJ"]),
    ("do i need to speak french to take part", []),  # a describing word names a trial only before "one", "study", ...
    # ... with only words of the trials' titles (or lay words for them) between
    ("who runs the french sodium thiosulfate study?", ["NCT03582800"]),
    ("the French STS trial", ["NCT03582800"]),
    ("is there a french version of the study?", []),
    # a trial by its sites' country (site_settings)
    ("the one in france", ["NCT03582800"]),
    ("the study in the United States", ["STSINJ"]),
    ("do they speak english in france?", []),
    ("do i need to speak french in the study", []),
    ("do i need to speak french for a study?", []),  # "for", "a" are in a title, but say nothing of it
    ("Is the treatment safe?", []),
    ("", []),
])
def test_trial_names_are_found(names, text, expected):
    assert names.find(text) == expected


def test_names_are_taken_out_of_the_question(names):
    assert names.without_names("is it done under ultrasound in the French one?") == "is it done under ultrasound in the ?"
    assert names.without_names("Who sponsors the Limoges study?") == "Who sponsors the study?"
    assert names.without_names("Which conditions is the STSINJ study for?") == "Which conditions is the study for?"


KNOWN = ["NCT03582800", "STSINJ"]  # in the order the assistant lists them (knowledge/ folders)


@pytest.mark.parametrize("text, metadata, slot, expected, remembered", [
    ("what is the purpose?", {"trial": "STSINJ"}, None, ["STSINJ"], "STSINJ"),  # from the page
    ("what is the purpose?", None, "NCT03582800", ["NCT03582800"], "NCT03582800"),  # remembered
    ("and the Limoges study?", {"trial": "STSINJ"}, "STSINJ", ["NCT03582800"], "NCT03582800"),  # named wins
    ("what is the purpose?", {"trial": "EVIL-ID"}, None, [], None),  # unknown ids are not trusted
    ("what is the purpose?", "not a dict", "bogus", [], None),
    ("what is the purpose?", {"trial": ["STSINJ"]}, ["x"], [], None),  # wrong types are ignored
    ("Pittsburgh or Limoges, who sponsors?", None, "STSINJ", ["STSINJ", "NCT03582800"], "STSINJ"),
    # "The other one": not the trial talked about last, whichever page the widget is on.
    ("and for the other one?", None, "NCT03582800", ["STSINJ"], "STSINJ"),
    ("what about the other study", {"trial": "STSINJ"}, "NCT03582800", ["STSINJ"], "STSINJ"),
    ("and the other trial?", {"trial": "STSINJ"}, None, ["NCT03582800"], "NCT03582800"),
    ("the other one", None, None, [], None),  # nothing talked about yet: nothing to be other than
    ("im allergic to one of the other ingredients", {"trial": "STSINJ"}, "NCT03582800", ["STSINJ"], "STSINJ"),
    ("and the other?", None, "STSINJ", ["NCT03582800"], "NCT03582800"),
    # "The first one", "the last one": by their place in the list the assistant shows.
    ("whats the youngest age for the first one again?", {"trial": "STSINJ"}, "STSINJ", ["NCT03582800"], "NCT03582800"),
    ("and the second study?", None, "NCT03582800", ["STSINJ"], "STSINJ"),
    # A message that names both and points at one: by its own order.
    ("there are two trials here, pittsburgh and limoges. how are the injections done in the first one?", None, None,
     ["STSINJ"], "STSINJ"),
    # "This one": the page's trial, after the page changed; "that one": the one just talked about.
    ("and on this one?", {"trial": "STSINJ"}, "NCT03582800", ["STSINJ"], "STSINJ"),
    ("who runs that one", {"trial": "NCT03582800"}, "STSINJ", ["STSINJ"], "STSINJ"),
])
def test_trial_in_context(names, text, metadata, slot, expected, remembered):
    context = resolve_trials(text, metadata, slot, names, KNOWN)
    assert context.trials == expected and context.remembered == remembered


@pytest.mark.parametrize("text", ["and the french one?", "what about Pittsburgh?", "and on this one?", "the first one?",
                                  "and for the other one?", "ok and the last one"])
def test_a_follow_up_that_only_names_a_trial_asks_the_last_question_again(names, text):
    from actions.follow_up import repeats_last_question

    assert repeats_last_question(text, names)


def test_a_question_naming_a_trial_is_no_follow_up(names):
    from actions.follow_up import repeats_last_question

    assert not repeats_last_question("who runs the first one?", names)


def test_the_first_one_counts_as_the_patient_last_named_them(names):
    from types import SimpleNamespace

    from actions.replies import trials_in_order

    svc = SimpleNamespace(names=names, trials={t: None for t in KNOWN})
    said = lambda *texts: SimpleNamespace(events=[{"event": "user", "text": t} for t in texts],  # noqa: E731
                                          latest_message={"text": texts[-1]})
    counts = "can my wife join the first one?"
    assert trials_in_order(said("hello", "what is calcinosis?", counts), svc) == KNOWN  # as the assistant lists them
    order = trials_in_order(said("there are two trials here, pittsburgh and limoges", "how are they given?", counts), svc)
    assert order == ["STSINJ", "NCT03582800"]
    context = resolve_trials(counts, None, "NCT03582800", names, order)
    assert context.trials == ["STSINJ"]
