"""Faults, for real: the action server down and back, the Rasa server killed mid-conversation and
mid-screening, a missing or corrupt index at start, and 50 conversations at once."""
from __future__ import annotations

import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from servers import PROJECT, Chat, action_server, base_env, free_port, payloads, rasa_server, tracker


@pytest.fixture()
def own_servers(tmp_path):
    """Servers of this test's own, which it may stop and kill."""
    actions_port, rasa_port = free_port(), free_port()
    started = {"actions": action_server(actions_port, tmp_path).start(),
               "rasa": rasa_server(rasa_port, actions_port, tmp_path, tmp_path / "tracker.db").start()}
    started["rasa_port"], started["tmp"] = rasa_port, tmp_path
    yield started
    for name in ("rasa", "actions"):
        started[name].stop()


def test_action_server_down_gets_an_apology_and_answers_resume_when_it_is_back(own_servers):
    patient = Chat(own_servers["rasa_port"], f"down-{uuid.uuid4().hex[:8]}")
    assert "Domsi" in patient.say("Who is the principal investigator?", {"trial": "STSINJ"})
    own_servers["actions"].stop()
    reply = patient.say("Who sponsors the study?", {"trial": "STSINJ"})
    assert reply.startswith("Sorry, something went wrong") and "University of Pittsburgh" in reply
    emergency = patient.say("I can't breathe", {"trial": "STSINJ"})
    assert emergency.lower().startswith("if this is an emergency, call emergency services")  # no action server needed
    assert "call 911" in emergency and "988" in emergency and "112" not in emergency  # the site's numbers, from the channel
    own_servers["actions"].start()
    assert "NIAMS" in patient.say("Who sponsors the study?", {"trial": "STSINJ"})  # no Rasa restart


def test_rasa_killed_mid_screening_loses_nothing(own_servers):
    patient = Chat(own_servers["rasa_port"], f"kill-{uuid.uuid4().hex[:8]}")
    patient.send("Who sponsors the study?", {"trial": "NCT03582800"})
    patient.send("am I eligible?")
    patient.send("Calcium deposits from systemic sclerosis")
    before = payloads(patient.send("I'm 30"), "eligibility_question")[-1]
    assert before["criterion"] == "planned_surgery"
    own_servers["rasa"].kill()  # a crash, not a clean stop
    own_servers["rasa"].start()
    after = payloads(patient.send("no"), "eligibility_question")[-1]
    assert after["criterion"] == "sts_allergy" and after["step"] == before["step"] + 1
    stored = tracker(f"http://localhost:{own_servers['rasa_port']}", patient.sender)
    assert stored["slots"]["trial"] == "NCT03582800"
    assert stored["slots"]["screening_answers"] == {"diagnosis": "systemic_sclerosis_calcification", "age": 30,
                                                      "planned_surgery": "no"}


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_action_server_refuses_a_missing_or_corrupt_index(tmp_path, damage):
    index_dir = tmp_path / "index"
    if damage == "corrupt":
        shutil.copytree(PROJECT / "build" / "index", index_dir)
        faiss_file = index_dir / "passages.faiss"
        faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    result = subprocess.run([str(PROJECT / ".venv-actions/bin/python"), "-m", "actions.serve", "--port", str(free_port())],
                            cwd=PROJECT, env=base_env(INDEX_DIR=str(index_dir)), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "make index" in result.stderr and str(index_dir) in result.stderr


def test_fifty_conversations_at_once_all_answered(servers):
    questions = ["What is the purpose of this trial?", "Who is the principal investigator?", "Is it safe?",
                 "Who sponsors the study?", "How is the medicine given?", "What happens after screening?",
                 "Do I have to stop my medicines?", "Is there parking?", "thanks", "bye"]

    def conversation(i: int) -> list[int]:
        patient = Chat(servers["rasa_port"], f"load-{i}-{uuid.uuid4().hex[:6]}")
        trial = "STSINJ" if i % 2 else "NCT03582800"
        return [len([m for m in patient.send(q, {"trial": trial}) if m.get("text")]) for q in questions]

    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(conversation, range(50)))
    assert len(replies) == 50 and all(len(r) == 10 and all(n >= 1 for n in r) for r in replies)
