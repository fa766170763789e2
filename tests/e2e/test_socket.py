"""The widget's Socket.IO channel, for real: sourced answers, screening payloads, a conversation resumed
on a new connection, origins, and hostile events (each with a defined answer; the server stays up)."""
from __future__ import annotations

import json
import uuid

import pytest
import requests
import socketio

from hostile_inputs import BAD_TEXTS, check_sensible
from servers import SocketChat, payloads, tracker


@pytest.fixture()
def socket_url(servers) -> str:
    return f"http://localhost:{servers['rasa_port']}"


@pytest.fixture()
def patient(servers, socket_url):
    chat = SocketChat(socket_url, servers["web_origin"]).connect()
    yield chat
    chat.close()


OWN = object()  # stands for the connection's own session id in the table below


def still_up(socket_url: str) -> None:
    assert requests.get(f"{socket_url}/", timeout=10).ok


def test_faq_answer_names_its_source(patient):
    reply = patient.say("Who is the principal investigator?", {"trial": "STSINJ"})
    assert "Domsi" in reply and "(Source: STSINJ trial (University of Pittsburgh), section" in reply


def test_screening_resumes_on_a_new_connection_with_the_same_session(socket_url, patient):
    patient.send("Can I take part?", {"trial": "NCT03582800"})
    reply = patient.send("Calcium deposits from systemic sclerosis", {"trial": "NCT03582800"})
    first = payloads(reply, "eligibility_question")[-1]
    assert first["criterion"] == "age" and first["step"] == 2
    patient.close()  # as a page reload does
    again = SocketChat(socket_url, patient.origin).connect(patient.session_id)
    try:
        assert again.session_id == patient.session_id
        following = payloads(again.send("45", {"trial": "NCT03582800"}), "eligibility_question")[-1]
        assert following["step"] == 3 and following["trial"] == "NCT03582800"
    finally:
        again.close()


def test_buttons_arrive_as_quick_replies(patient):
    replies = patient.send("Could I take part?", {"trial": "STSINJ"})
    buttons = [r for m in replies for r in m.get("quick_replies", [])]
    assert buttons and all(b["title"] and b["payload"] for b in buttons)


def test_only_the_configured_web_origin_may_connect(servers, socket_url):
    with pytest.raises(socketio.exceptions.ConnectionError):
        SocketChat(socket_url, origin="http://tracker.example").connect()
    handshake = f"{socket_url}/socket.io/?EIO=4&transport=polling"
    refused = requests.get(handshake, headers={"Origin": "http://tracker.example"}, timeout=10)
    assert refused.status_code == 400 and "not an accepted origin" in refused.text
    assert requests.get(handshake, headers={"Origin": servers["web_origin"]}, timeout=10).ok


@pytest.mark.parametrize("text, expect", BAD_TEXTS)
def test_bad_input_gets_a_sensible_reply(socket_url, patient, text, expect):
    check_sensible([m.get("text", "") for m in patient.send(text) if "text" in m], expect)
    still_up(socket_url)


@pytest.mark.parametrize("event, expect", [
    ("just a string", "reload the page"),  # not an object: no conversation to answer in
    (["a", "b"], "reload the page"),
    ({"message": "hello"}, "reload the page"),  # no session id
    ({"session_id": "f" * 32, "message": "hello"}, "not a doctor"),  # before session_request, as after a reconnect
    ({"session_id": "x" * 20000, "message": "hello"}, "reload the page"),
    # Wrong types, in this connection's own conversation:
    ({"session_id": OWN, "message": 123}, "please type a question"),
    ({"session_id": OWN, "message": ["a", "b"]}, "please type a question"),
    ({"session_id": OWN, "message": None, "metadata": None}, "please type a question"),
    ({"session_id": OWN, "message": "Who is the principal investigator?", "metadata": '{"trial": "STSINJ"}'}, "domsi"),
    ({"session_id": OWN, "message": "Who is the principal investigator?", "metadata": "{not json"}, None),
    ({"session_id": OWN, "message": "hello", "metadata": {"trial": ["x"]}}, "not a doctor"),
])
def test_malformed_events_get_a_defined_answer(socket_url, patient, event, expect):
    if isinstance(event, dict) and event.get("session_id") is OWN:
        event = dict(event, session_id=patient.session_id)
    check_sensible([m.get("text", "") for m in patient.emit(event) if "text" in m], expect)
    still_up(socket_url)


def test_a_junk_session_request_gets_a_new_conversation(servers, socket_url):
    chat = SocketChat(socket_url, servers["web_origin"]).connect("../../etc/passwd")
    try:
        assert len(chat.session_id) == 48 and chat.session_id != "../../etc/passwd"
        assert "Domsi" in chat.say("Who is the principal investigator?", {"trial": "STSINJ"})
    finally:
        chat.close()


def test_a_one_megabyte_message_is_refused_and_others_go_on(socket_url, patient):
    # At the transport, as a browser's long-polling request carries it: engine.io handshake, then the POST.
    headers = {"Origin": patient.origin}
    handshake = requests.get(f"{socket_url}/socket.io/?EIO=4&transport=polling", headers=headers, timeout=10)
    sid = json.loads(handshake.text[1:])["sid"]
    refused = requests.post(f"{socket_url}/socket.io/?EIO=4&transport=polling&sid={sid}",
                            data="4" + "a" * 1_000_000, headers=headers, timeout=30)
    assert refused.status_code == 413
    still_up(socket_url)
    assert "Domsi" in patient.say("Who is the principal investigator?", {"trial": "STSINJ"})


def forged(session_id: str) -> str:
    """The same id with its last character changed: the shape of an issued id, not issued."""
    return session_id[:-1] + ("0" if session_id[-1] != "0" else "1")


@pytest.mark.parametrize("make_id", [forged, lambda own: own[:32], lambda own: "f" * 48])
def test_an_id_the_server_did_not_issue_gets_a_new_session(servers, socket_url, patient, make_id):
    patient.send("Who is the principal investigator?", {"trial": "STSINJ"})
    intruder = SocketChat(socket_url, servers["web_origin"]).connect(make_id(patient.session_id))
    try:
        assert intruder.session_id not in (patient.session_id, make_id(patient.session_id))
        # A message sent with the unissued id is answered, in a new conversation whose id is confirmed.
        secret = f"zz{uuid.uuid4().hex[:8]}"
        replies = intruder.emit({"session_id": make_id(patient.session_id), "message": f"hello {secret}"})
        assert replies and intruder.confirmed[-1] not in (patient.session_id, make_id(patient.session_id))
    finally:
        intruder.close()
    assert secret not in json.dumps(tracker(socket_url, patient.session_id))


def test_a_jsonp_handshake_is_refused(socket_url):
    # A <script src=".../socket.io/?EIO=4&transport=polling&j=0"> on any page: no Origin header is sent.
    response = requests.get(f"{socket_url}/socket.io/?EIO=4&transport=polling&j=0", timeout=10)
    assert response.status_code == 400 and "sid" not in response.text
    still_up(socket_url)


@pytest.mark.parametrize("transports", [("websocket",), ("polling", "websocket")])
def test_the_widget_channel_works_over_websocket(servers, socket_url, transports):
    chat = SocketChat(socket_url, servers["web_origin"], transports).connect()
    try:
        assert "Domsi" in chat.say("Who is the principal investigator?", {"trial": "STSINJ"})
        assert chat.client.transport() == "websocket"
    finally:
        chat.close()


def test_a_websocket_from_another_origin_is_refused(socket_url):
    with pytest.raises(socketio.exceptions.ConnectionError):
        SocketChat(socket_url, "https://evil.example", ("websocket",)).connect()
