"""The action that learns who the user is. (Asking, once, is AudiencePolicy's job: bot/policies.)"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.audience import audience_from_text
from bot.content_files import audience_words


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
