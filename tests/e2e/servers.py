"""Starts the real action server, Rasa server and web page server as subprocesses, on ports and storage of
their own; and talks to Rasa as a patient would, over REST or the widget's Socket.IO channel."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import requests
import socketio

from actions.evaluation import a_few_at_once
from deploy import processes
from deploy.processes import PROJECT, action_server, api_token, base_env, free_port, rest_headers, web_server  # noqa: F401 (for the tests)

# The widget's page: the only web origin a test's Rasa server accepts on its Socket.IO channel.
WEB_ORIGIN = "http://localhost:8080"


def rasa_server(port: int, action_port: int, workdir: Path, tracker_db: Path, web_origin: str = WEB_ORIGIN,
                **env: str) -> processes.Server:
    """Rasa as `make run` starts it (SQLite tracker store, HTTP API on, which some tests read)."""
    return processes.rasa_server(port, workdir, PROJECT / "endpoints.yml", enable_api=True,
                                 ACTION_ENDPOINT_URL=f"http://localhost:{action_port}/webhook",
                                 TRACKER_DB=str(tracker_db), WEB_ORIGINS=web_origin, **env)


def tracker(rasa_url: str, sender: str) -> dict:
    """A conversation as Rasa's HTTP API returns it (with the token it needs)."""
    reply = requests.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": api_token()}, timeout=10)
    reply.raise_for_status()
    return reply.json()


def payloads(messages: list[dict], kind: str) -> list[dict]:
    """The `custom` payloads of one kind ("eligibility_question", "eligibility_result") in a reply."""
    return [m["custom"] for m in messages if isinstance(m.get("custom"), dict) and m["custom"].get("type") == kind]


def browser_tests(web_url: str) -> None:
    """The widget's tests in Chromium (tests/browser/*.test.mjs, playwright-core) against the site at web_url."""
    result = subprocess.run(["node", "--test", "--test-reporter=spec", "tests/browser/"], cwd=PROJECT,
                            env=dict(os.environ, WEB_URL=web_url), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-10000:] + result.stderr[-3000:]


class Chat:
    """A patient talking to the REST channel."""

    def __init__(self, rasa_port: int, sender: str):
        self.url = f"http://localhost:{rasa_port}/webhooks/rest/webhook"
        self.sender = sender

    def send(self, text, metadata: dict | None = None) -> list[dict]:
        body = {"sender": self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        reply = requests.post(self.url, json=body, headers=rest_headers(), timeout=60)
        reply.raise_for_status()
        return reply.json()

    def say(self, text, metadata: dict | None = None) -> str:
        return "\n".join(m.get("text", "") for m in self.send(text, metadata))


def send_each(rasa_port: int, texts: list[str], pages: tuple[str, ...] = ()) -> list[list[dict]]:
    """Each message in a conversation of its own (on the pages in turn, if any), a few at once: the
    replies, in order."""
    def send(numbered: tuple[int, str]) -> list[dict]:
        n, text = numbered
        return Chat(rasa_port, f"each-{uuid.uuid4().hex}").send(text, {"trial": pages[n % len(pages)]} if pages else None)

    return a_few_at_once(send, list(enumerate(texts)))


class SocketChat:
    """A patient talking to the Socket.IO channel, as the widget does (long-polling, session persistence)."""

    def __init__(self, url: str, origin: str = WEB_ORIGIN, transports: tuple[str, ...] = ("polling",)):
        self.url, self.origin, self.transports = url, origin, list(transports)
        # websocket-client adds an Origin of its own unless told not to: the server would see two.
        self.client = socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})
        self.received: list[dict] = []
        self.confirmed: list[str] = []
        self.client.on("bot_uttered", self.received.append)
        self.client.on("session_confirm", self.confirmed.append)
        self.session_id: str | None = None

    def connect(self, session_id: str | None = None) -> "SocketChat":
        self.client.connect(self.url, transports=self.transports, headers={"Origin": self.origin}, wait_timeout=10)
        self.client.call("session_request", {"session_id": session_id}, timeout=10)
        self.session_id = self.confirmed[-1]
        return self

    def close(self) -> None:
        # As a closed tab does: without waiting for the open long-poll to end (up to the 25 s ping).
        self.client.eio.disconnect(abort=True)

    def emit(self, data) -> list[dict]:
        """Sends a raw user_uttered event; returns what the bot sent before acknowledging it (its whole turn)."""
        self.received.clear()
        self.client.call("user_uttered", data, timeout=60)
        return list(self.received)

    def send(self, text, metadata: dict | None = None) -> list[dict]:
        return self.emit({"session_id": self.session_id, "message": text, "metadata": metadata or {}})

    def say(self, text, metadata: dict | None = None) -> str:
        return "\n".join(m.get("text", "") for m in self.send(text, metadata))
