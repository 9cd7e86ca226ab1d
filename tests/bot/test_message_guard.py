"""bot/message_guard.py: every kind of bad input gets a kind reply; good input is cleaned, cut
and rate limited, without Rasa running."""

from __future__ import annotations

import json
import re

import pytest

from bot.content_files import services
from bot.message_guard import (
    REPLY_KEYS,
    GuardReplies,
    MessageGuard,
    Problem,
    RateLimiter,
    clean_text,
    default_redact,
    identity,
)
from bot.settings import Settings

LIMIT = 20
WINDOW = 60
SENDER = "3f1c9a0e5b7d4e21"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def replies() -> GuardReplies:
    return GuardReplies.load(max_chars=1000)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def guard(replies, clock) -> MessageGuard:
    return MessageGuard(replies, RateLimiter(LIMIT, WINDOW, max_senders=1000, clock=clock))


def body(**fields) -> bytes:
    return json.dumps(fields).encode("utf-8")


def text_of(result) -> str:
    return " ".join(reply["text"] for reply in result.replies)


# The replies file


def test_every_reply_is_there_and_filled_in(replies):
    assert set(replies.texts) == REPLY_KEYS
    assert all("{" not in text for text in replies.texts.values())
    assert replies.texts["cut"] == (
        "Your message was very long, so I only read the first 1000 characters."
    )


def test_every_number_in_the_replies_is_a_registered_service(replies):
    phones = {s["phone"] for s in services() if "phone" in s}
    for key, text in replies.texts.items():
        for number in re.findall(r"\d[\d ]*\d", text.replace("1000", "")):
            assert number in phones, f"{key}: {number}"


@pytest.mark.parametrize("key", sorted(REPLY_KEYS - {"cut"}))
def test_every_refusal_names_childline(replies, key):
    assert "Childline free on 0800 1111" in replies.texts[key]


@pytest.mark.parametrize("key", ["rate_limited", "internal_error", "no_answer"])
def test_replies_that_hold_a_message_back_also_give_999(replies, key):
    assert "999" in replies.texts[key]


def test_a_missing_reply_is_a_clear_error(tmp_path):
    path = tmp_path / "replies.yml"
    path.write_text("replies:\n  empty: hello\n  cut:\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match="no reply for: action_failed, bad_sender, cut, internal_error"
    ):
        GuardReplies.load(1000, path)


# Bodies that cannot be read


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b'{"sender": "a", "message": "hi"',
        b'{"sender": "a", "message": "\xff\xfe"}',
        b"\xc3\x28",
        b'{"sender": "a", "message": "hi", "metadata": {"x": NaN}}',
        b"[" * 100_000,
    ],
    ids=["empty", "text", "broken", "bad-utf8-inside", "bad-utf8", "nan", "deep"],
)
def test_a_body_that_is_not_json_gets_a_kind_400(guard, raw):
    result = guard.check(raw)
    assert not result.accepted
    assert (result.problem, result.status) == (Problem.NOT_JSON, 400)
    assert result.replies == [{"recipient_id": "", "text": guard.replies.texts["unreadable"]}]


def test_a_utf8_byte_order_mark_is_allowed(guard):
    assert guard.check("\ufeff".encode() + body(sender=SENDER, message="hi")).accepted


def test_a_huge_body_is_not_parsed(replies, clock):
    guard = MessageGuard(replies, RateLimiter(LIMIT, WINDOW, 10, clock), max_body_bytes=100)
    result = guard.check(body(sender=SENDER, message="a" * 200))
    assert (result.problem, result.status) == (Problem.TOO_LARGE, 413)
    assert "up to 1000 characters" in text_of(result)


@pytest.mark.parametrize("payload", [[], "hi", 5, None, True, [{"sender": SENDER}]])
def test_json_that_is_not_an_object(guard, payload):
    result = guard.check(json.dumps(payload).encode())
    assert (result.problem, result.status) == (Problem.NOT_AN_OBJECT, 200)
    assert text_of(result) == guard.replies.texts["unreadable"]


# Sender and message


@pytest.mark.parametrize(
    "sender",
    [None, 5, "", "   ", "a" * 129, "a\x00b", "tab\tbed", "\ud800", ["x"], {"id": "x"}],
    ids=["null", "int", "empty", "spaces", "long", "nul", "tab", "surrogate", "list", "dict"],
)
def test_a_bad_sender_id(guard, sender):
    result = guard.check({"sender": sender, "message": "hello"})
    assert (result.problem, result.status) == (Problem.BAD_SENDER, 200)
    assert result.replies == [{"recipient_id": "", "text": guard.replies.texts["bad_sender"]}]


def test_a_missing_sender(guard):
    assert guard.check(body(message="hello")).problem is Problem.BAD_SENDER


def test_the_longest_allowed_sender(guard):
    assert guard.check({"sender": "a" * 128, "message": "hello"}).accepted


@pytest.mark.parametrize(
    "message",
    ["", " ", "\n\n\t  \r\n", "\u200b\u200f", "\x00\x07", "\u3000"],
    ids=["empty", "space", "whitespace", "invisible", "controls", "ideographic-space"],
)
def test_an_empty_message(guard, message):
    result = guard.check(body(sender=SENDER, message=message))
    assert (result.problem, result.status) == (Problem.EMPTY, 200)
    assert result.replies == [
        {
            "recipient_id": SENDER,
            "text": "I didn't get a message there. You can type a question, or call Childline "
            "free on 0800 1111 any time.",
        }
    ]


def test_a_missing_message_is_an_empty_one(guard):
    assert guard.check(body(sender=SENDER)).problem is Problem.EMPTY
    assert guard.check(body(sender=SENDER, message=None)).problem is Problem.EMPTY


@pytest.mark.parametrize("message", [5, 1.5, True, ["hi"], {"text": "hi"}])
def test_a_message_that_is_not_text(guard, message):
    result = guard.check(body(sender=SENDER, message=message))
    assert (result.problem, result.status) == (Problem.NOT_TEXT, 200)
    assert result.replies[0]["recipient_id"] == SENDER


# Cleaning


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),
        ("line one\nline two", "line one\nline two"),
        ("windows\r\nline\rold mac", "windows\nline\nold mac"),
        ("tab\there", "tab here"),
        ("cafe\u0301", "caf\u00e9"),
        ("\ud83d alone", "\ufffd alone"),
        ("😀👍🏽 👨‍👩‍👧", "😀👍🏽 👨‍👩‍👧"),
        ("مرحبا، أحتاج مساعدة", "مرحبا، أحتاج مساعدة"),
        ("\u200fשלום\u200e ok", "\u200fשלום\u200e ok"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ],
    ids=[
        "controls",
        "newlines",
        "cr",
        "tab",
        "nfc",
        "surrogate",
        "emoji",
        "arabic",
        "marks",
        "html",
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_the_message_that_reaches_rasa(guard):
    result = guard.check(
        body(sender=SENDER, message="  i need\x00 help 😀\n", metadata={"page": "/chat"})
    )
    assert result.accepted and result.status == 200 and result.replies == []
    message = result.message
    assert (message.sender, message.text) == (SENDER, "i need help 😀")
    assert message.metadata == {"page": "/chat"}
    assert not message.was_cut


def test_parsed_payloads_are_checked_the_same_way(guard):
    assert guard.check({"sender": SENDER, "message": "hi"}).message.text == "hi"


@pytest.mark.parametrize(
    "metadata",
    [["a"], "text", 5, {"x": float("nan")}, {"x": "\udc00"}],
    ids=["list", "string", "number", "nan", "surrogate"],
)
def test_bad_metadata_is_dropped_but_the_message_goes_through(guard, metadata):
    result = guard.check({"sender": SENDER, "message": "hi", "metadata": metadata})
    assert result.accepted and result.message.metadata is None


def test_nested_metadata_is_kept(guard):
    metadata = {"a": {"b": {"c": [1, 2, {"d": None}]}}}
    result = guard.check({"sender": SENDER, "message": "hi", "metadata": metadata})
    assert result.message.metadata == metadata


def test_deeply_nested_metadata_is_dropped(guard):
    deep: dict = {}
    for _ in range(50):
        deep = {"x": deep}
    result = guard.check({"sender": SENDER, "message": "hi", "metadata": deep})
    assert result.accepted and result.message.metadata is None


# Cutting


def test_a_long_message_is_cut_and_the_bot_says_so(guard):
    result = guard.check(body(sender=SENDER, message="a" * 100_000))
    assert result.accepted and result.message.was_cut
    assert result.message.text == "a" * 1000
    assert result.replies == [
        {
            "recipient_id": SENDER,
            "text": "Your message was very long, so I only read the first 1000 characters.",
        }
    ]


def test_a_message_of_exactly_the_limit_is_not_cut(guard):
    result = guard.check(body(sender=SENDER, message="b" * 1000 + "\x00" * 50 + "   "))
    assert result.message.text == "b" * 1000 and not result.message.was_cut
    assert result.replies == []


def test_leading_spaces_do_not_use_up_the_limit(guard):
    result = guard.check(body(sender=SENDER, message=" " * 5000 + "help me"))
    assert result.message.text == "help me" and not result.message.was_cut


def test_the_limit_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("HH_MAX_MESSAGE_CHARS", "50")
    guard = MessageGuard.from_settings(Settings.from_env(), redact=identity)
    result = guard.check(body(sender=SENDER, message="c" * 51))
    assert len(result.message.text) == 50
    assert text_of(result) == "Your message was very long, so I only read the first 50 characters."


# Redaction


def test_redact_sees_the_cleaned_cut_text_and_its_output_goes_to_rasa(replies, clock):
    seen = []

    def redact(text: str) -> str:
        seen.append(text)
        return text.replace("07700 900123", "[phone number]")

    limiter = RateLimiter(LIMIT, WINDOW, 10, clock)
    guard = MessageGuard(replies, limiter, max_message_chars=30, redact=redact)
    result = guard.check(body(sender=SENDER, message="ring\x00 me on 07700 900123 " + "x" * 40))
    assert seen == ["ring me on 07700 900123 xxxxxx"]
    assert result.message.text == "ring me on [phone number] xxxxxx"


def test_refused_messages_are_never_redacted(replies, clock):
    def redact(text: str) -> str:
        raise AssertionError("redact called")

    guard = MessageGuard(replies, RateLimiter(LIMIT, WINDOW, 10, clock), redact=redact)
    assert guard.check(body(sender=SENDER, message="  ")).problem is Problem.EMPTY


def test_the_default_redaction_is_bot_redact_loaded_up_front():
    from bot.redact import load, redact

    assert default_redact() is redact
    assert load.cache_info().currsize == 1


# Rate limiting


def send(guard, sender=SENDER, message="hi"):
    return guard.check(body(sender=sender, message=message))


def test_over_the_limit_gets_a_friendly_reply_with_999_and_childline(guard):
    assert all(send(guard).accepted for _ in range(LIMIT))
    result = send(guard, message="someone is hurting me")
    assert (result.problem, result.status) == (Problem.RATE_LIMITED, 200)
    assert result.replies[0]["recipient_id"] == SENDER
    assert "999" in text_of(result) and "Childline free on 0800 1111" in text_of(result)


def test_tokens_come_back_over_time(guard, clock):
    for _ in range(LIMIT):
        send(guard)
    assert not send(guard).accepted
    clock.advance(WINDOW / LIMIT)  # one message's worth: 3 s
    assert send(guard).accepted
    assert not send(guard).accepted
    clock.advance(WINDOW)
    assert all(send(guard).accepted for _ in range(LIMIT))
    assert not send(guard).accepted


def test_each_sender_has_their_own_limit(guard):
    for _ in range(LIMIT + 5):
        send(guard)
    assert send(guard, sender="someone-else-1234").accepted


def test_messages_refused_for_other_reasons_do_not_count(guard):
    for _ in range(LIMIT * 2):
        send(guard, message="   ")
    assert all(send(guard).accepted for _ in range(LIMIT))


def test_a_steady_sender_within_the_limit_is_never_refused(guard, clock):
    for _ in range(200):
        assert send(guard).accepted
        clock.advance(WINDOW / LIMIT)


def test_the_limits_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("HH_RATE_LIMIT_MESSAGES", "3")
    monkeypatch.setenv("HH_RATE_LIMIT_SECONDS", "10")
    monkeypatch.setenv("HH_RATE_LIMIT_MAX_SENDERS", "7")
    guard = MessageGuard.from_settings(Settings.from_env(), redact=identity, clock=FakeClock())
    assert [send(guard).accepted for _ in range(4)] == [True, True, True, False]
    assert guard.limiter.max_senders == 7


def test_the_default_limits():
    settings = Settings()
    assert (settings.rate_limit_messages, settings.rate_limit_seconds) == (20, 60)
    assert (settings.max_message_chars, settings.max_sender_chars) == (1000, 128)


# Bounded memory


def test_memory_is_bounded_by_the_number_of_senders(clock):
    limiter = RateLimiter(LIMIT, WINDOW, max_senders=100, clock=clock)
    for n in range(10_000):
        assert limiter.allow(f"sender-{n}")
        clock.advance(0.001)
    assert len(limiter) == 100


def test_idle_senders_are_forgotten(clock):
    limiter = RateLimiter(LIMIT, WINDOW, max_senders=1000, clock=clock)
    for n in range(500):
        limiter.allow(f"sender-{n}")
    assert len(limiter) == 500
    clock.advance(WINDOW)
    limiter.allow("newcomer")
    assert len(limiter) == 1


def test_forgetting_a_sender_never_blocks_them(clock):
    limiter = RateLimiter(2, WINDOW, max_senders=1, clock=clock)
    assert limiter.allow("flooder") and limiter.allow("flooder")
    assert not limiter.allow("flooder")
    limiter.allow("someone-else")  # pushes the flooder out
    assert limiter.allow("flooder")


@pytest.mark.parametrize("messages, seconds, senders", [(0, 60, 10), (5, 0, 10), (5, 60, 0)])
def test_nonsense_limits_are_refused(messages, seconds, senders):
    with pytest.raises(ValueError):
        RateLimiter(messages, seconds, senders)
