"""Both servers started for real; patients' questions asked over the REST channel."""
from __future__ import annotations

import uuid

import pytest
import requests

from hostile_inputs import BAD_TEXTS, check_sensible
from servers import Chat, rest_headers, tracker


def rest_post(servers, headers: dict | None = None, **kwargs) -> requests.Response:
    """A raw request to the REST channel, with its token (var/rest.token) unless told otherwise."""
    return requests.post(f"http://localhost:{servers['rasa_port']}/webhooks/rest/webhook",
                         headers={**rest_headers(), **(headers or {})}, **kwargs)


def chat(servers) -> Chat:
    return Chat(servers["rasa_port"], f"e2e-{uuid.uuid4().hex[:10]}")


def test_trial_is_remembered_and_switched_in_a_conversation(servers):
    patient = chat(servers)
    assert "Domsi" in patient.say("Who is the principal investigator?", {"trial": "STSINJ"})
    # No metadata now: the trial is remembered from the slot.
    assert "NIAMS" in patient.say("Who is funding the study?")
    assert "University Hospital, Limoges" in patient.say("And who sponsors the Limoges study?")
    assert "2 years" in patient.say("How old do you have to be?")


def test_emergency_mid_conversation_comes_first(servers):
    patient = chat(servers)
    patient.say("What is the purpose of this trial?", {"trial": "STSINJ"})
    replies = patient.send("my daughter passed out after the injection")
    assert "call emergency services" in replies[0]["text"].lower()


def test_greeting_says_what_the_bot_is_not(servers):
    text = chat(servers).say("hello")
    assert "not a doctor" in text and "STSINJ" in text and "NCT03582800" in text


@pytest.mark.parametrize("text, expect", BAD_TEXTS)
def test_bad_input_gets_a_sensible_reply(servers, text, expect):
    response = rest_post(servers,
                             json={"sender": f"bad-{uuid.uuid4().hex[:8]}", "message": text}, timeout=120)
    assert response.status_code == 200
    # Messages with only a `custom` payload are data for the widget, not text.
    check_sensible([m.get("text", "") for m in response.json() if "custom" not in m or "text" in m], expect)
    # The server is still up and answering.
    assert requests.get(f"http://localhost:{servers['rasa_port']}/", timeout=10).ok


@pytest.mark.parametrize("body, status, expect", [
    ('{"sender": "x", "message": ', 400, None),  # invalid JSON
    ("[1, 2]", 400, "json object"),  # not an object
    ('"just a string"', 400, "json object"),
    ('{"sender": "w1", "message": 123}', 200, "please type a question"),  # wrong types
    ('{"sender": "w2", "message": ["a", "b"]}', 200, "please type a question"),
    ('{"sender": "w3"}', 200, "please type a question"),
    ('{"sender": 42, "message": "Who is the principal investigator?", "metadata": {"trial": "STSINJ"}}', 200, "domsi"),
    ('{"sender": "w4", "message": "Who is the principal investigator?", "metadata": "STSINJ"}', 200, None),
    ('{"sender": "w5", "message": "hello", "metadata": {"trial": ["x"]}}', 200, "not a doctor"),
])
def test_malformed_requests_get_a_defined_answer(servers, body, status, expect):
    response = rest_post(servers, data=body,
                             headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == status
    if expect:
        assert expect in response.text.lower()
    if status == 200:
        assert [m for m in response.json() if m.get("text")]  # never silence


def test_a_one_megabyte_body_is_refused_quickly(servers):
    body = '{"sender": "big", "message": "' + "a" * 1_000_000 + '"}'
    response = rest_post(servers, data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413
    assert requests.get(f"http://localhost:{servers['rasa_port']}/", timeout=10).ok


def test_a_60000_character_message_is_cut_and_its_question_still_answered(servers):
    sender = f"long-{uuid.uuid4().hex[:8]}"
    story = "we have been through so much with the calcium deposits. " * 1075 + "Who is the principal investigator?"
    assert len(story) > 60000
    reply = rest_post(servers, timeout=120,
                          json={"sender": sender, "message": story, "metadata": {"trial": "STSINJ"}})
    assert "Domsi" in "\n".join(m.get("text", "") for m in reply.json())
    stored = [e["text"] for e in tracker(f"http://localhost:{servers['rasa_port']}", sender)["events"] if e["event"] == "user"]
    assert stored and all(len(text) <= 2000 for text in stored)


def test_a_lone_surrogate_gets_an_answer_not_an_error(servers):
    body = '{"sender": "surrogate-%s", "message": "who runs \\ud800 the study?", "metadata": {"trial": "STSINJ"}}' % (
        uuid.uuid4().hex[:8])
    reply = rest_post(servers, data=body.encode(),
                          headers={"Content-Type": "application/json"}, timeout=60)
    assert reply.status_code == 200
    check_sensible([m.get("text", "") for m in reply.json() if "text" in m], None)
    assert not any("Sorry, something went wrong" in m.get("text", "") for m in reply.json())


@pytest.mark.parametrize("params", [{}, {"token": "guess"}])
def test_the_http_api_refuses_without_its_token(servers, params):
    for method, path in [("GET", "/conversations/x/tracker"), ("POST", "/conversations/x/tracker/events"),
                         ("PUT", "/model"), ("GET", "/status")]:
        response = requests.request(method, f"http://localhost:{servers['rasa_port']}{path}", params=params, json={},
                                    timeout=10)
        assert response.status_code in (401, 403), (method, path, response.status_code)


@pytest.mark.parametrize("body", [{"message": "hello"}, {"sender": "", "message": "hello"},
                                  {"sender": None, "message": "hello"}, {"sender": ["a"], "message": "hello"}])
def test_a_message_without_a_sender_is_refused_not_put_in_a_shared_conversation(servers, body):
    response = rest_post(servers, json=body, timeout=30)
    assert response.status_code == 400 and "sender" in response.text


def test_rest_cannot_write_into_a_web_chat_conversation(servers):
    from servers import SocketChat

    widget = SocketChat(f"http://localhost:{servers['rasa_port']}", servers["web_origin"]).connect()
    try:
        response = rest_post(servers, timeout=30,
                                 json={"sender": widget.session_id, "message": "/stop_screening"})
        assert response.status_code == 400
    finally:
        widget.close()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer guess"}, {"Authorization": "guess"}])
def test_the_rest_channel_refuses_a_caller_without_its_token(servers, headers):
    # As a web page open on this machine would post (no preflight for text/plain), or a made-up client.
    body = '{"sender": "someone", "message": "am I eligible?"}'
    response = requests.post(f"http://localhost:{servers['rasa_port']}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "text/plain", **headers}, timeout=30)
    assert response.status_code == 401 and "token" in response.text
