"""make report on conversations held over REST with the real servers: the unanswered question asked
in two conversations is listed with its count, the funnel counts the pre-screen, and nothing a
patient typed alone, no screening answer and no conversation id is printed."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid

from servers import PROJECT, Chat
from test_screening import STSINJ_ANSWERS, walk

STSINJ = {"trial": "STSINJ"}
ALONE = "Can my parakeet Zorblax come with me to the visits?"


def run_report(workdir, *args: str) -> str:
    result = subprocess.run([str(PROJECT / ".venv-actions/bin/python"), "scripts/report.py", *args], cwd=PROJECT,
                            env=dict(os.environ, TRACKER_DB=str(workdir / "tracker.db"), HF_HUB_OFFLINE="1"),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_make_report_lists_unanswered_questions_and_the_funnel_without_patient_data(servers, workdir):
    run = uuid.uuid4().hex[:8]
    for number, text in enumerate(["Will the study pay for my hotel near the hospital?",
                                   "will the study pay for my hotel near the hospital",
                                   "would the study pay for a hotel close to the hospital"]):
        Chat(servers["rasa_port"], f"report-{run}-{number}").send(text, STSINJ)
    Chat(servers["rasa_port"], f"report-{run}-alone").send(ALONE, STSINJ)
    screener = Chat(servers["rasa_port"], f"report-{run}-screen")
    answers = {**STSINJ_ANSWERS, "condition": "Dermatomyositis since I was nine"}
    result, _, _ = walk(screener, screener.send("am I eligible?", STSINJ), answers, STSINJ)

    report = json.loads(run_report(workdir, "--format", "json"))
    stsinj = report["trials"]["STSINJ"]
    hotel = [row for row in stsinj["unanswered"] if row["question"] and "hotel" in row["question"].lower()]
    assert hotel and hotel[0]["conversations"] >= 2 and set(hotel[0]["routes"]) <= {"not_covered", "partial"}
    assert hotel[0]["question"] == "Will the study pay for my hotel near the hospital?"  # the words two used
    assert stsinj["funnel"]["started"] >= 1 and stsinj["funnel"]["finished"] >= 1
    assert sum(stsinj["funnel"]["outcomes"].values()) == stsinj["funnel"]["finished"]

    table = run_report(workdir)
    assert "== STSINJ ==" in table and "hotel" in table.lower() and "Pre-screen: started" in table
    with sqlite3.connect(workdir / "tracker.db") as db:
        senders = [row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")]
    printed = json.dumps(report) + table + run_report(workdir, "--format", "csv")
    for private in ["Zorblax", "parakeet", "Dermatomyositis since", *(s for s in senders if len(s) >= 8)]:
        assert private.lower() not in printed.lower(), private
