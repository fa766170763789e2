"""Rasa's REST channel, made strict and never silent:
- a turn that produced no reply (the action server is down or failed) gets an apology and the
  study team's contact;
- a body that is not a JSON object is refused with 400, and one over 64 KB with 413;
- a `message` that is not a string is read as empty ("please type a question"), and `metadata`
  that is not an object is ignored.
"""
from __future__ import annotations

import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Request
from sanic.exceptions import InvalidUsage  # HTTP 400 (Sanic 21)

# Read by Sanic when the Rasa server's app is created, after the channels are loaded. A patient's
# message is short; 64 KB leaves room for 20,000 characters of any script.
os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(64 * 1024))

from actions.knowledge_base import contact_lines, load_trials

APOLOGY = ("Sorry, something went wrong on our side and I can't answer that right now. Please try again in a "
           "moment. You can also contact the study team:\n{contacts}\nIn an emergency, call 911 in the US, or 15 "
           "or 112 in France.")


def apology(metadata: dict | None) -> str:
    trials = load_trials()
    page_trial = (metadata or {}).get("trial") if isinstance(metadata, dict) else None
    shown = [trials[page_trial]] if page_trial in trials else list(trials.values())
    return APOLOGY.format(contacts=contact_lines(shown))


class RestWithApology(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # same URL as Rasa's REST channel: /webhooks/rest/webhook

    @staticmethod
    def _body(req: Request) -> dict:
        if not isinstance(req.json, dict):
            raise InvalidUsage('The body must be a JSON object: {"sender": "...", "message": "..."}')
        return req.json

    async def _extract_sender(self, req: Request) -> str | None:
        sender = self._body(req).get("sender")
        return None if sender is None else str(sender)

    def _extract_message(self, req: Request) -> str:
        message = self._body(req).get("message")
        return message if isinstance(message, str) else ""

    def _extract_input_channel(self, req: Request) -> str:
        channel = self._body(req).get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = self._body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        async def answer_or_apologise(message: UserMessage) -> None:
            await on_new_message(message)
            collected = getattr(message.output_channel, "messages", None)
            if collected is not None and not collected:
                await message.output_channel.send_text_message(message.sender_id, apology(message.metadata))

        return super().blueprint(answer_or_apologise)
