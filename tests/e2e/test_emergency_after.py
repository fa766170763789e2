"""After an emergency reply, over REST: a message saying help has come or the danger has passed is no
new emergency, and one saying the danger goes on still is (tests/eval/after_emergency_test.yml, a
writer's messages never trained on). Each is sent in its own conversation: the NLU reads a message
alone."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from actions.evaluation import reply_route
from servers import Chat

MESSAGES = yaml.safe_load((Path(__file__).resolve().parents[1] / "eval" / "after_emergency_test.yml").read_text())
# Measured on 2026-12-05: 37 of 40 dangers that go on recognised; the three missed were French ("le
# SAMU est là mais elle répond toujours pas", a seizure of 7 minutes, fainting in the emergency room),
# and French patterns for not responding, fainting and a seizure that goes on were then added, so the
# 40 of 40 since is no longer a held-out figure. 17 of 61 messages after help came taken for an
# emergency (24 before the writer's other half was learned from). Floors just below.
FLOORS = {"still_emergency": 0.9}
CEILINGS = {"handled": 0.32}


@pytest.fixture(scope="module")
def emergency_shares(servers) -> dict:
    shares = {}
    for group, texts in MESSAGES.items():
        routes = [reply_route(Chat(servers["rasa_port"], f"after-{uuid.uuid4().hex}").send(t)) for t in texts]
        shares[group] = sum(r == "emergency" for r in routes) / len(routes)
    print(shares)
    return shares


def test_dangers_that_go_on_are_still_emergencies(emergency_shares):
    assert emergency_shares["still_emergency"] >= FLOORS["still_emergency"]


def test_help_having_come_is_mostly_no_new_emergency(emergency_shares):
    assert emergency_shares["handled"] <= CEILINGS["handled"]
