"""The simulated users: an asyncio client POSTing to a REST webhook on 127.0.0.1.

Every pass is bounded three ways: by its duration (no message starts after it), by a message
budget, and by a hard deadline (duration plus one request timeout) after which anything still
waiting is cancelled.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import aiohttp
import yaml

from bot.bench.stats import Outcome, classify_reply

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
WEBHOOK = "/webhooks/rest/webhook"
# Shorter than the servers' keep-alive (Sanic: 5 s), so an idle connection is never reused
# just as the server closes it; that race would show up as errors that are the client's own.
CLIENT_KEEPALIVE_SECONDS = 2.0

Conversation = list[str]


def load_conversations(key: str, path: Path = MESSAGES_FILE) -> list[Conversation]:
    """The conversations under `key` ("ours" or "reference") in messages.yml."""
    with open(path, encoding="utf-8") as handle:
        conversations = yaml.safe_load(handle)[key]
    if not conversations or not all(
        c and all(isinstance(m, str) and m.strip() for m in c) for c in conversations
    ):
        raise ValueError(
            f"{path}: {key} needs non-empty conversations of non-empty text messages (quote yes, no, numbers)"
        )
    return conversations


def user_messages(conversations: list[Conversation], user: int) -> Iterator[tuple[str, str]]:
    """(sender id, text) for ever: the conversations in turn from the user's own starting one,
    each with a new random sender id."""
    first = user % len(conversations)
    for index in itertools.count(first):
        sender = uuid.uuid4().hex
        for text in conversations[index % len(conversations)]:
            yield sender, text


@dataclass
class Budget:
    """The most messages a pass may send, shared by its users."""

    remaining: int

    def take(self) -> bool:
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True


@dataclass(frozen=True)
class Target:
    port: int
    fallback_texts: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK}"


async def send(session: aiohttp.ClientSession, target: Target, sender: str, text: str) -> Outcome:
    started = time.perf_counter()
    try:
        async with session.post(target.url, json={"sender": sender, "message": text}) as reply:
            raw = await reply.read()
            latency_ms = (time.perf_counter() - started) * 1000
            status = reply.status
    except asyncio.TimeoutError:
        return Outcome(None, "timeout")
    except aiohttp.ClientError as error:
        return Outcome(None, type(error).__name__)
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return Outcome(latency_ms, classify_reply(status, body, target.fallback_texts))


async def _user(
    session: aiohttp.ClientSession,
    target: Target,
    messages: Iterator[tuple[str, str]],
    budget: Budget,
    outcomes: list[Outcome],
    end: float,
    first_at: float,
    interval: float | None,
) -> None:
    """Back to back when `interval` is None; else one message every `interval` seconds."""
    next_at = first_at
    while True:
        now = time.perf_counter()
        if next_at > now:
            await asyncio.sleep(next_at - now)
        if time.perf_counter() >= end or not budget.take():
            return
        sender, text = next(messages)
        outcomes.append(await send(session, target, sender, text))
        if interval is not None:
            # The next message on the user's schedule; no burst to catch up after a slow reply.
            next_at = max(next_at + interval, time.perf_counter())


async def run_pass(
    target: Target,
    conversations: list[Conversation],
    users: int,
    seconds: float,
    max_messages: int,
    timeout: float,
    interval: float | None = None,
) -> tuple[list[Outcome], float]:
    """One pass: its outcomes and its wall time in seconds.

    With `interval`, user i sends first at i * interval / users, so arrivals are spread evenly.
    """
    outcomes: list[Outcome] = []
    budget = Budget(max_messages)
    connector = aiohttp.TCPConnector(limit=users, keepalive_timeout=CLIENT_KEEPALIVE_SECONDS)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(
        connector=connector, timeout=client_timeout, trust_env=False
    ) as session:
        started = time.perf_counter()
        end = started + seconds
        tasks = [
            asyncio.create_task(
                _user(
                    session,
                    target,
                    user_messages(conversations, user),
                    budget,
                    outcomes,
                    end,
                    started + (user * interval / users if interval else 0.0),
                    interval,
                )
            )
            for user in range(users)
        ]
        done, pending = await asyncio.wait(tasks, timeout=seconds + timeout + 5)
        for task in pending:
            task.cancel()
            outcomes.append(Outcome(None, "cancelled at the pass's deadline"))
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # a bug in the client itself should not pass silently
        elapsed = time.perf_counter() - started
    return outcomes, elapsed
