"""The first thing every input channel does with a request: check it, clean it, or answer kindly.

    guard = MessageGuard.from_settings(Settings.from_env())
    result = guard.check(request.body)    # raw bytes, or an already parsed JSON value
    if result.accepted:                   # pass result.message to Rasa; show result.replies first
        ...
    else:                                 # answer with result.replies and result.status
        ...

A request is `{"sender": str, "message": str, "metadata"?: object}`. Nothing a user sends is
answered with an error: a body that is not JSON, a wrong type, an empty message or too many
messages too fast each get a kind reply from content/guard_replies.yml, in the same shape as the
bot's own replies (`[{"recipient_id": sender, "text": ...}]`).

What reaches Rasa: control characters removed (newlines kept, tabs become spaces), unpaired
surrogates replaced, Unicode in NFC form (emoji and right-to-left text are kept as they are),
cut to `Settings.max_message_chars` (the reply then says so first), then passed through the
`redact` hook. Metadata that is not a JSON object, is nested too deeply, or cannot be written as
UTF-8 is dropped; the message itself still goes through.

The rate limiter is a token bucket per sender: a burst of `rate_limit_messages`, refilled at
`rate_limit_messages` per `rate_limit_seconds`. Its reply always gives 999 and Childline, because
the person typing fast may be in danger. Memory is bounded: a sender idle for a whole window has a
full bucket again and is forgotten; past `rate_limit_max_senders`, the longest-idle go first
(they then start with a full bucket, so eviction can only ever let a message through, never block
one). It limits one process; with several Rasa servers each limits its own share, and flooding
from many ids is the load balancer's job, not this one.

Nothing here logs message text (../shared/DESIGN.md, anonymity).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from bot import content_files
from bot.settings import CONTENT_DIR, Settings

REPLIES_FILE = CONTENT_DIR / "guard_replies.yml"
REPLY_KEYS = frozenset(
    {
        "empty",
        "action_failed",
        "not_text",
        "unreadable",
        "too_large",
        "bad_sender",
        "cut",
        "rate_limited",
        "internal_error",
        "no_answer",
    }
)
# Metadata deeper than this is dropped: Rasa deep-copies it, and very deep nesting would exhaust
# the stack there. Real clients send one or two levels.
MAX_METADATA_DEPTH = 10

Redact = Callable[[str], str]
Clock = Callable[[], float]

_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 and C1 control characters and DEL, except the newline (tab and CR are mapped first).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def identity(text: str) -> str:
    return text


class Problem(Enum):
    """Why a request was answered by the guard instead of the bot: (reply key, HTTP status)."""

    # Not JSON at all (broken syntax, not UTF-8): the only 400.
    NOT_JSON = ("unreadable", 400)
    # Larger than Settings.max_body_bytes: not even parsed.
    TOO_LARGE = ("too_large", 413)
    # Valid JSON, but not a {"sender", "message"} object.
    NOT_AN_OBJECT = ("unreadable", 200)
    BAD_SENDER = ("bad_sender", 200)
    NOT_TEXT = ("not_text", 200)
    EMPTY = ("empty", 200)
    RATE_LIMITED = ("rate_limited", 200)

    @property
    def reply_key(self) -> str:
        return self.value[0]

    @property
    def status(self) -> int:
        return self.value[1]


@dataclass(frozen=True)
class GuardReplies:
    """The texts of content/guard_replies.yml, `{max_chars}` already filled in."""

    texts: Mapping[str, str]

    @classmethod
    def load(cls, max_chars: int, path: Path = REPLIES_FILE) -> GuardReplies:
        with open(path, encoding="utf-8") as handle:
            texts = yaml.safe_load(handle)["replies"]
        missing = {
            k for k in REPLY_KEYS if not isinstance(texts.get(k), str) or not texts[k].strip()
        }
        if missing:
            raise ValueError(f"{path} has no reply for: {', '.join(sorted(missing))}")
        return cls({k: str(v).replace("{max_chars}", str(max_chars)) for k, v in texts.items()})

    def reply(self, key: str, recipient_id: str) -> dict[str, str]:
        """One reply in the shape of the bot's own: {"recipient_id", "text"}."""
        return {"recipient_id": recipient_id, "text": self.texts[key]}


@dataclass(frozen=True)
class CleanMessage:
    """What goes on to Rasa."""

    sender: str
    text: str
    metadata: dict[str, Any] | None = None
    was_cut: bool = False


@dataclass(frozen=True)
class GuardResult:
    """The guard's decision on one request.

    accepted: `message` goes to Rasa; `replies` (the cut notice, if any) go before the bot's own.
    refused: `replies` are the whole answer, sent with HTTP `status`; `problem` says why.
    """

    status: int = 200
    message: CleanMessage | None = None
    problem: Problem | None = None
    replies: list[dict[str, str]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.message is not None


def clean_text(text: str) -> str:
    """Control characters out (newlines kept), unpaired surrogates replaced, NFC form."""
    text = _SURROGATES.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def is_blank(text: str) -> bool:
    """Nothing to read: only spaces, newlines or invisible format characters (U+200B...)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def is_valid_sender(sender: Any, max_chars: int) -> bool:
    return (
        isinstance(sender, str)
        and 0 < len(sender) <= max_chars
        and sender.isprintable()
        and not sender.isspace()
    )


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, counting no further than limit + 1."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return 0
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


def clean_metadata(metadata: Any) -> dict[str, Any] | None:
    """The metadata if it is a JSON object Rasa can store safely, else None."""
    if not isinstance(metadata, dict) or _depth(metadata, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH:
        return None
    try:
        json.dumps(metadata, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError):  # unpaired surrogates, NaN
        return None
    return metadata


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes, max_bytes: int) -> tuple[Any, Problem | None]:
    """The JSON value of a request body, or the problem that stops it being read."""
    if len(body) > max_bytes:
        return None, Problem.TOO_LARGE
    try:
        text = bytes(body).decode("utf-8")
        return json.loads(text.removeprefix("\ufeff"), parse_constant=_refuse_constant), None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, Problem.NOT_JSON


class RateLimiter:
    """Token bucket per sender, in bounded memory (see the module docstring)."""

    def __init__(
        self,
        messages: int,
        seconds: float,
        max_senders: int,
        clock: Clock = time.monotonic,
    ) -> None:
        if messages < 1 or seconds <= 0 or max_senders < 1:
            raise ValueError("rate limit settings must be positive")
        self.capacity = float(messages)
        self.seconds = float(seconds)
        self.refill_per_second = messages / seconds
        self.max_senders = max_senders
        self.clock = clock
        # sender -> (tokens left, when last seen); oldest-seen first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, sender: str) -> bool:
        """Take one token for sender; False when there is none left."""
        now = self.clock()
        self._forget_idle(now)
        tokens = self.capacity
        if sender in self._buckets:
            left, seen = self._buckets.pop(sender)
            tokens = min(self.capacity, left + max(0.0, now - seen) * self.refill_per_second)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_senders:
            self._buckets.popitem(last=False)
        return allowed

    def _forget_idle(self, now: float) -> None:
        # After a whole window of silence a bucket is full again: forgetting it changes nothing.
        while self._buckets:
            _, seen = next(iter(self._buckets.values()))
            if now - seen < self.seconds:
                return
            self._buckets.popitem(last=False)


class MessageGuard:
    """Checks one request at a time. Holds the rate limiter's state, so keep one per channel."""

    def __init__(
        self,
        replies: GuardReplies,
        limiter: RateLimiter,
        max_message_chars: int = Settings.max_message_chars,
        max_body_bytes: int = Settings.max_body_bytes,
        max_sender_chars: int = Settings.max_sender_chars,
        redact: Redact = identity,
        button_payloads: frozenset[str] = frozenset(),
    ) -> None:
        self.replies = replies
        self.button_payloads = button_payloads
        self.limiter = limiter
        self.max_message_chars = max_message_chars
        self.max_body_bytes = max_body_bytes
        self.max_sender_chars = max_sender_chars
        self.redact = redact

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        redact: Redact | None = None,
        clock: Clock = time.monotonic,
    ) -> MessageGuard:
        """Reads the replies file once. `redact` defaults to bot.redact.redact."""
        limiter = RateLimiter(
            settings.rate_limit_messages,
            settings.rate_limit_seconds,
            settings.rate_limit_max_senders,
            clock,
        )
        return cls(
            GuardReplies.load(settings.max_message_chars),
            limiter,
            max_message_chars=settings.max_message_chars,
            max_body_bytes=settings.max_body_bytes,
            max_sender_chars=settings.max_sender_chars,
            redact=redact if redact is not None else default_redact(),
            button_payloads=frozenset(content_files.button_payloads()),
        )

    def check(self, body: Any) -> GuardResult:
        """Check a raw request body (bytes) or an already parsed JSON value (anything else)."""
        if isinstance(body, (bytes, bytearray, memoryview)):
            payload, problem = parse_body(bytes(body), self.max_body_bytes)
            if problem:
                return self.refuse(problem)
        else:
            payload = body
        return self._check_payload(payload)

    def refuse(self, problem: Problem, recipient_id: str = "") -> GuardResult:
        return GuardResult(
            status=problem.status,
            problem=problem,
            replies=[self.replies.reply(problem.reply_key, recipient_id)],
        )

    def failure_reply(self, recipient_id: str = "") -> list[dict[str, str]]:
        """What to say when answering failed on our side (for the channel's error handler)."""
        return [self.replies.reply("internal_error", recipient_id)]

    def action_failed_reply(self, recipient_id: str) -> list[dict[str, str]]:
        """Said after the bot's answer when part of it failed (a custom action)."""
        return [self.replies.reply("action_failed", recipient_id)]

    def no_answer_reply(self, recipient_id: str) -> list[dict[str, str]]:
        """What to say when the bot produced no reply at all."""
        return [self.replies.reply("no_answer", recipient_id)]

    def _check_payload(self, payload: Any) -> GuardResult:
        if not isinstance(payload, dict):
            return self.refuse(Problem.NOT_AN_OBJECT)
        sender = payload.get("sender")
        if not is_valid_sender(sender, self.max_sender_chars):
            return self.refuse(Problem.BAD_SENDER)
        text = payload.get("message")
        if text is None:
            return self.refuse(Problem.EMPTY, sender)
        if not isinstance(text, str):
            return self.refuse(Problem.NOT_TEXT, sender)
        text = without_command_prefix(clean_text(text).strip(), self.button_payloads)
        if is_blank(text):
            return self.refuse(Problem.EMPTY, sender)
        if not self.limiter.allow(sender):
            return self.refuse(Problem.RATE_LIMITED, sender)
        was_cut = len(text) > self.max_message_chars
        if was_cut:
            text = text[: self.max_message_chars]
        message = CleanMessage(
            sender=sender,
            text=self.redact(text),
            metadata=clean_metadata(payload.get("metadata")),
            was_cut=was_cut,
        )
        notices = [self.replies.reply("cut", sender)] if was_cut else []
        return GuardResult(message=message, replies=notices)


def without_command_prefix(text: str, button_payloads: frozenset[str]) -> str:
    """Only our own buttons may speak to Rasa in "/intent" syntax.

    Rasa reads any message starting with "/" as an intent, skipping the whole NLU pipeline, the
    safety layer included: "/kms" would not escalate. Anything typed that is not exactly one of
    the domain's button payloads loses its leading slashes and is read like any other message.
    """
    if not text.startswith("/") or text in button_payloads:
        return text
    return text.lstrip("/").lstrip()


def default_redact() -> Redact:
    """bot.redact.redact, with its rules and word lists loaded now, as the channel starts,
    rather than on the first message someone sends."""
    from bot import redact

    redact.load()
    return redact.redact
