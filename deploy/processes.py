"""Starting and stopping the assistant's server processes: used by the multi-server recipe
(deploy/cluster.py) and by the end-to-end tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from actions.secret_files import VAR_DIR, rest_headers, secret  # noqa: F401 (rest_headers: for the tests)

PROJECT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A port nothing listens on now (so that a run never talks to another run's servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ready(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status < 400
        except OSError:
            return False
    return ready


def tcp_ready(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return True
        except OSError:
            return False
    return ready


@dataclass
class Server:
    name: str
    command: list[str]
    ready: Callable[[], bool]
    env: dict[str, str]
    log_path: Path
    cwd: Path = PROJECT
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, timeout: float = 180) -> "Server":
        with open(self.log_path, "ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            if self.ready():
                return self
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

    def kill(self) -> None:
        """A crash, not a clean stop."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT), RASA_TELEMETRY_ENABLED="false",
               SQLALCHEMY_SILENCE_UBER_WARNING="1", HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


MODEL = PROJECT / "models" / "trial-assistant.tar.gz"


def action_server(port: int, log_dir: Path, **env: str) -> Server:
    return Server("action server", [str(PROJECT / ".venv-actions/bin/python"), "-m", "actions.serve", "--port", str(port)],
                  http_ready(f"http://localhost:{port}/health"), base_env(**env), log_dir / f"actions-{port}.log")


API_TOKEN_FILE = VAR_DIR / "api.token"


def api_token() -> str:
    """The token of Rasa's HTTP API where a command or test turns it on (var/api.token, 0600)."""
    return secret(API_TOKEN_FILE)


def rasa_server(port: int, log_dir: Path, endpoints: Path, enable_api: bool = False, **env: str) -> Server:
    """Rasa on loopback; its action server, storage and web origins come from `env` (see the endpoints file).
    With the HTTP API (it reads and writes any conversation), only with the token of api_token()."""
    command = [str(PROJECT / ".venv-rasa/bin/python"), "-m", "components.rasa_cli",  # log privacy installed at start
               "run", "--interface", "127.0.0.1", "--port", str(port),
               "--model", str(MODEL), "--endpoints", str(endpoints), "--credentials", str(PROJECT / "credentials.yml")]
    if enable_api:
        command += ["--enable-api", "--auth-token", api_token()]
    # "/" answers with or without the HTTP API, once the model is loaded.
    return Server(f"Rasa server :{port}", command, http_ready(f"http://localhost:{port}/"), base_env(**env),
                  log_dir / f"rasa-{port}.log")


def web_server(port: int, log_dir: Path, socket_url: str, **env: str) -> Server:
    command = [str(PROJECT / ".venv-actions/bin/python"), "-m", "web.site", "serve", "--port", str(port),
               "--out", str(log_dir / f"web-{port}"), "--socket-url", socket_url]
    return Server("web page server", command, http_ready(f"http://localhost:{port}/"), base_env(**env),
                  log_dir / f"web-{port}.log")
