"""Patient text is cleaned before any processing: what breaks tokenisers is replaced, long messages cut."""
from __future__ import annotations

import json

import pytest

from actions.patient_text import CUT_MARK, MAX_MESSAGE_CHARS, clean


def test_a_lone_surrogate_from_json_becomes_a_replacement_character():
    text = json.loads('"who runs \\ud800 it?"')
    cleaned = clean(text)
    assert cleaned == "who runs \ufffd it?"
    cleaned.encode("utf-8")  # no UnicodeEncodeError any more


@pytest.mark.parametrize("raw, expected", [
    ("\x00\x07 control \x1b[31m characters", "   control  [31m characters"),
    ("line one\nline two\ttab", "line one\nline two\ttab"),
    ("emoji 🙂 and עברית stay", "emoji 🙂 and עברית stay"),
    (None, ""), (42, ""), (["a"], ""),
])
def test_controls_become_spaces_and_other_text_is_kept(raw, expected):
    assert clean(raw) == expected


def test_a_very_long_message_keeps_its_start_and_its_end():
    text = "I can't breathe. " + "blah " * 12000 + "who runs the study?"
    cleaned = clean(text)
    assert len(cleaned) <= MAX_MESSAGE_CHARS and CUT_MARK in cleaned
    assert cleaned.startswith("I can't breathe.") and cleaned.endswith("who runs the study?")
    assert clean("x" * MAX_MESSAGE_CHARS) == "x" * MAX_MESSAGE_CHARS
