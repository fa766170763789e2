"""Starts the action server (python -m actions.serve): checks the index, warms the model, serves.

One process (no Sanic worker processes): the model is loaded once, before the port opens, and a
missing or stale index stops the start with exit code 2 and the command that rebuilds it.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from actions.knowledge_base import KnowledgeError
from actions.retrieval import IndexNotReady

logger = logging.getLogger("actions.serve")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from actions.services import warm_up
    try:
        loaded = warm_up()
    except (IndexNotReady, KnowledgeError) as error:
        print(f"action server not started: {error}", file=sys.stderr)
        return 2
    logger.info("knowledge base ready: %d passages from %s", len(loaded.retriever.passages),
                ", ".join(loaded.trials))

    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])  # only the Rasa server calls it, never a browser
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
