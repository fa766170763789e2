"""Follow-ups that lean on the last question: "and the Limoges one?", "what about Pittsburgh?",
"and for the other one?", "the first one?", "and on this one?" (after the page changed)."""
from __future__ import annotations

import re

from actions.trial_names import TrialNames

# What is left of "and for the Limoges one?" once the trial's name is taken out.
_ONLY_CONNECTIVES = re.compile(r"^(\W|and|but|also|what|how|about|for|the|same|question|one|ones|trial|study|"
                               r"in|at|of|on|then|please|there|that|this|too|as well|ok|okay|so|now|hmm|right|thanks|"
                               r"thank you|again|other|first|1st|second|2nd|third|3rd|last|page|listing)*$", re.IGNORECASE)


def repeats_last_question(text: str, names: TrialNames) -> bool:
    """Whether the message only names another trial, asking the same question again for it (a bare
    name, with nothing around it, picks the trial instead)."""
    rest = names.without_names(text)
    names_a_trial = (bool(names.find(text)) or names.names_the_other(text) or names.place_named(text) is not None
                     or names.names_this_one(text) or names.names_that_one(text))
    return names_a_trial and bool(rest) and bool(_ONLY_CONNECTIVES.fullmatch(rest))


def only_names_a_trial(text: str, names: TrialNames) -> str | None:
    """The trial a message only names ("the french one", "pittsburgh please"), else None."""
    found = names.find(text)
    return found[0] if len(found) == 1 and _ONLY_CONNECTIVES.fullmatch(names.without_names(text)) else None


# "And who funds it?", "what about the side effects?": goes on from the question before.
_GOES_ON = re.compile(r"^\W*(and|also|so|but|then|plus|what about|how about|(ok|okay|thanks|right)\W+(and|so|what about))\b",
                      re.IGNORECASE)


def goes_on(text: str) -> bool:
    """Whether a message goes on from the one before ("and who funds it?")."""
    return bool(_GOES_ON.match(text or ""))
