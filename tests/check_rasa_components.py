"""Checks of components/ that need Rasa itself, run in the Rasa environment by scripts/rasa_checks.sh
(that environment has no pytest: it would upgrade packages Rasa 3.6 pins)."""
from __future__ import annotations

import copy

from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from components import action_validation

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


if __name__ == "__main__":
    check_same_verdicts_as_rasa()
    print("components: action server replies are judged as Rasa judges them")
