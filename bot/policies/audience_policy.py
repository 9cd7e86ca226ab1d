"""AudiencePolicy: after a topic answer, ask who the question is for, once, if we don't know.

The bot answers the question first. Then, when the answer's wording depends on the audience
(the responses named in config.yml under `answers`) and the `audience` slot is still empty, it
asks `utter_ask_audience` (buttons: for me, for a friend, parent or carer, work with young
people), and never again in the same conversation session. After the question it listens.

This used to be a custom action (`action_offer_audience_choice`) run after every answer. Deciding
it inside the Rasa server needs no call to the action server, so answers cost one HTTP round
trip and one response validation less, and still arrive when the action server is down.
The decision itself is the pure function `next_audience_action`, tested without Rasa.

Priority 7 (config.yml): above RulePolicy (6), whose rules end each answer by listening, and
below SafetyPolicy (8), so an escalation always comes first.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import InvalidConfigException

ASK_AUDIENCE = "utter_ask_audience"
AUDIENCE_SLOT = "audience"
# Set by action_set_audience when the user answers (by button or in their own words).
ASKED_SLOT = "audience_asked"


def next_audience_action(
    last_action: str | None,
    answers: Sequence[str],
    audience_known: bool,
    already_asked: bool,
) -> str | None:
    """The action to run next, or None when other policies decide.

    `last_action` is the action the bot just ran (None when the user just spoke).
    """
    if last_action == ASK_AUDIENCE:
        return ACTION_LISTEN_NAME
    if last_action in answers and not audience_known and not already_asked:
        return ASK_AUDIENCE
    return None


def last_action_and_asked(tracker: DialogueStateTracker) -> tuple[str | None, bool]:
    """The bot's last action in this session (None if the user spoke last) and whether the
    audience question has been put in this session."""
    last: str | None = None
    asked = False
    for event in tracker.applied_events():
        if isinstance(event, ActionExecuted) and event.action_name:
            last = event.action_name
            asked = asked or event.action_name == ASK_AUDIENCE
    # When the user spoke last, the last ActionExecuted is action_listen.
    return (None if last == ACTION_LISTEN_NAME else last), asked


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class AudiencePolicy(Policy):
    """Asks who the question is for after an answer, once (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"priority": 7, "answers": []}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.answers = tuple(self.config["answers"])

    def _check_answers(self, domain: Domain) -> None:
        unknown = [name for name in self.answers if name not in domain.action_names_or_texts]
        if unknown:
            raise InvalidConfigException(
                f"AudiencePolicy: `answers` names responses the domain does not have: {unknown}"
            )

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        # Nothing to learn; a typo in `answers` fails training instead of silently never asking.
        self._check_answers(domain)
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        last, asked = last_action_and_asked(tracker)
        action = next_audience_action(
            last,
            self.answers,
            audience_known=bool(tracker.get_slot(AUDIENCE_SLOT)),
            already_asked=asked or bool(tracker.get_slot(ASKED_SLOT)),
        )
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def persist(self) -> None:
        """Nothing to persist."""

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AudiencePolicy:
        return cls(config, model_storage, resource, execution_context)
