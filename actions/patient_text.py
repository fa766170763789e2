"""What a patient typed, made safe to process before anything reads it (the channels call this before
NLU): characters that break tokenisers and JSON encoders are replaced, and very long messages are cut.
Plain text rules, no Rasa."""
from __future__ import annotations

import re

# Far longer than any question; NLU and the embedding cost grows with the length, and one 60,000-
# character message once held up every other patient for seconds.
MAX_MESSAGE_CHARS = 2000
CUT_MARK = " … "
# C0/C1 control characters other than tab and newline, and non-characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def clean(text: object) -> str:
    """The message as text: not a string is empty; lone surrogates become U+FFFD and control
    characters spaces; past MAX_MESSAGE_CHARS the middle is cut out, so that both a question at the
    end and an emergency at the start are kept."""
    if not isinstance(text, str):
        return ""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = _CONTROL.sub(" ", text)
    if len(text) > MAX_MESSAGE_CHARS:
        half = (MAX_MESSAGE_CHARS - len(CUT_MARK)) // 2
        text = text[:half] + CUT_MARK + text[-half:]
    return text
