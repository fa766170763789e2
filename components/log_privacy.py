"""Keeps what patients type (and the slots holding their screening answers) out of the Rasa
server's logs, at every log level.

Rasa logs through structlog, naming the fields that can hold user content (message text, slot
values, parse data, events ...); a processor put first in its chain redacts those fields, and
tracebacks are rendered without local variables (which hold message texts). A few plain debug
lines print slot candidates; a logging filter redacts those. Installed at start-up by
components/rasa_cli.py, through which every Rasa process of the project starts.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets

import structlog

REDACTED = "[redacted]"
# Rasa's own list of event fields that can carry user content (rasa.utils.log_utils._anonymizer).
CONTENT_FIELDS = frozenset((
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response", "slot_candidates",
    "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states", "successes", "current_entity",
    "next_entity", "states", "entity", "token_text", "user_message", "json_message", "metadata"))
# Plain (non-structured) Rasa log lines that include slot values or message contents.
_CONTENT_LINES = ("Validating extracted slots", "Received user message", "slot values")


# A conversation's id is the key to it (a bearer token): logs name it by a short keyed hash, which
# still lets an operator follow one conversation through the log of one run.
_ID_FIELDS = frozenset(("sender_id", "conversation_id", "sender"))
_LOG_KEY = secrets.token_bytes(16)
_QUOTED_ID = re.compile(r"((?:sender|conversation)(?:[ _]id)?\s*[:=]?\s*)'([^']{1,1000})'", re.IGNORECASE)


def pseudonym(conversation_id: object) -> str:
    return "conv-" + hmac.new(_LOG_KEY, str(conversation_id).encode(), hashlib.sha256).hexdigest()[:8]


def redact_content(_logger, _name: str, event_dict: dict) -> dict:
    for field in CONTENT_FIELDS & event_dict.keys():
        event_dict[field] = REDACTED
    for field in _ID_FIELDS & event_dict.keys():
        event_dict[field] = pseudonym(event_dict[field])
    return event_dict


def without_ids(message: str) -> str:
    """"... sender_id '5e9b...' ..." -> "... sender_id 'conv-1a2b3c4d' ..." (Rasa's plain log lines)."""
    return _QUOTED_ID.sub(lambda m: f"{m.group(1)}'{pseudonym(m.group(2))}'", message)


# Rasa's warnings quote what they are about, and for a message "/word" that is the patient's text
# ("Failed to parse intent end in line '/word'. ... but found word."): only the kind of warning stays.
_WARNING_KIND = re.compile(r"(\w+Warning):")


class RedactContentFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("rasa"):
            message = record.getMessage()
            if any(line in message for line in _CONTENT_LINES):
                record.msg, record.args = f"{message.split(':')[0]}: {REDACTED}", ()
            elif (hidden := without_ids(message)) != message:
                record.msg, record.args = hidden, ()
        elif record.name == "py.warnings":
            kind = _WARNING_KIND.search(record.getMessage())
            record.msg, record.args = f"{kind.group(1) if kind else 'Warning'}: {REDACTED}", ()
        return True


def install() -> None:
    processors = structlog.get_config()["processors"]
    if redact_content in processors:
        return
    # In place: loggers already in use hold this same list.
    processors.insert(0, redact_content)
    for i, processor in enumerate(processors):
        if processor is structlog.processors.dict_tracebacks:
            processors[i] = structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False))
        elif isinstance(processor, structlog.dev.ConsoleRenderer):
            processor._exception_formatter = structlog.dev.plain_traceback
    content_filter = RedactContentFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(content_filter)
    # Python warnings go through logging (and so through the filter), not straight to stderr.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addFilter(content_filter)
