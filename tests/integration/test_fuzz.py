"""Random JSON bodies and raw bytes against the real REST webhook: never a 5xx, always JSON.

About 150 examples each; the whole file takes well under a minute once the server is up.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bot.message_guard import GuardReplies
from bot.settings import Settings

REPLIES = GuardReplies.load(Settings.from_env().max_message_chars).texts

# Hypothesis keeps caches in ./.hypothesis by default: keep them out of the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "helping-hands-hypothesis")

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow],
)

# Any text at all, unpaired surrogates and control characters included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
# Well-formed ids, so that plenty of messages get as far as the bot.
good_senders = st.uuids().map(lambda u: u.hex) | st.from_regex(
    r"[A-Za-z0-9_-]{1,40}", fullmatch=True
)
messages = st.text(max_size=2000) | any_text | json_values
payloads = (
    st.fixed_dictionaries(
        {"sender": good_senders, "message": st.text(max_size=2000) | any_text},
        optional={"metadata": json_values},
    )
    | st.fixed_dictionaries(
        {"sender": good_senders | any_text | json_values, "message": messages},
        optional={"metadata": json_values},
    )
    | json_values
)


def assert_well_formed(status: int, text: str) -> None:
    assert status < 500, text
    assert "Traceback" not in text
    replies = json.loads(text)
    assert isinstance(replies, list) and replies
    for reply in replies:
        assert isinstance(reply, dict) and isinstance(reply.get("recipient_id"), str)
        assert isinstance(reply.get("text", ""), str)
    first = replies[0].get("text", "")
    assert first != REPLIES["internal_error"], "answered kindly, but something failed inside"
    refused = next((key for key, reply in REPLIES.items() if reply == first), None)
    # Shown by --hypothesis-show-statistics: how much of the input got as far as the bot.
    event(f"HTTP {status}, " + (f"guard: {refused}" if refused else "answered by the bot"))


@FUZZ
@given(payload=payloads, ascii_only=st.booleans())
def test_random_json_bodies(rest_server, payload, ascii_only):
    raw = json.dumps(payload, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")
    assert_well_formed(*rest_server.post(raw))


def wrapped(sender: str, noise: bytes) -> bytes:
    """Bytes inside an otherwise good body: broken UTF-8, raw quotes and control bytes."""
    return b'{"sender": "' + sender.encode() + b'", "message": "' + noise + b'"}'


noise = st.binary(max_size=500) | st.text(max_size=500).map(lambda t: t.encode("utf-8"))


@FUZZ
@given(raw=st.binary(max_size=3000) | st.builds(wrapped, good_senders, noise))
def test_random_bytes(rest_server, raw):
    assert_well_formed(*rest_server.post(raw))
