"""Which trial a message is about: named in the message, set by the web page, or remembered."""
from __future__ import annotations

from dataclasses import dataclass

from actions.trial_names import TrialNames


@dataclass(frozen=True)
class TrialContext:
    trials: list[str]  # the trials to answer for (empty: not known)
    remembered: str | None  # what the `trial` slot should hold afterwards


def resolve_trials(text: str | None, metadata: dict | None, slot_value: str | None,
                   names: TrialNames, known: list[str]) -> TrialContext:
    """A trial named in the message wins (the patient changed subject; "pittsburgh and limoges ...
    the first one": the first it names), or "the other one", "the first one" (in the order of
    `known`: as the patient last named them, else as the assistant lists them), "this one" (the
    page's), then the page's metadata {"trial": id}, then the slot. Unknown ids are ignored rather
    than trusted."""
    mentioned = names.find(text or "")
    page = (metadata or {}).get("trial") if isinstance(metadata, dict) else None
    page = page if isinstance(page, str) and page in known else None
    remembered = slot_value if isinstance(slot_value, str) and slot_value in known else None
    place = names.place_named(text or "")
    if len(mentioned) > 1 and place is not None and -len(mentioned) <= place < len(mentioned):
        return TrialContext([mentioned[place]], mentioned[place])
    if mentioned:
        return TrialContext(mentioned, mentioned[0] if len(mentioned) == 1 else (page or remembered))
    if names.names_the_other(text or ""):
        # The trial talked about last, else the page's: "the other one" is any known trial but that.
        talked_about = remembered or page
        others = [t for t in known if t != talked_about] if talked_about else []
        if others:
            return TrialContext(others, others[0] if len(others) == 1 else talked_about)
    if place is not None and -len(known) <= place < len(known):
        return TrialContext([known[place]], known[place])
    if page and names.names_this_one(text or ""):
        return TrialContext([page], page)
    if remembered and names.names_that_one(text or ""):
        return TrialContext([remembered], remembered)
    current = page or remembered
    return TrialContext([current] if current else [], current)
