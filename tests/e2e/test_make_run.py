"""`make run` as a patient's site gets it (scripts/serve.sh run, on free ports): the channels answer,
and Rasa's HTTP API, which reads and writes any conversation, is not served at all."""
from __future__ import annotations

import stat

import pytest
import requests

from actions.secret_files import rest_headers
from deploy.processes import PROJECT, Server, base_env, free_port, http_ready


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("make-run")
    actions_port, rasa_port, web_port = free_port(), free_port(), free_port()
    env = base_env(ACTIONS_PORT=str(actions_port), RASA_PORT=str(rasa_port), WEB_PORT=str(web_port),
                   ACTION_ENDPOINT_URL=f"http://localhost:{actions_port}/webhook",
                   TRACKER_DB=str(workdir / "var" / "rasa.db"), WEB_ORIGINS=f"http://localhost:{web_port}")
    server = Server("make run", [str(PROJECT / "scripts" / "serve.sh"), "run"],
                    http_ready(f"http://localhost:{web_port}/"), env, workdir / "serve.log").start(timeout=300)
    yield f"http://localhost:{rasa_port}", workdir / "var"
    server.stop()


def test_the_channels_answer(make_run):
    rasa_url, _ = make_run
    reply = requests.post(f"{rasa_url}/webhooks/rest/webhook", timeout=60, headers=rest_headers(),
                          json={"sender": "make-run", "message": "Who is the principal investigator?",
                                "metadata": {"trial": "STSINJ"}})
    assert "Domsi" in "\n".join(m.get("text", "") for m in reply.json())


@pytest.mark.parametrize("method, path", [
    ("GET", "/conversations/make-run/tracker"),
    ("POST", "/conversations/make-run/tracker/events"),
    ("POST", "/conversations/make-run/trigger_intent"),
    ("PUT", "/model"),
    ("POST", "/model/train"),
    ("GET", "/status"),
])
def test_the_http_api_is_not_served(make_run, method, path):
    rasa_url, _ = make_run
    response = requests.request(method, f"{rasa_url}{path}", json={}, timeout=10)
    assert response.status_code in (404, 405), (path, response.status_code, response.text[:200])
    # The conversation above exists: nothing of it comes back (a 404 only repeats the path asked for).
    assert '"events"' not in response.text and '"slots"' not in response.text and "Domsi" not in response.text


def test_the_conversation_store_is_readable_by_its_owner_only(make_run):
    _, var = make_run
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    stored = list(var.iterdir())
    assert stored and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in stored), stored


def test_start_up_purges_old_conversations_and_turns_log_privacy_on(make_run):
    _, var = make_run
    log = (var.parent / "serve.log").read_text()
    assert "purge: 0 conversation(s) older than 30 days deleted" in log
    assert "log privacy on: patient text, answers and conversation ids are redacted" in log
