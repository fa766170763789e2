"""Rasa's SQL tracker store (SQLite or PostgreSQL), which forgets a pre-screen for real.

Rasa keeps every event of a conversation, so clearing the answers' slot ("stop", "start over",
"forget my answers", a new session) left the answers, and the messages that gave them, in the
database. Here, when a turn clears the answers or starts a new session, the conversation's stored
events up to then are redacted in place: what the patient typed and what the bot said back become
"[deleted]", the slots holding answers or patient text become null, payloads are dropped. The rows
stay (Rasa counts them to know which events are new); their content goes.

endpoints.yml:  tracker_store: {type: components.tracker_store.ForgettingSQLTrackerStore, dialect: ..., ...}
"""
from __future__ import annotations

import json
import time
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from actions.stored_events import DELETED, screening_positions

# Slots that hold answers or patient text.
CONTENT_SLOTS = frozenset({"screening_answers", "screening_reply", "screening_failures", "screening_person",
                           "deletion_reply", "last_question"})


def _clears_answers(event: dict) -> bool:
    return (event.get("event") == "slot" and event.get("name") == "screening_answers" and event.get("value") is None) \
        or event.get("event") == "session_started"


def redacted(events: list[dict]) -> dict[int, dict]:
    """{position: the event without its content} for every event up to the last turn that cleared
    the answers: what the patient typed (answers are often typed, not clicked, and a question can
    hold health facts too), what the bot said back, payloads, and the slots holding either."""
    cleared = max((i for i, event in enumerate(events) if _clears_answers(event)), default=-1)
    return _changes(events, range(cleared + 1))


def redacted_screening(events: list[dict]) -> dict[int, dict]:
    """The same for a conversation whose session has ended, limited to its pre-screens: the answers,
    the messages with personal facts and the bot's replies to them, and the slots holding answers or
    text. Its questions about the trials stay until the retention (make report reads them)."""
    slots = {i for i, event in enumerate(events) if event.get("event") == "slot"}
    return _changes(events, sorted(screening_positions(events) | slots))


def _changes(events: list[dict], positions) -> dict[int, dict]:
    return {i: changed for i in positions if (changed := _without_content(events[i])) is not None}


def _without_content(event: dict) -> dict | None:
    kind = event.get("event")
    if kind == "user" and event.get("text") != DELETED:
        parse_data = {**(event.get("parse_data") or {}), "text": DELETED, "entities": []}
        return {**event, "text": DELETED, "parse_data": parse_data}
    if kind == "bot" and (event.get("text") not in (None, DELETED) or event.get("data")):
        return {**event, "text": DELETED, "data": {}}
    if kind == "slot" and event.get("name") in CONTENT_SLOTS and event.get("value") is not None:
        return {**event, "value": None}
    return None


def latest_turns(events: list) -> list[dict]:
    """The events (Rasa's) since the patient's message before the last one, as dicts: everything a
    save can add (a turn, with the session start before it), without asking the database what it
    holds (one query less a turn; a clearing seen twice is redacted twice, to the same result)."""
    users = [i for i, event in enumerate(events) if getattr(event, "type_name", None) == "user"]
    return [event.as_dict() for event in (events[users[-2] + 1:] if len(users) >= 2 else events)]


class ForgettingSQLTrackerStore(SQLTrackerStore):
    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's, reading only the events' JSON rather than whole rows as objects: a long conversation
        is read again at every turn, and building a row object per event was a sixth of the Rasa
        server's time in make bench's 60-turn conversation (py-spy)."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in rows.with_entities(self.SQLEvent.data).all()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        clears = any(_clears_answers(event) for event in latest_turns(list(tracker.events)))
        await super().save(tracker)
        if clears:
            self.forget_cleared_screening(tracker.sender_id)

    def forget_cleared_screening(self, sender_id: str) -> int:
        """Redacts the conversation's stored events up to its last clearing; how many changed."""
        return self._redact(sender_id, redacted)

    def _redact(self, sender_id: str, changes_of, idle_before: float | None = None) -> int:
        with self.session_scope() as session:
            rows = (session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
                    .order_by(self.SQLEvent.id).all())
            if idle_before is not None and rows and max(row.timestamp for row in rows) >= idle_before:
                return 0  # the patient came back meanwhile: their session goes on
            changes = changes_of([json.loads(row.data) for row in rows])
            for position, event in changes.items():
                rows[position].data = json.dumps(event)
            session.commit()
        return len(changes)

    def forget_ended_sessions(self, session_minutes: float, now: float | None = None) -> int:
        """Redacts the pre-screens of every conversation idle for longer than a session lasts: its
        session has ended, and with it the answers (Rasa itself clears them only if the patient comes
        back). How many conversations changed."""
        cutoff = (now or time.time()) - session_minutes * 60
        with self.session_scope() as session:
            ended = [sender for (sender,) in session.query(self.SQLEvent.sender_id)
                     .group_by(self.SQLEvent.sender_id).having(sa.func.max(self.SQLEvent.timestamp) < cutoff).all()]
        return sum(self._redact(sender, redacted_screening, idle_before=cutoff) > 0 for sender in ended)

    def purge(self, retention_days: float, now: float | None = None) -> int:
        """Deletes every conversation whose last event is older than the retention; how many."""
        cutoff = (now or time.time()) - retention_days * 86400
        with self.session_scope() as session:
            last_event = sa.func.max(self.SQLEvent.timestamp)
            expired = [sender for (sender,) in session.query(self.SQLEvent.sender_id)
                       .group_by(self.SQLEvent.sender_id).having(last_event < cutoff).all()]
            for start in range(0, len(expired), 500):
                (session.query(self.SQLEvent).filter(self.SQLEvent.sender_id.in_(expired[start:start + 500]))
                 .delete(synchronize_session=False))
            session.commit()
        return len(expired)
