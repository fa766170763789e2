"""The multi-server recipe (deploy/cluster.py), started for real: PostgreSQL, Redis, one action server,
two Rasa servers and nginx. A conversation moves between the servers; a server crashes mid-screening
and nothing is lost; the widget works through nginx in Chromium."""
from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import socketio

from deploy.cluster import Cluster
from deploy.processes import free_port
from servers import Chat, SocketChat, browser_tests, payloads

LIMOGES = {"trial": "NCT03582800"}


@pytest.fixture(scope="module")
def cluster():
    state = Path(tempfile.mkdtemp(prefix="trial-cluster-"))
    started = Cluster(state, free_port()).start()
    yield started
    started.stop()
    shutil.rmtree(state, ignore_errors=True)


def step(messages) -> dict:
    """The screening question a reply asks."""
    return payloads(messages, "eligibility_question")[-1]


def test_a_conversation_begun_on_one_server_continues_on_the_other(cluster):
    sender = f"moves-{uuid.uuid4().hex[:8]}"
    first, second = (Chat(port, sender) for port in cluster.rasa_ports)
    assert step(first.send("Could I take part?", LIMOGES))["step"] == 1
    assert step(second.send("Calcium deposits from systemic sclerosis", LIMOGES))["criterion"] == "age"
    assert step(first.send("45", LIMOGES))["step"] == 3
    stored = cluster.sql(f"SELECT count(*) FROM events WHERE sender_id = '{sender}' AND type_name = 'user'")
    assert stored == "3"  # in PostgreSQL, not in either server


def test_messages_to_both_servers_at_once_are_all_kept(cluster):
    # The lock in Redis makes the servers take turns on one conversation. Rasa's own Redis lock store
    # lost 1 or 2 of 8 here (components/lock_store.py).
    sender = f"both-{uuid.uuid4().hex[:8]}"
    chats = [Chat(cluster.rasa_ports[i % 2], sender) for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        for burst in range(1, 4):
            replies = list(pool.map(lambda chat: chat.say("Who sponsors the study?", LIMOGES), chats))
            assert all("Limoges" in reply for reply in replies)
            stored = cluster.sql(f"SELECT count(*) FROM events WHERE sender_id = '{sender}' AND type_name = 'user'")
            assert stored == str(8 * burst)


def reconnect(cluster, session_id: str, within: float = 30) -> SocketChat:
    """Through nginx with the same session id, retrying as socket.io-client does by itself (nginx may still
    be finding out which server is down)."""
    deadline = time.monotonic() + within
    while True:
        try:
            return SocketChat(cluster.url, cluster.url).connect(session_id)
        except socketio.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_a_server_crash_mid_screening_through_the_proxy_loses_nothing(cluster):
    patient = SocketChat(cluster.url, cluster.url).connect()
    patient.send("Could I take part?", LIMOGES)
    expected = step(patient.send("Calcium deposits from systemic sclerosis", LIMOGES))["step"] + 1
    for name, port in zip(("rasa1", "rasa2"), cluster.rasa_ports):
        cluster.servers[name].kill()  # whichever server held the connection, one of them dies here
        patient.close()
        patient = reconnect(cluster, patient.session_id)
        answer = "45" if expected == 3 else "no"
        assert step(patient.send(answer, LIMOGES))["step"] == expected
        expected += 1
        cluster.servers[name] = cluster.rasa(port).start()
    patient.close()
    assert requests.get(f"{cluster.url}/", timeout=10).ok
    # No log of any process (nginx, both Rasa servers, the action server, PostgreSQL, Redis) holds the
    # session id or the answer.
    logs = list(cluster.logs.glob("*.log"))
    assert any(log.name == "nginx.log" for log in logs)
    for log in logs:
        text = log.read_text(errors="replace")
        assert patient.session_id not in text and "systemic sclerosis" not in text.lower(), log.name


def test_the_widget_works_through_nginx(cluster):
    browser_tests(f"{cluster.url}/")


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/conversations/x/tracker", "/status"])
def test_only_the_widget_channel_is_public(cluster, path):
    response = requests.post(f"{cluster.url}{path}", json={"sender": "x", "message": "Who runs the study?"}, timeout=10)
    assert response.status_code in (404, 405) and "Domsi" not in response.text


def test_forget_my_answers_deletes_them_from_postgresql(cluster):
    sender = f"forget-{uuid.uuid4().hex[:8]}"
    patient = Chat(cluster.rasa_ports[0], sender)
    patient.send("Could I take part?", LIMOGES)
    patient.send("Calcium deposits from systemic sclerosis")
    patient.send("she is forty-seven")
    stored = lambda: cluster.sql(f"SELECT string_agg(data, ' ') FROM events WHERE sender_id = '{sender}'")  # noqa: E731
    assert "forty-seven" in stored()
    patient.send("forget my answers")
    assert "forty-seven" in stored()  # nothing deleted before the yes
    assert "deleted" in patient.say("Yes, delete my answers")
    assert "forty-seven" not in stored() and "systemic_sclerosis_calcification" not in stored()
