"""Rasa's command line with this project's process set-up: `python -m components.rasa_cli run ...`.

Every Rasa server and shell of the project starts this way (scripts/serve.sh, deploy/processes.py), so
the log privacy (components/log_privacy.py), the action-reply check (components/action_validation.py)
and the faster conversation replay (components/tracker_speed.py) are installed explicitly at
start-up, as soon as Rasa has configured its logging and before any message, whatever the NLU
pipeline in config.yml holds.
"""
from __future__ import annotations

import logging

import rasa.__main__ as rasa_main

from components import action_validation, log_privacy, tracker_speed

PRIVACY_ON = "log privacy on: patient text, answers and conversation ids are redacted"


def _configure_structlog(*args, **kwargs) -> None:
    configure_rasa_structlog(*args, **kwargs)
    log_privacy.install()
    action_validation.install()
    tracker_speed.install()
    logging.getLogger(__name__).info(PRIVACY_ON)


configure_rasa_structlog = rasa_main.configure_structlog

if __name__ == "__main__":
    rasa_main.configure_structlog = _configure_structlog  # the last set-up step before the command runs
    rasa_main.main()
