"""make report: per trial, the questions the texts did not answer (grouped, with counts), the answers
patients rejected, and the pre-screen funnel, from the tracker store of an endpoints file (SQLite or
PostgreSQL). Prints no screening answer, no session id, and a question's words only when at least
--min-conversations conversations asked it.

    make report
    make report REPORT_ARGS="--since 2026-11-01 --format csv > report.csv"
    make report REPORT_ARGS="--draft results/drafts"   # draft team_answers files to fill in
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT)]

from actions.report import build_report, read_store, render_csv, render_table, store_url, write_drafts  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoints", type=Path, default=PROJECT / "endpoints.yml",
                        help="where the tracker store is (deploy/endpoints.yml for PostgreSQL)")
    parser.add_argument("--since", type=date.fromisoformat, default=date.today() - timedelta(days=30),
                        help="first day (YYYY-MM-DD; default 30 days ago)")
    parser.add_argument("--until", type=date.fromisoformat, default=None, help="last day (default today)")
    parser.add_argument("--trial", default=None, help="one trial id (default: each trial)")
    parser.add_argument("--min-conversations", type=int, default=2,
                        help="show a question's words only when this many conversations asked it (default 2)")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    parser.add_argument("--draft", type=Path, default=None,
                        help="also write draft team_answers files of the top unanswered questions into this folder")
    args = parser.parse_args(argv)
    if args.min_conversations < 1:
        parser.error("--min-conversations must be at least 1")
    try:
        conversations = read_store(store_url(args.endpoints))
    except Exception as error:  # the store's own error text can quote patient data: only its kind
        print(f"report: cannot read the tracker store of {args.endpoints} ({type(error).__name__})", file=sys.stderr)
        return 2
    report = build_report(conversations, args.since, args.until, args.min_conversations, args.trial)
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        print(render_csv(report), end="")
    else:
        print(render_table(report))
    if args.draft:
        for path in write_drafts(report, args.draft):
            print(f"report: draft written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
