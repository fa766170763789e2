"""Hostile and odd messages, each with what the reply must contain (None: any sensible reply).
Sent over REST (test_rest.py) and over the widget's Socket.IO channel (test_socket.py)."""

BAD_TEXTS = [
    ("", "please type a question"),
    ("   \n\t ", "please type a question"),
    ("what is the purpose of this trial? " * 580, None),  # ~20,000 characters
    ("<script>alert('x')</script><img src=x onerror=alert(1)>", None),
    ("'; DROP TABLE events; --", None),
    ("🙂🙂🙂", None),
    ("¿Cuál es el objetivo de este estudio?", None),
    ("Quel est le but de cette étude ?", None),
    ("asdkjh qwlekj zxcmnb", None),
    ("מהי מטרת המחקר?", None),  # right-to-left: Hebrew
    ("ما هو هدف هذه الدراسة؟", None),  # right-to-left: Arabic
    ("\u202eWho runs the study?\u202c", None),  # a right-to-left override character
    ("\x00\x07 control \x1b[31m characters", None),
]


def check_sensible(replies: list[str], expect: str | None) -> None:
    """Never silence, never an error shown to the patient, and the expected words when there are any."""
    assert replies and all(r.strip() for r in replies), replies
    joined = "\n".join(replies)
    assert "Traceback" not in joined and "Exception" not in joined
    if expect:
        assert expect in joined.lower()
