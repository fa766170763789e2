from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from servers import action_server, rasa_server  # noqa: E402

ACTIONS_PORT, RASA_PORT = 15055, 15005  # not the ports of a `make run` that may be up


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def servers(workdir):
    actions = action_server(ACTIONS_PORT, workdir, LOG_LEVEL="DEBUG").start()
    # Both at debug level: the privacy test checks that no answer reaches even the debug logs.
    rasa = rasa_server(RASA_PORT, ACTIONS_PORT, workdir, workdir / "tracker.db", LOG_LEVEL="DEBUG").start()
    yield {"actions": actions, "rasa": rasa, "rasa_port": RASA_PORT}
    rasa.stop()
    actions.stop()
