from __future__ import annotations

import sys
from pathlib import Path

import pytest

# This folder (servers.py), tests/ and the project (deploy/, actions/).
for folder in Path(__file__).resolve().parents[:3]:
    sys.path.insert(0, str(folder))

from servers import action_server, free_port, rasa_server, web_server  # noqa: E402


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def servers(workdir):
    # Free ports: never those of a `make run` that may be up, nor of another test run.
    actions_port, rasa_port, web_port = free_port(), free_port(), free_port()
    web_origin = f"http://localhost:{web_port}"
    actions = action_server(actions_port, workdir, LOG_LEVEL="DEBUG").start()
    # Both at debug level: the privacy test checks that no answer reaches even the debug logs.
    rasa = rasa_server(rasa_port, actions_port, workdir, workdir / "tracker.db", web_origin, LOG_LEVEL="DEBUG").start()
    web = web_server(web_port, workdir, f"http://localhost:{rasa_port}").start()
    yield {"actions": actions, "rasa": rasa, "web": web, "rasa_port": rasa_port, "web_url": f"{web_origin}/", "web_origin": web_origin}
    web.stop()
    rasa.stop()
    actions.stop()
