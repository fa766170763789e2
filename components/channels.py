"""The REST channel, with one addition: a turn that produced no reply (the action server is down
or failed) gets an apology and the study team's contact instead of silence."""
from __future__ import annotations

from typing import Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from actions.knowledge_base import load_trials

APOLOGY = ("Sorry, something went wrong on our side and I can't answer that right now. Please try again in a "
           "moment. You can also contact the study team:\n{contacts}\nIn an emergency, call 911 in the US, or 15 "
           "or 112 in France.")


def apology(metadata: dict | None) -> str:
    trials = load_trials()
    page_trial = (metadata or {}).get("trial") if isinstance(metadata, dict) else None
    shown = [trials[page_trial]] if page_trial in trials else list(trials.values())
    return APOLOGY.format(contacts="\n".join(f"{t.label}: {t.contact}" for t in shown))


class RestWithApology(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # same URL as Rasa's REST channel: /webhooks/rest/webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        async def answer_or_apologise(message: UserMessage) -> None:
            await on_new_message(message)
            collected = getattr(message.output_channel, "messages", None)
            if collected is not None and not collected:
                await message.output_channel.send_text_message(message.sender_id, apology(message.metadata))

        return super().blueprint(answer_or_apologise)
