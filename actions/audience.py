"""Actions that learn who the user is, and ask once when it matters and is unknown."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.audience import audience_from_text
from bot.content_files import audience_words

ASK_AUDIENCE = "utter_ask_audience"


def _already_asked(tracker: Tracker) -> bool:
    """True once the audience question was put in this session, by any rule or action."""
    if tracker.get_slot("audience_asked"):
        return True
    return any(
        event.get("event") == "bot"
        and (event.get("metadata") or {}).get("utter_action") == ASK_AUDIENCE
        for event in tracker.events
    )


class ActionSetAudience(Action):
    """Sets `audience` and `age_band` from what the user said about themselves."""

    def name(self) -> str:
        return "action_set_audience"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[Dict[str, Any]]:
        events: List[Dict[str, Any]] = [SlotSet("audience_asked", True)]
        chosen = next(tracker.get_latest_entity_values("audience"), None)
        text = tracker.latest_message.get("text") or ""
        detected, band = audience_from_text(text, audience_words()["audiences"])
        audience = chosen or detected
        if audience:
            events.append(SlotSet("audience", audience))
        if band:
            events.append(SlotSet("age_band", band))
        return events


class ActionOfferAudienceChoice(Action):
    """After an answer: asks who the question is for, once, if we don't know yet."""

    def name(self) -> str:
        return "action_offer_audience_choice"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot("audience") or _already_asked(tracker):
            return []
        dispatcher.utter_message(response=ASK_AUDIENCE)
        return [SlotSet("audience_asked", True)]
