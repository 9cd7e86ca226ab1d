"""Rasa's REST channel with bot/message_guard.py in front, at the same URL.

    GET  /webhooks/rest/          {"status": "ok"}
    POST /webhooks/rest/webhook   {"sender": str, "message": str, "metadata"?: object}
                                  -> [{"recipient_id": sender, "text": ...}, ...]

Registered in credentials.yml as `bot.channels.rest.SafeRestInput:` (Rasa loads any input
channel by module path; `name()` is still "rest", so the URL prefix is unchanged).

HTTP status: every answer is a JSON list of replies in the bot's own shape, with a kind text.
- 200 for everything we could read: the bot's replies, and the guard's replies to an empty
  message, a wrong type, a bad sender id or too many messages (clients show 200 replies, and
  these are messages a person should read, not errors).
- 200 also when answering fails on our side: the error is logged without the user's text and the
  reply gives Childline and 999. Never a 5xx, never a stack trace.
- 400 only for a body that is not JSON at all (broken syntax, or not UTF-8).
- 413 for a body over Settings.max_body_bytes, which is not parsed.

Unlike Rasa's RestInput, the body cannot choose the `input_channel`, and `?stream=true` is not
offered: the answer is always one JSON list, so a failure half-way can still be answered kindly.
If the bot produces no reply at all (a custom action failed), the guard's `no_answer` reply is
sent, so nobody is left with silence.
"""

from __future__ import annotations

import logging
import traceback
from asyncio import CancelledError
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import log_privacy
from bot.channels import action_failures
from bot.message_guard import GuardResult, MessageGuard
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Replies are about one person's conversation: no cache may keep them.
NO_STORE = {"Cache-Control": "no-store"}


def where_it_failed(error: BaseException) -> str:
    """The exception's type and call stack, without its message (which may quote the user)."""
    frames = traceback.extract_tb(error.__traceback__)
    places = "; ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in frames[-5:])
    return f"{type(error).__name__} at {places}"


class SafeRestInput(RestInput):
    """POST /webhooks/rest/webhook, checked by the message guard first."""

    def __init__(self, guard: MessageGuard | None = None) -> None:
        # The channel is created once, in the Rasa server, after Rasa has set up its logging:
        # the right moment to keep user text out of the logs (bot/log_privacy.py).
        log_privacy.install()
        self.guard = guard or MessageGuard.from_settings(Settings.from_env())

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SafeRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("helping_hands_safe_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.answer(request.body or b"", on_new_message)

        return webhook

    async def answer(
        self, body: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """The whole answer to one request body; never raises."""
        recipient_id = ""
        try:
            result = self.guard.check(body)
            if not result.accepted:
                return response.json(result.replies, status=result.status, headers=NO_STORE)
            recipient_id = result.message.sender
            replies = await self._ask_bot(result, on_new_message)
            return response.json([*result.replies, *replies], headers=NO_STORE)
        except CancelledError:
            logger.error("rest: answering a message timed out")
        except Exception as error:  # any failure, ours or Rasa's, is answered kindly
            logger.error("rest: answering a message failed: %s", where_it_failed(error))
        return response.json(self.guard.failure_reply(recipient_id), headers=NO_STORE)

    async def _ask_bot(
        self, result: GuardResult, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> list[dict[str, Any]]:
        message = result.message
        collector = CollectingOutputChannel()
        with action_failures.watching() as failed:
            await on_new_message(
                UserMessage(
                    message.text,
                    collector,
                    message.sender,
                    input_channel=self.name(),
                    metadata=message.metadata,
                )
            )
        if failed:
            return collector.messages + self.guard.action_failed_reply(message.sender)
        return collector.messages or self.guard.no_answer_reply(message.sender)
