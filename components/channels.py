"""Rasa's REST and Socket.IO channels, made strict and never silent:
- a turn that produced no reply (the action server is down or failed) gets an apology and the
  study team's contact;
- REST: only with the token in var/rest.token ("Authorization: Bearer ..."; else 401); a body that
  is not a JSON object is refused with 400, and one over 64 KB with 413; so is a
  message without a sender (Rasa put them all in one conversation, "default") or with a web chat
  session id as its sender;
- Socket.IO: only the configured web origins may connect; a request over 64 KB is refused (413);
  session ids are issued and signed by the server (an id it did not issue gets a new session);
  custom payloads arrive as {"custom": {...}}; the page's data is read from `metadata` or, as
  rasa-webchat sends it, `customData`;
- a `message` is cleaned before NLU (actions/patient_text.py): not a string is read as empty
  ("please type a question"), lone surrogates and control characters are replaced, and past 2,000
  characters its middle is cut out; `metadata` that is not an object is ignored.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable

from engineio import payload as engineio_payload
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Request
from sanic.response import text as text_response
from sanic.exceptions import InvalidUsage, Unauthorized  # HTTP 400, 401 (Sanic 21)

# Read by Sanic when the Rasa server's app is created, after the channels are loaded. A patient's
# message is short; 64 KB leaves room for 20,000 characters of any script.
MAX_BODY_BYTES = 64 * 1024
MAX_PACKETS_PER_REQUEST = 64
os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_BODY_BYTES))

from actions.knowledge_base import contact_lines, emergency_lines, emergency_numbers, load_trials
from actions.patient_text import clean
from actions.secret_files import VAR_DIR, rest_token, secret

logger = logging.getLogger(__name__)

APOLOGY = ("Sorry, something went wrong on our side and I can't answer that right now. Please try again in a "
           "moment. You can also contact the study team:\n{contacts}\nIn an emergency, call {emergency_numbers}.")


NO_SESSION = "Sorry, I lost track of this conversation. Please reload the page to start again."


# Said when knowledge/ cannot be read: an apology must never fail.
BARE_APOLOGY = ("Sorry, something went wrong on our side and I can't answer that right now. Please try again in a "
                "moment. In an emergency, call your local emergency number.")
# The first words of utter_emergency (domain.yml), which needs no action server; the site's numbers
# follow from action_emergency_numbers, or from the channel when the action server could not say them.
EMERGENCY_FIRST = "If this is an emergency, call emergency services now."


# Read once per process, as the session key is, not from disk on every request (deleting the file
# rotates it at the next start).
_rest_token = functools.lru_cache(maxsize=1)(rest_token)


def _page_trials(metadata: dict | None) -> list:
    trials = load_trials()
    page_trial = (metadata or {}).get("trial") if isinstance(metadata, dict) else None
    return [trials[page_trial]] if page_trial in trials else list(trials.values())


def apology(metadata: dict | None) -> str:
    try:
        shown = _page_trials(metadata)
    except Exception:  # a knowledge file that cannot be read
        return BARE_APOLOGY
    return APOLOGY.format(contacts=contact_lines(shown), emergency_numbers=emergency_numbers(shown))


def emergency_numbers_line(metadata: dict | None) -> str:
    try:
        return emergency_lines(_page_trials(metadata))
    except Exception:
        return "Call your local emergency number (for example 911 in the US, 112 in Europe, 999 in the UK)."


def never_silent(on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Callable[[UserMessage], Awaitable[None]]:
    """Rasa's message handler, followed by an apology when the turn sent the patient nothing: because an
    action failed, or because Rasa itself raised (lock or tracker store down)."""
    async def answer_or_apologise(message: UserMessage) -> None:
        try:
            await on_new_message(message)
        except Exception as error:
            # Only the kind of error: a store's error text can hold the patient's message.
            logger.error("a turn failed with %s; the patient gets an apology", type(error).__name__)
        sent = getattr(message.output_channel, "messages", None)
        if sent is not None and not sent:
            await message.output_channel.send_text_message(message.sender_id, apology(message.metadata))
        elif sent and _emergency_without_numbers(sent):
            # The action server could not add the site's numbers: the channel does.
            await message.output_channel.send_text_message(message.sender_id, emergency_numbers_line(message.metadata))

    return answer_or_apologise


def _emergency_without_numbers(sent: list[dict]) -> bool:
    texts = [m.get("text") or "" for m in sent if isinstance(m, dict)]
    return any(t.startswith(EMERGENCY_FIRST) for t in texts) and not any("for emergency services" in t for t in texts)


class RestWithApology(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # same URL as Rasa's REST channel: /webhooks/rest/webhook

    @staticmethod
    def _body(req: Request) -> dict:
        if not isinstance(req.json, dict):
            raise InvalidUsage('The body must be a JSON object: {"sender": "...", "message": "..."}')
        return req.json

    async def _extract_sender(self, req: Request) -> str:
        # Only programs given the token (var/rest.token) may talk over REST: a web page open on this
        # machine, or reaching it through DNS rebinding, cannot set the header without it.
        given = req.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {_rest_token()}".encode()):
            raise Unauthorized('The REST channel needs "Authorization: Bearer <the token in var/rest.token>"')
        sender = self._body(req).get("sender")
        # Without one, Rasa would put every such request in one conversation named "default".
        if not isinstance(sender, (str, int)) or not str(sender).strip() or len(str(sender)) > 255:
            raise InvalidUsage('"sender" is required: a text of at most 255 characters naming the conversation')
        if issued(str(sender)):
            # The widget's conversations are reached only through the widget's channel.
            raise InvalidUsage('This "sender" is a web chat conversation; use another name')
        return str(sender)

    def _extract_message(self, req: Request) -> str:
        return clean(self._body(req).get("message"))

    def _extract_input_channel(self, req: Request) -> str:
        channel = self._body(req).get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = self._body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        _rest_token()  # made at start-up (var/rest.token, 0600), for the programs that may use REST
        return super().blueprint(never_silent(on_new_message))


class SocketOutput(SocketIOOutput):
    """Rasa's Socket.IO output, keeping what one turn sent (so a silent turn is noticed)."""

    def __init__(self, sio, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.messages: list[dict] = []

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.messages.append(response)
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        # Rasa 3.6 passes the payload to emit() as keyword arguments, which fails; send it as a message.
        await self._send_message(recipient_id, {"custom": json_message})


# Session ids are issued by the server: 32 random hex characters and 16 of their HMAC under a key kept
# in var/ (0600; deleting it rotates the key and ends every session). An id it did not issue, whatever
# its shape, gets a new session: a guessed or copied-shape id never reaches another conversation.
SESSION_KEY_FILE = Path(os.environ.get("SESSION_KEY_FILE", VAR_DIR / "session.key"))
_SESSION_ID = re.compile(r"[0-9a-f]{48}")


@functools.lru_cache(maxsize=1)
def _session_key() -> bytes:
    return bytes.fromhex(secret(SESSION_KEY_FILE))


def _tag(nonce: str) -> str:
    return hmac.new(_session_key(), nonce.encode(), hashlib.sha256).hexdigest()[:16]


def issue_session_id() -> str:
    nonce = secrets.token_hex(16)
    return nonce + _tag(nonce)


def issued(session_id: Any) -> bool:
    return (isinstance(session_id, str) and bool(_SESSION_ID.fullmatch(session_id))
            and hmac.compare_digest(session_id[32:], _tag(session_id[:32])))


def _origins(value: Any) -> list[str] | None:
    """Allowed web origins from credentials: a list or a comma-separated string; None = same origin only."""
    if isinstance(value, str):
        value = value.split(",")
    origins = [o.strip().rstrip("/") for o in value or [] if isinstance(o, str) and o.strip()]
    return origins or None


class SocketWithApology(SocketIOInput):
    """Rasa's Socket.IO channel (for the web widget), with origins limited and every message checked."""

    allowed_origins: list[str] | None = None

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "SocketWithApology":
        channel = super().from_credentials(credentials)
        channel.allowed_origins = _origins((credentials or {}).get("cors_allowed_origins"))
        return channel

    def _metadata(self, data: dict) -> dict | None:
        # botfront's rasa-webchat, which many Rasa sites embed, sends the page's data as `customData`.
        metadata = data.get(self.metadata_key, data.get("customData"))
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                return None
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)  # keeps Rasa's connect (JWT) and health handlers
        sio = self.sio
        sio.eio.cors_allowed_origins = self.allowed_origins  # Rasa's [] would let any web page connect
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES
        # Engine.IO drops a whole long-polling request of more than 16 packets (python-engineio's
        # default), silently; a client may batch more. The widget also sends its queue one by one.
        engineio_payload.Payload.max_decode_packets = MAX_PACKETS_PER_REQUEST
        # JSONP (`j=`) lets any page read the handshake through a <script> tag, which sends no Origin.
        engineio_request = sio.eio.handle_request

        async def without_jsonp(request: Request, *args: Any, **kwargs: Any) -> Any:
            if "j" in request.args:
                return text_response("JSONP is not served", status=400)
            return await engineio_request(request, *args, **kwargs)

        sio.eio.handle_request = without_jsonp  # before the blueprint attaches it to the app
        # Clients start on long-polling and upgrade to WebSocket (which Sanic 21.12 can do on Python
        # 3.10, the Rasa environment's; on 3.11 it fails: README, "Two environments").
        answer = never_silent(on_new_message)

        async def session_request(sid: str, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = asked if issued(asked) else issue_session_id()
            if self.session_persistence:
                # One conversation per connection: "New conversation" in the widget leaves the old one.
                for room in sio.rooms(sid, namespace=self.namespace):
                    if room != sid:
                        await sio.leave_room(sid, room, namespace=self.namespace)
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            sender_id = sid
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not isinstance(sender_id, str) or len(sender_id) > 1000:
                    await sio.emit(self.bot_message_evt, {"text": NO_SESSION}, room=sid)
                    return
                if not issued(sender_id):
                    # Not one of ours (forged, or from before the key changed): a new conversation,
                    # and the message is answered in it.
                    sender_id = issue_session_id()
                    for room in sio.rooms(sid, namespace=self.namespace):
                        if room != sid:
                            await sio.leave_room(sid, room, namespace=self.namespace)
                    await sio.emit("session_confirm", sender_id, room=sid, namespace=self.namespace)
                # A message sent just as the connection came back (to this or another server) may come
                # before its session_request: the id is the conversation's key, so join it here.
                if sender_id not in sio.rooms(sid, namespace=self.namespace):
                    await sio.enter_room(sid, sender_id, namespace=self.namespace)
            await answer(UserMessage(clean(data.get("message")), SocketOutput(sio, self.bot_message_evt),
                                     sender_id, input_channel=self.name(), metadata=self._metadata(data)))

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
