"""Faster versions of two Rasa 3.6 steps whose cost grows with a conversation's length, with the
same results.

Each turn, Rasa rebuilds the conversation from its stored events and replays it several times to
predict the next action. Profiled with py-spy over a 60-turn conversation (make bench's), in its
last turns most of the Rasa server's time went to two steps:
- `Event.resolve_by_type`, which lists every subclass of Event again for each stored event: 12 ms
  to read 584 events, 0.7 ms with the classes looked up once;
- `DialogueStateTracker.applied_events`, which walks back over the whole pre-screen for every
  turn of it (a form's later turns are folded into its first) with an abstract-class isinstance
  check per event. Here the same walk checks each event's class once.
tests/check_rasa_components.py compares both with Rasa's own on generated conversations.
"""
from __future__ import annotations

import functools
from typing import List, Optional, Type

from rasa.shared.core import events as rasa_events
from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActionReverted, ActiveLoop,
                                     DefinePrevUserUtteredFeaturization, Event, Restarted, SessionStarted,
                                     UserUtteranceReverted, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker

# Rasa's own, which the checks compare with.
_rasa_resolve_by_type = Event.resolve_by_type
rasa_applied_events = DialogueStateTracker.applied_events
_event_classes: dict[str, Type[Event]] = {}


def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    cls = _event_classes.get(type_name)
    if cls is None:
        cls = _rasa_resolve_by_type(type_name, default)
        if cls is not None and cls is not default:
            _event_classes[type_name] = cls
    return cls


@functools.lru_cache(maxsize=None)
def _is(cls: type, kind: type) -> bool:
    # Events are plain classes (none registered as a virtual subclass), so this is isinstance's answer.
    return issubclass(cls, kind)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """Rasa's DialogueStateTracker.applied_events, step for step."""
    loop_names = {event.name for event in self.events if _is(type(event), ActiveLoop) and event.name}
    applied: List[Event] = []
    for event in self.events:
        cls = type(event)
        if _is(cls, Restarted) or _is(cls, SessionStarted):
            applied = []
        elif _is(cls, ActionReverted):
            _undo_till_previous(ActionExecuted, applied)
        elif _is(cls, UserUtteranceReverted):
            _undo_till_previous(UserUttered, applied)
            _undo_till_previous(ActionExecuted, applied)
        elif (_is(cls, ActionExecuted) and event.action_name in loop_names
              and not _first_loop_execution_or_unhappy_path(event.action_name, applied)):
            _undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def _undo_till_previous(kind: type, done: List[Event]) -> None:
    while done:
        event = done.pop()
        if _is(type(event), kind):
            break


def _first_loop_execution_or_unhappy_path(loop_name: str, applied: List[Event]) -> bool:
    next_action: Optional[str] = None
    for event in reversed(applied):
        cls = type(event)
        if _is(cls, ActiveLoop) and event.name is None:
            return True
        if _is(cls, ActionExecutionRejected) and event.action_name == loop_name:
            return True
        if _is(cls, UserUttered) and next_action is not None and next_action != loop_name:
            return True
        if _is(cls, ActionExecuted):
            if event.action_name == loop_name:
                return False
            next_action = event.action_name
    return True


def _undo_till_previous_loop_execution(loop_name: str, done: List[Event]) -> None:
    offset = 0
    for position in range(len(done) - 1, -1, -1):
        cls = type(done[position])
        if _is(cls, ActionExecuted) and done[position].action_name == loop_name:
            break
        if _is(cls, ActionExecuted) or _is(cls, UserUttered) or _is(cls, DefinePrevUserUtteredFeaturization):
            del done[-1 - offset]
        else:
            offset += 1


def install() -> None:
    rasa_events.Event.resolve_by_type = staticmethod(resolve_by_type)
    DialogueStateTracker.applied_events = applied_events
