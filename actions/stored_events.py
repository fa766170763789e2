"""Which stored events of a conversation (Rasa event dicts) belong to a pre-screen: the patient's
answers, a message that started one or told personal facts, and the bot's replies to them. Shared
by the tracker store (what the end of a session deletes) and make report (what it never reads)."""
from __future__ import annotations

SCREENING_FORM = "eligibility_form"
# Intents whose messages hold the patient's own facts ("my son is 12, can he join?"; an acknowledgement
# tells them too: "i see, i already do methotrexate shots every week").
PERSONAL_INTENTS = frozenset({"check_eligibility", "give_answer", "change_answer", "emergency", "ask_medical_advice",
                              "acknowledge"})
DELETED = "[deleted]"  # what the tracker store leaves of forgotten text


def intent_of(event: dict) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def screening_positions(events: list[dict]) -> set[int]:
    """Positions of the patient's messages during a pre-screen or with personal facts, and of the
    bot's replies to them (questions, the outcome with its answers)."""
    positions, active, personal = set(), False, False
    for i, event in enumerate(events):
        kind = event.get("event")
        if kind == "active_loop":
            active = event.get("name") == SCREENING_FORM
        elif kind == "user":
            personal = active or intent_of(event) in PERSONAL_INTENTS
        if personal and kind in ("user", "bot"):
            positions.add(i)
    return positions
