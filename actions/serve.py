"""Starts the action server (python -m actions.serve): checks the index, warms the model, serves.

One process (no Sanic worker processes): the model is loaded once, before the port opens, and a
missing or stale index stops the start with exit code 2 and the command that rebuilds it.
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from actions.knowledge_base import KnowledgeError
from actions.retrieval import IndexNotReady

logger = logging.getLogger("actions.serve")


# A conversation's tracker is far smaller; Sanic's default (100 MB) let one forged request stall every patient.
MAX_REQUEST_BYTES = 4 * 1024 * 1024


async def without_request_body(request, response):
    if response.status >= 500:
        from sanic import response as responses

        return responses.json({"error": "the action failed"}, status=response.status)
    return None


async def refused_request(request, exception):
    from sanic import response as responses

    return responses.json({"error": type(exception).__name__}, status=exception.status_code)


# The actions (query embedding, search) run in one worker thread, so that the event loop stays free to
# take, refuse (413) and answer other requests while a turn computes. One thread: the machine's other
# core serves Rasa.
ACTION_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="action-worker")


def off_the_event_loop(run):
    """An action's run(), in the worker thread (a coroutine, such as a form validation's, in an event
    loop of its own there)."""
    async def run_in_worker(dispatcher, tracker, domain):
        loop = asyncio.get_running_loop()
        if inspect.iscoroutinefunction(run):
            return await loop.run_in_executor(ACTION_WORKER, lambda: asyncio.run(run(dispatcher, tracker, domain)))
        return await loop.run_in_executor(ACTION_WORKER, run, dispatcher, tracker, domain)

    return run_in_worker


def action_executor():
    """rasa-sdk's executor with the project's actions, each run off the event loop."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    for name, run in list(executor.actions.items()):
        executor.actions[name] = off_the_event_loop(run)
    return executor


class ErrorKindOnly(logging.Filter):
    """An exception's text and traceback can hold what the patient typed: keep only its kind."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.msg, record.args = f"a request failed with {record.exc_info[0].__name__}", ()
            record.exc_info, record.exc_text = None, None
        return True


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

    app = create_app(action_executor(), cors_origins=[])  # only the Rasa server calls it, never a browser
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    # rasa-sdk answers a failed action with the error text and the whole tracker it was sent, and Rasa
    # logs that reply: patient messages and screening answers. Only the kind of error goes back, and
    # only the kind is logged.
    app.register_middleware(without_request_body, "response")
    from sanic.exceptions import SanicException
    app.error_handler.add(SanicException, refused_request)  # 413 and the like keep their status
    logging.getLogger("rasa_sdk.endpoint").addFilter(ErrorKindOnly())
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
