"""Whole conversations through the trained model and the action server."""

from __future__ import annotations

import uuid

import pytest
import yaml

from bot.evaluate import escalation_in
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def responses():
    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]


def texts(replies):
    return [r.get("text") for r in replies if r.get("text")]


def said(replies) -> str:
    """All the text of a turn; channels send each paragraph of a reply as its own message."""
    return "\n\n".join(texts(replies))


def variation_text(responses, name, audience=None):
    for variation in responses[name]:
        values = {c["value"] for c in variation.get("condition", []) if c["name"] == "audience"}
        if (audience is None and not variation.get("condition")) or audience in values:
            return variation["text"]
    raise AssertionError(f"no {name} for {audience}")


async def test_emergency_reply_has_text_and_payload_with_999_first(conversation):
    replies = await conversation("hes outside my house rn and says hes gonna hurt me")
    payload = escalation_in(replies)
    assert payload and payload["level"] == "emergency"
    assert payload["services"][0]["phone"] == "999"
    assert any("999" in t for t in texts(replies))


async def test_answers_first_then_asks_who_it_is_for_once(conversation, responses):
    first = await conversation("wat age can u legally consent")
    assert said(first).startswith(variation_text(responses, "utter_consent"))
    assert any(r.get("buttons") for r in first), "asks who the question is for"
    second = await conversation("how do i block someone on snapchat")
    assert not any(r.get("buttons") for r in second), "asks only once"


@pytest.mark.parametrize("audience", ["parent", "professional", "friend"])
async def test_guidance_fits_the_audience(conversation, responses, audience):
    await conversation(f'/tell_who_i_am{{"audience":"{audience}"}}')
    replies = await conversation("what is the age of consent")
    assert said(replies).startswith(variation_text(responses, "utter_consent", audience))


async def test_typed_audience_is_understood(conversation, responses):
    await conversation("im a mum")
    replies = await conversation("what is the age of consent in the uk")
    assert said(replies).startswith(variation_text(responses, "utter_consent", "parent"))


async def test_after_escalating_the_bot_stays_and_helps(conversation, responses):
    replies = await conversation("my uncle touches me when mum is out")
    assert escalation_in(replies)["level"] in {"urgent", "emergency"}
    assert any(r.get("buttons") for r in replies), "offers help to tell a trusted adult"
    follow_up = await conversation("yes please")
    assert said(follow_up).startswith(variation_text(responses, "utter_trusted_adult_script"))


async def test_signs_add_up_across_messages(conversation):
    first = await conversation("my boyfriend is 19 and im 14")
    second = await conversation("he keeps buying me vapes and phone credit")
    payloads = [escalation_in(first), escalation_in(second)]
    assert any(payloads), "two SAFEGUARD signs must escalate"
    payload = next(p for p in payloads if p)
    assert payload["level"] == "urgent"


async def test_fallback_offers_topics_and_childline(conversation):
    replies = await conversation("qwpoeiru zxmcnv")
    assert any("0800 1111" in t for t in texts(replies))
    assert any(r.get("buttons") for r in replies)


async def test_escalation_reaches_the_user_with_the_action_server_down(agent_without_action_server):
    replies = await agent_without_action_server.handle_text(
        "i took a load of pills and i feel weird", sender_id=uuid.uuid4().hex
    )
    payload = escalation_in(replies)
    assert payload and payload["level"] == "emergency" and payload["reason"] == "self_harm"
