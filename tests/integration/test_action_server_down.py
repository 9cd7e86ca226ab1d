"""Killing the action server mid-conversation: escalations still arrive, other replies say
plainly that something went wrong, and after a restart the conversation goes on."""

from __future__ import annotations

import json
import uuid

import pytest

from bot.evaluate import escalation_in
from bot.message_guard import GuardReplies
from bot.settings import Settings
from tests.integration.conftest import ActionServer, RestServer

ACTION_FAILED = GuardReplies.load(Settings().max_message_chars).texts["action_failed"]


@pytest.fixture(scope="module")
def servers(model_path, tmp_path_factory):
    actions = ActionServer()
    actions.start()
    rasa = RestServer(model_path, tmp_path_factory.mktemp("action_down"), actions.url)
    rasa.start()
    yield actions, rasa
    rasa.stop()
    actions.stop()


def say(rasa: RestServer, sender: str, text: str) -> list[dict]:
    status, body = rasa.post(json.dumps({"sender": sender, "message": text}).encode())
    assert status == 200
    return json.loads(body)


def texts(replies):
    return [r.get("text") for r in replies if r.get("text")]


def test_conversation_survives_the_action_server_going_down(servers):
    actions, rasa = servers
    sender = uuid.uuid4().hex
    first = say(rasa, sender, "what does consent mean")
    assert ACTION_FAILED not in texts(first) and any(r.get("buttons") for r in first)

    actions.stop()
    danger = say(rasa, sender, "hes outside my house right now and says hes going to hurt me")
    assert escalation_in(danger)["services"][0]["phone"] == "999"
    answer = say(rasa, sender, "im a mum")
    assert ACTION_FAILED in texts(answer), "says plainly that something went wrong"
    assert len(texts(answer)) >= 2, "and still gives what it could"

    actions.start()
    later = say(rasa, sender, "how do i block someone on snapchat")
    assert texts(later) and ACTION_FAILED not in texts(later)
