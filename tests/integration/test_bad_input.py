"""Bad input to the real Rasa server's REST webhook gets a kind reply, never a 5xx or a traceback.

Also the channel itself (bot/channels/rest.py) with failures we cannot cause from outside.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import pytest
import yaml
from rasa.core.run import _create_single_channel

from bot.channels.rest import SafeRestInput
from bot.message_guard import GuardReplies, MessageGuard, RateLimiter
from bot.settings import PROJECT_ROOT, Settings

SETTINGS = Settings.from_env()
REPLIES = GuardReplies.load(SETTINGS.max_message_chars).texts
CUT_NOTICE = REPLIES["cut"]


def new_sender() -> str:
    return uuid.uuid4().hex


def body(message, sender=None, **extra) -> bytes:
    return json.dumps({"sender": sender or new_sender(), "message": message, **extra}).encode()


def well_formed(status: int, text: str) -> list[dict]:
    """The checks every answer passes: not a 5xx, JSON, a kind text, no stack trace."""
    assert status < 500, text
    assert "Traceback" not in text
    replies = json.loads(text)
    assert isinstance(replies, list) and replies, text
    assert all(isinstance(r, dict) and isinstance(r.get("recipient_id"), str) for r in replies)
    texts = [r["text"] for r in replies if "text" in r]
    assert texts and all(isinstance(t, str) and t.strip() for t in texts), text
    assert REPLIES["internal_error"] not in texts, "answered kindly, but something failed inside"
    return replies


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if "text" in r]


# Bodies the guard answers itself.
GUARD_CASES = {
    "empty message": (body(""), 200, "empty"),
    "whitespace only": (body(" \n\t  \r\n "), 200, "empty"),
    "invisible characters only": (body("\u200b\u200f"), 200, "empty"),
    "message missing": (json.dumps({"sender": new_sender()}).encode(), 200, "empty"),
    "message null": (body(None), 200, "empty"),
    "message a number": (body(42), 200, "not_text"),
    "message a list": (body(["hi"]), 200, "not_text"),
    "message an object": (body({"text": "hi"}), 200, "not_text"),
    "sender missing": (json.dumps({"message": "hi"}).encode(), 200, "bad_sender"),
    "sender a number": (body("hi", sender=12345), 200, "bad_sender"),
    "sender too long": (body("hi", sender="s" * 10_000), 200, "bad_sender"),
    "sender with control characters": (body("hi", sender="ab\x00cd"), 200, "bad_sender"),
    "json list": (b'["hi"]', 200, "unreadable"),
    "json string": (b'"hi"', 200, "unreadable"),
    "invalid json": (b'{"sender": "a", "message": "hi"', 400, "unreadable"),
    "not json at all": (b"hello there", 400, "unreadable"),
    "empty body": (b"", 400, "unreadable"),
    "invalid utf-8": (b'{"sender": "abc", "message": "\xff\xfe\xc3\x28"}', 400, "unreadable"),
    "huge body": (body("x" * (SETTINGS.max_body_bytes + 1)), 413, "too_large"),
}


@pytest.mark.parametrize("raw, status, reply", GUARD_CASES.values(), ids=GUARD_CASES.keys())
def test_bad_input_gets_a_kind_reply(rest_server, raw, status, reply):
    got_status, text = rest_server.post(raw)
    replies = well_formed(got_status, text)
    assert got_status == status
    assert texts(replies) == [REPLIES[reply]]


# Messages that go on to the bot: it answers them like any other.
BOT_CASES = {
    "emoji only": "😀😢👍🏽",
    "emoji sequence": "👨‍👩‍👧",
    "control characters": "hello\x00\x07\x1b[31m there\x7f",
    "right-to-left": "مرحبا، أحتاج مساعدة",
    "hebrew with marks": "\u200fשלום, אני צריך עזרה\u200e",
    "html": "<b>hi</b> <img src=x onerror=alert(1)>",
    "script": "<script>alert('hi')</script>",
    "lone surrogate": "\ud83d help",
    "starts with a slash": "/not_an_intent hello",
    "sql-ish": "'; DROP TABLE events; --",
}


@pytest.mark.parametrize("message", BOT_CASES.values(), ids=BOT_CASES.keys())
def test_odd_messages_get_the_bots_answer(rest_server, message):
    sender = new_sender()
    status, text = rest_server.post(body(message, sender=sender))
    replies = well_formed(status, text)
    assert status == 200
    assert {r["recipient_id"] for r in replies} == {sender}
    assert not any(t in REPLIES.values() for t in texts(replies)), "the bot itself should answer"
    assert "<script" not in text and "onerror" not in text


def test_a_very_long_message_is_cut_and_the_bot_says_so(rest_server):
    status, text = rest_server.post(body("help " * 20_000))  # 100,000 characters
    replies = well_formed(status, text)
    assert status == 200
    assert texts(replies)[0] == CUT_NOTICE
    assert f"first {SETTINGS.max_message_chars} characters" in CUT_NOTICE
    assert len(texts(replies)) > 1, "the bot still answers the part it read"


def test_a_danger_message_still_escalates(rest_server):
    status, text = rest_server.post(body("someone is hitting me at home right now"))
    replies = well_formed(status, text)
    assert any("escalation" in (r.get("custom") or {}) for r in replies)


def test_metadata_of_the_wrong_type_does_not_stop_the_message(rest_server):
    status, text = rest_server.post(body("hello", metadata=["not", "an", "object"]))
    replies = well_formed(status, text)
    assert not any(t in REPLIES.values() for t in texts(replies))


def test_sending_too_fast_gets_a_friendly_reply_that_gives_999(rest_server):
    sender = new_sender()
    answered = 0
    for _ in range(SETTINGS.rate_limit_messages * 2):
        status, text = rest_server.post(body("hi", sender=sender))
        replies = well_formed(status, text)
        assert status == 200
        if texts(replies) == [REPLIES["rate_limited"]]:
            break
        answered += 1
    else:
        pytest.fail("never rate limited")
    assert answered >= SETTINGS.rate_limit_messages
    assert "999" in REPLIES["rate_limited"] and "0800 1111" in REPLIES["rate_limited"]
    other = rest_server.post(body("hi"))
    assert texts(well_formed(*other)) != [REPLIES["rate_limited"]], "others are not limited"


def test_no_message_text_reaches_the_log(rest_server):
    marker = f"zqx{uuid.uuid4().hex[:10]}"
    for message in [f"my secret is {marker}", f"{marker} " * 400, f"\x00{marker}"]:
        well_formed(*rest_server.post(body(message)))
    rest_server.post(body(f"{marker}", sender=""))
    assert marker not in rest_server.log_text()


def test_get_on_the_channel_is_its_health_check(rest_server):
    import urllib.request

    url = f"http://127.0.0.1:{rest_server.port}/webhooks/rest/"
    with urllib.request.urlopen(url, timeout=5) as reply:
        assert json.load(reply) == {"status": "ok"}


# The channel without a server


def test_credentials_use_the_safe_channel_at_the_same_url():
    with open(PROJECT_ROOT / "credentials.yml", encoding="utf-8") as handle:
        channels = yaml.safe_load(handle)
    assert "bot.channels.rest.SafeRestInput" in channels and "rest" not in channels
    channel = _create_single_channel("bot.channels.rest.SafeRestInput", None)
    assert isinstance(channel, SafeRestInput)
    assert (channel.name(), channel.url_prefix()) == ("rest", "rest")


@pytest.fixture
def channel() -> SafeRestInput:
    limiter = RateLimiter(20, 60, 100)
    return SafeRestInput(MessageGuard(GuardReplies.load(1000), limiter))


async def test_a_failure_is_answered_kindly_without_logging_the_text(channel, caplog):
    async def broken(message):
        raise RuntimeError(f"could not handle {message.text!r}")

    with caplog.at_level(logging.DEBUG):
        reply = await channel.answer(body("my secret words", sender="abcdef12"), broken)
    assert reply.status == 200
    assert json.loads(reply.body) == [
        {"recipient_id": "abcdef12", "text": REPLIES["internal_error"]}
    ]
    assert "RuntimeError" in caplog.text and "broken" in caplog.text
    assert "secret" not in caplog.text


async def test_a_timeout_is_answered_kindly(channel):
    async def slow(message):
        raise asyncio.CancelledError

    reply = await channel.answer(body("hi"), slow)
    assert reply.status == 200
    assert texts(json.loads(reply.body)) == [REPLIES["internal_error"]]


async def test_silence_from_the_bot_is_never_passed_on(channel):
    async def says_nothing(message):
        return None

    reply = await channel.answer(body("hi"), says_nothing)
    assert texts(json.loads(reply.body)) == [REPLIES["no_answer"]]


async def test_the_bot_gets_the_cleaned_message(channel):
    seen = []

    async def bot(message):
        seen.append((message.text, message.sender_id, message.input_channel, message.metadata))
        await message.output_channel.send_text_message(message.sender_id, "hello")

    raw = body("hi\x00 there", sender="abcdef12", metadata={"lang": "en"}, input_channel="x")
    reply = await channel.answer(raw, bot)
    assert seen == [("hi there", "abcdef12", "rest", {"lang": "en"})]
    assert json.loads(reply.body) == [{"recipient_id": "abcdef12", "text": "hello"}]
