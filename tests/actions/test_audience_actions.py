"""Action tests: a rasa_sdk Tracker, a CollectingDispatcher and the real domain."""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.audience import ActionSetAudience
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain():
    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def tracker(text="", slots=None, entities=(), events=()):
    return Tracker(
        sender_id="test",
        slots={"audience": None, "age_band": None, "audience_asked": False, **(slots or {})},
        latest_message={
            "text": text,
            "intent": {"name": "tell_who_i_am"},
            "entities": list(entities),
        },
        events=list(events),
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    "text, audience, band",
    [
        ("im a mum", "parent", None),
        ("i'm 14", "young_person", "13_15"),
        ("for a friend", "friend", None),
    ],
)
async def test_set_audience_from_words(domain, text, audience, band):
    dispatcher = CollectingDispatcher()
    events = await ActionSetAudience().run(dispatcher, tracker(text), domain)
    assert SlotSet("audience", audience) in events
    assert (SlotSet("age_band", band) in events) == (band is not None)
    assert dispatcher.messages == []


async def test_button_choice_wins_over_words(domain):
    entity = {"entity": "audience", "value": "professional"}
    events = await ActionSetAudience().run(
        CollectingDispatcher(), tracker("/tell_who_i_am", entities=[entity]), domain
    )
    assert SlotSet("audience", "professional") in events


async def test_unknown_words_set_nothing_but_stop_asking(domain):
    events = await ActionSetAudience().run(CollectingDispatcher(), tracker("hmm"), domain)
    assert events == [SlotSet("audience_asked", True)]
