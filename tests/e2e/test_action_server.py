"""The action server started for real: a request that makes an action fail gets back only the kind of
error, never the tracker it was sent (Rasa logs that reply), and a huge body is refused."""
from __future__ import annotations

import pytest
import requests

from servers import action_server, free_port

SECRET = "zz-screening-answer-4242"


@pytest.fixture(scope="module")
def actions_url(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("action-server")
    port = free_port()
    server = action_server(port, workdir, LOG_LEVEL="DEBUG").start()
    yield f"http://localhost:{port}", server
    server.stop()


def call(url: str, tracker: dict) -> requests.Response:
    return requests.post(f"{url}/webhook", timeout=30, json={
        "next_action": "action_answer_question", "sender_id": f"sender-{SECRET}", "version": "3.6.21",
        "domain": {}, "tracker": tracker})


def test_a_failing_action_does_not_send_the_tracker_back(actions_url):
    url, server = actions_url
    # A latest message that is not an object makes rasa-sdk raise while reading the tracker.
    tracker = {"sender_id": f"sender-{SECRET}", "slots": {"screening_answers": {"age": SECRET}},
               "latest_message": f"my answer is {SECRET}", "events": [{"event": "user", "text": SECRET}]}
    response = call(url, tracker)
    assert response.status_code >= 400
    assert SECRET not in response.text and "request_body" not in response.text
    assert SECRET not in server.log()


def test_a_request_over_the_size_limit_is_refused(actions_url):
    url, _ = actions_url
    response = call(url, {"sender_id": "big", "slots": {}, "latest_message": {"text": "x" * (5 * 1024 * 1024)},
                          "events": []})
    assert response.status_code == 413 and "x" * 100 not in response.text
