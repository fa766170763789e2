"""Starts the real action server, Rasa server and web page server as subprocesses, on ports and storage of
their own; and talks to Rasa as a patient would, over REST or the widget's Socket.IO channel."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import socketio

PROJECT = Path(__file__).resolve().parents[2]
MODEL = PROJECT / "models" / "trial-assistant.tar.gz"
# The widget's page: the only web origin a test's Rasa server accepts on its Socket.IO channel.
WEB_ORIGIN = "http://localhost:8080"


def free_port() -> int:
    """A port nothing listens on now (so that tests never talk to another run's servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT), RASA_TELEMETRY_ENABLED="false",
               SQLALCHEMY_SILENCE_UBER_WARNING="1", HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    command: list[str]
    health_url: str
    env: dict[str, str]
    log_path: Path
    cwd: Path = PROJECT
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, timeout: float = 180) -> "Server":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(self.health_url, timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{self.name} did not start in {timeout} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def action_server(port: int, workdir: Path, **env: str) -> Server:
    return Server("action server", [str(PROJECT / ".venv-actions/bin/python"), "-m", "actions.serve", "--port", str(port)],
                  f"http://localhost:{port}/health", base_env(**env), workdir / f"actions-{port}.log")


def rasa_server(port: int, action_port: int, workdir: Path, tracker_db: Path, web_origin: str = WEB_ORIGIN,
                **env: str) -> Server:
    command = [str(PROJECT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "--port", str(port), "--model", str(MODEL),
               "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
    return Server("Rasa server", command, f"http://localhost:{port}/status",
                  base_env(ACTION_ENDPOINT_URL=f"http://localhost:{action_port}/webhook", TRACKER_DB=str(tracker_db),
                           WEB_ORIGINS=web_origin, **env),
                  workdir / f"rasa-{port}.log")


def web_server(port: int, rasa_port: int, workdir: Path) -> Server:
    command = [str(PROJECT / ".venv-actions/bin/python"), "-m", "web.site", "serve", "--port", str(port),
               "--out", str(workdir / f"web-{port}"), "--socket-url", f"http://localhost:{rasa_port}"]
    return Server("web page server", command, f"http://localhost:{port}/", base_env(), workdir / f"web-{port}.log")


class Chat:
    """A patient talking to the REST channel."""

    def __init__(self, rasa_port: int, sender: str):
        self.url = f"http://localhost:{rasa_port}/webhooks/rest/webhook"
        self.sender = sender

    def send(self, text, metadata: dict | None = None) -> list[dict]:
        body = {"sender": self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        reply = requests.post(self.url, json=body, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def say(self, text, metadata: dict | None = None) -> str:
        return "\n".join(m.get("text", "") for m in self.send(text, metadata))


class SocketChat:
    """A patient talking to the Socket.IO channel, as the widget does (long-polling, session persistence)."""

    def __init__(self, url: str, origin: str = WEB_ORIGIN):
        self.url, self.origin = url, origin
        self.client = socketio.Client(reconnection=False)
        self.received: list[dict] = []
        self.confirmed: list[str] = []
        self.client.on("bot_uttered", self.received.append)
        self.client.on("session_confirm", self.confirmed.append)
        self.session_id: str | None = None

    def connect(self, session_id: str | None = None) -> "SocketChat":
        self.client.connect(self.url, transports=["polling"], headers={"Origin": self.origin}, wait_timeout=10)
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
