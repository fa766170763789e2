"""make purge: deletes the conversations whose last message is older than the retention
(RETENTION_DAYS, default 30) from the tracker store of an endpoints file (SQLite or PostgreSQL).
`make run` runs it at start-up. Prints how many were deleted, never who."""
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
    args = parser.parse_args(argv)
    from rasa.core.tracker_store import create_tracker_store
    from rasa.utils.endpoints import read_endpoint_config

    from components.tracker_store import ForgettingSQLTrackerStore

    store = create_tracker_store(read_endpoint_config(args.endpoints, "tracker_store"))
    if not isinstance(store, ForgettingSQLTrackerStore):
        print(f"purge: the tracker store in {args.endpoints} is not {ForgettingSQLTrackerStore.__name__}", file=sys.stderr)
        return 2
    deleted = store.purge(args.days)
    print(f"purge: {deleted} conversation(s) older than {args.days:g} days deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
