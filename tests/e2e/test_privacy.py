"""Screening answers are health information: they must not reach the logs, even at debug level."""
from __future__ import annotations

import sqlite3
import uuid

import pytest

from servers import Chat, tracker

SECRETS = ["Coumadin", "forty-seven", "Calcium deposits from dermatomyositis"]


def test_answers_stay_out_of_both_servers_debug_logs(servers):
    patient = Chat(servers["rasa_port"], f"privacy-{uuid.uuid4().hex[:8]}")
    patient.send("am I eligible?", {"trial": "NCT03582800"})
    patient.send(SECRETS[2])
    patient.send("she is forty-seven")
    for answer in ("no", "no", "no"):
        patient.send(answer)
    replies = patient.send("I take Coumadin every evening")
    assert any(isinstance(m.get("custom"), dict) and m["custom"].get("outcome") == "likely_not_eligible" for m in replies)
    # Installed explicitly at start-up (components/rasa_cli.py), not by whatever config.yml loads.
    assert "log privacy on: patient text, answers and conversation ids are redacted" in servers["rasa"].log()
    for server in ("rasa", "actions"):
        log = servers[server].log()
        assert "DEBUG" in log  # the check is meaningful only at debug level
        for secret in SECRETS + [patient.sender]:  # the conversation's id is its key: named by a hash only
            assert secret.lower() not in log.lower(), (server, secret)


def stored_events(tracker_db, sender: str) -> str:
    """Everything the tracker store holds for a conversation, read from the database itself."""
    with sqlite3.connect(tracker_db) as db:
        return "\n".join(row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)))


@pytest.mark.parametrize("clear", ["forget my answers", "stop", "start over"])
def test_cleared_answers_are_gone_from_the_tracker_store(servers, workdir, clear):
    patient = Chat(servers["rasa_port"], f"gone-{uuid.uuid4().hex[:8]}")
    patient.send("my daughter is 9 and has dermatomyositis, can she join?", {"trial": "NCT03582800"})
    patient.send("no")
    patient.send("I take Xarelto")
    before = stored_events(workdir / "tracker.db", patient.sender)
    assert "Xarelto" in before and "dermatomyositis" in before  # stored until cleared
    assert "delete" in patient.say(clear).lower()  # asked first: nothing deleted yet
    assert "Xarelto" in stored_events(workdir / "tracker.db", patient.sender)
    assert "deleted" in patient.say("Yes, delete my answers").lower()
    after = stored_events(workdir / "tracker.db", patient.sender)
    for secret in ("Xarelto", "daughter is 9", "dermatomyositis_calcification"):
        assert secret not in after, secret
    # The conversation goes on.
    assert "University Hospital, Limoges" in patient.say("Who sponsors the study?")


def test_forget_my_answers_clears_them(servers):
    patient = Chat(servers["rasa_port"], f"forget-{uuid.uuid4().hex[:8]}")
    patient.send("am I eligible?", {"trial": "NCT03582800"})
    patient.send("Calcium deposits from systemic sclerosis")
    patient.send("forget my answers")
    assert "deleted" in patient.say("yes")
    stored = tracker(f"http://localhost:{servers['rasa_port']}", patient.sender)
    assert stored["slots"]["screening_answers"] is None and stored["active_loop"] == {}


def test_a_slash_message_stays_out_of_the_logs(servers):
    """Rasa reads "/word" as an intent and warns, naming it, when the domain does not know it."""
    secret = f"zzslash{uuid.uuid4().hex[:6]}"
    patient = Chat(servers["rasa_port"], f"slash-{uuid.uuid4().hex[:8]}")
    replies = patient.send(f"/{secret}")
    assert replies and all(m.get("text") or m.get("custom") for m in replies)
    patient.send(f'/choose_trial{{"trial": "{secret}"}}')
    for server in ("rasa", "actions"):
        assert secret not in servers[server].log(), server


def test_make_purge_deletes_conversations_idle_past_the_retention(servers, workdir):
    import subprocess

    from servers import PROJECT, base_env

    old, recent = (Chat(servers["rasa_port"], f"{age}-{uuid.uuid4().hex[:8]}") for age in ("old", "recent"))
    for patient in (old, recent):
        patient.send("Who sponsors the study?", {"trial": "STSINJ"})
    with sqlite3.connect(workdir / "tracker.db") as db:  # the old one's last message was 31 days ago
        db.execute("UPDATE events SET timestamp = timestamp - 31 * 86400 WHERE sender_id = ?", (old.sender,))
    result = subprocess.run([str(PROJECT / ".venv-rasa/bin/python"), "-W", "ignore", "scripts/purge.py"], cwd=PROJECT,
                            env=base_env(TRACKER_DB=str(workdir / "tracker.db"), ACTION_ENDPOINT_URL="http://localhost:1",
                                         RETENTION_DAYS="30"), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "older than 30 days deleted" in result.stdout and old.sender not in result.stdout + result.stderr
    assert stored_events(workdir / "tracker.db", old.sender) == ""
    assert "NIAMS" in stored_events(workdir / "tracker.db", recent.sender)


def test_the_end_of_a_session_deletes_what_was_typed_and_answered(servers, workdir):
    import subprocess

    from servers import PROJECT, base_env

    ended, going_on = (Chat(servers["rasa_port"], f"{kind}-{uuid.uuid4().hex[:8]}") for kind in ("ended", "going"))
    for patient in (ended, going_on):
        patient.send("Who sponsors the study?", {"trial": "NCT03582800"})
        patient.send("am I eligible?", {"trial": "NCT03582800"})
        patient.send("Calcium deposits from dermatomyositis")
    with sqlite3.connect(workdir / "tracker.db") as db:  # the patient left 61 minutes ago
        db.execute("UPDATE events SET timestamp = timestamp - 61 * 60 WHERE sender_id = ?", (ended.sender,))
    result = subprocess.run([str(PROJECT / ".venv-rasa/bin/python"), "-W", "ignore", "scripts/purge.py"], cwd=PROJECT,
                            env=base_env(TRACKER_DB=str(workdir / "tracker.db"), ACTION_ENDPOINT_URL="http://localhost:1"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "idle for over 60 minutes (session ended): their pre-screens redacted" in result.stdout
    assert ended.sender not in result.stdout + result.stderr
    stored = stored_events(workdir / "tracker.db", ended.sender)
    assert stored and "dermatomyositis" not in stored.lower() and "am I eligible" not in stored
    assert "Who sponsors the study?" in stored  # a question about the trial stays until the retention
    assert "dermatomyositis" in stored_events(workdir / "tracker.db", going_on.sender).lower()  # still going on
    # Coming back starts a new session, with nothing of the old one.
    assert "Limoges" in ended.say("Who sponsors the study?", {"trial": "NCT03582800"})


def test_a_web_chat_session_id_and_its_answers_stay_out_of_every_log(servers):
    from servers import SocketChat

    widget = SocketChat(f"http://localhost:{servers['rasa_port']}", servers["web_origin"]).connect()
    try:
        widget.send("am I eligible?", {"trial": "NCT03582800"})
        widget.send("Calcium deposits from pseudoxanthoma elasticum")
        widget.send("he is seventy-three")
    finally:
        widget.close()
    for server in ("rasa", "actions", "web"):
        log = servers[server].log()
        for secret in (widget.session_id, "pseudoxanthoma", "seventy-three"):
            assert secret not in log, (server, secret)
