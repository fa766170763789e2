"""make purge: deletes the conversations whose last message is older than the retention
(RETENTION_DAYS, default 30) from the tracker store of an endpoints file (SQLite or PostgreSQL), and
redacts those whose session has ended (idle longer than domain.yml's session_expiration_time): what
was typed and answered in them goes. `make run` runs it at start-up and every 10 minutes. Prints how
many, never who."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", default=str(PROJECT / "endpoints.yml"))
    parser.add_argument("--days", type=float, default=float(os.environ.get("RETENTION_DAYS", "30")))
    parser.add_argument("--session-minutes", type=float, default=None,
                        help="a session ends after this many idle minutes (default: domain.yml's)")
    args = parser.parse_args(argv)
    if args.session_minutes is None:
        import yaml

        domain = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
        args.session_minutes = float(domain["session_config"]["session_expiration_time"])
    from rasa.core.tracker_store import create_tracker_store
    from rasa.utils.endpoints import read_endpoint_config

    from components.tracker_store import ForgettingSQLTrackerStore

    store = create_tracker_store(read_endpoint_config(args.endpoints, "tracker_store"))
    if not isinstance(store, ForgettingSQLTrackerStore):
        print(f"purge: the tracker store in {args.endpoints} is not {ForgettingSQLTrackerStore.__name__}", file=sys.stderr)
        return 2
    try:
        deleted = store.purge(args.days)
        print(f"purge: {deleted} conversation(s) older than {args.days:g} days deleted")
        ended = store.forget_ended_sessions(args.session_minutes)
    except Exception as error:  # a database error quotes its parameters: conversation ids
        print(f"purge: the tracker store failed ({type(error).__name__}); nothing more was deleted", file=sys.stderr)
        return 1
    print(f"purge: {ended} conversation(s) idle for over {args.session_minutes:g} minutes (session ended): "
          "their pre-screens redacted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
