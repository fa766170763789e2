"""The custom actions' own phrases (actions/messages.yml), filled in with their values."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

MESSAGES_FILE = Path(__file__).with_name("messages.yml")


@functools.lru_cache(maxsize=1)
def _messages() -> dict[str, str]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


def say(key: str, **values: str) -> str:
    return _messages()[key].format(**values)
