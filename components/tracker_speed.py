"""Faster versions of two Rasa 3.6 steps whose cost grows with a conversation's length, with the
same results.

Each turn, Rasa rebuilds the conversation from its stored events and replays it several times to
predict the next action. Profiled with py-spy over a 60-turn conversation (make bench's), in its
last turns most of the Rasa server's time went to two steps:
- `Event.resolve_by_type`, which lists every subclass of Event again for each stored event: 12 ms
  to read 584 events, 0.7 ms with the classes looked up once;
- `DialogueStateTracker.applied_events`, which walks back over the whole pre-screen for every
  turn of it (a form's later turns are folded into its first) with an abstract-class isinstance
  check per event. Here the same walk checks each event's class once and steps only on the kinds
  of event it looks at (actions, messages, loop changes), not on every slot and bot message.
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
rasa_resolve_by_type = Event.resolve_by_type
rasa_applied_events = DialogueStateTracker.applied_events
_event_classes: dict[str, Type[Event]] = {}


def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    cls = _event_classes.get(type_name)
    if cls is None:
        cls = rasa_resolve_by_type(type_name, default)
        if cls is not None and cls is not default:
            _event_classes[type_name] = cls
    return cls


@functools.lru_cache(maxsize=None)
def _is(cls: type, kind: type) -> bool:
    # Events are plain classes (none registered as a virtual subclass), so this is isinstance's answer.
    return issubclass(cls, kind)


# The kinds of event the walks over a form's turns look at; the others (slots, bot messages) they only
# step over, so each walk visits only these, through their positions in the applied events ("marks").
_LOOKED_AT = (ActionExecuted, UserUttered, DefinePrevUserUtteredFeaturization, ActiveLoop, ActionExecutionRejected)


@functools.lru_cache(maxsize=None)
def _looked_at(cls: type) -> bool:
    return any(_is(cls, kind) for kind in _LOOKED_AT)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """Rasa's DialogueStateTracker.applied_events, step for step."""
    loop_names = {event.name for event in self.events if _is(type(event), ActiveLoop) and event.name}
    applied: List[Event] = []
    marks: List[int] = []  # the positions in `applied` of the events of the kinds in _LOOKED_AT, ascending
    for event in self.events:
        cls = type(event)
        if _is(cls, Restarted) or _is(cls, SessionStarted):
            applied, marks = [], []
        elif _is(cls, ActionReverted):
            _undo_till_previous(ActionExecuted, applied, marks)
        elif _is(cls, UserUtteranceReverted):
            _undo_till_previous(UserUttered, applied, marks)
            _undo_till_previous(ActionExecuted, applied, marks)
        elif (_is(cls, ActionExecuted) and event.action_name in loop_names
              and not _first_loop_execution_or_unhappy_path(event.action_name, applied, marks)):
            _undo_till_previous_loop_execution(event.action_name, applied, marks)
        else:
            if _looked_at(cls):
                marks.append(len(applied))
            applied.append(event)
    return applied


def _undo_till_previous(kind: type, done: List[Event], marks: List[int]) -> None:
    while done:
        event = done.pop()
        if marks and marks[-1] == len(done):
            marks.pop()
        if _is(type(event), kind):
            break


def _first_loop_execution_or_unhappy_path(loop_name: str, applied: List[Event], marks: List[int]) -> bool:
    next_action: Optional[str] = None
    for position in reversed(marks):
        event = applied[position]
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


def _undo_till_previous_loop_execution(loop_name: str, done: List[Event], marks: List[int]) -> None:
    """Removes the actions and messages since the loop's last execution; the rest stays."""
    deleted: List[int] = []  # positions, descending
    kept: List[int] = []  # indices into marks of what stays after the loop's execution
    for index in range(len(marks) - 1, -1, -1):
        position = marks[index]
        cls = type(done[position])
        if _is(cls, ActionExecuted) and done[position].action_name == loop_name:
            break
        if _is(cls, ActionExecuted) or _is(cls, UserUttered) or _is(cls, DefinePrevUserUtteredFeaturization):
            del done[position]  # those above it were handled first, so those below keep their positions
            deleted.append(position)
            marks[index] = -1
        else:
            kept.append(index)
    if deleted:
        for index in kept:  # each moves down by the removals below it
            marks[index] -= sum(1 for position in deleted if position < marks[index])
        marks[:] = [position for position in marks if position >= 0]


def install() -> None:
    rasa_events.Event.resolve_by_type = staticmethod(resolve_by_type)
    DialogueStateTracker.applied_events = applied_events
