"""Secrets the servers make for themselves (the session-id key, the REST channel's and the HTTP API's
tokens): one file each under var/, created 0600 by whichever process needs it first, then read by all
of them. Deleting a file rotates its secret."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

VAR_DIR = Path(__file__).resolve().parents[1] / "var"
# The REST channel's token: a program that talks to the assistant over REST sends it as
# "Authorization: Bearer <token>" (the web widget uses Socket.IO and its signed session ids instead).
REST_TOKEN_FILE = Path(os.environ.get("REST_TOKEN_FILE", VAR_DIR / "rest.token"))


def secret(path: Path) -> str:
    """The secret in the file, made (random, 0600, in a 0700 folder) when there is none yet."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:  # O_EXCL: of several processes starting at once, one writes it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    for _ in range(50):  # the process that made it may still be writing it
        if value := path.read_text().strip():
            return value
        time.sleep(0.1)
    raise RuntimeError(f"{path} is empty")


def rest_token() -> str:
    return secret(REST_TOKEN_FILE)


def rest_headers() -> dict[str, str]:
    """What a REST client sends with every message (tests, make eval, make bench)."""
    return {"Authorization": f"Bearer {rest_token()}"}
