"""SafetyPolicy: the escalation sequence, and warning signs that add up across a conversation.

It has the highest priority of all policies (config.yml), so nothing can override it:
- a message the safety layer marked as danger is answered with `utter_escalate` (whose
  variation, chosen by the `danger_level`, `danger_reason` and `audience` slots, carries the
  escalation payload), then `utter_offer_support`, then the bot listens;
- when two or more different SAFEGUARD signs have been told in this conversation
  (bot/patterns/signs.yml) and nothing has escalated yet, it escalates as `urgent`
  `exploitation`, even though no single message would have.
The same sequence is written as rules in data/stories/safety.yml; this policy is the guarantee.
The decision itself is the pure function `next_safety_action`, tested without Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Sequence

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

ESCALATE = "utter_escalate"
OFFER_SUPPORT = "utter_offer_support"
SIGNS_TO_ESCALATE = 2
CUMULATIVE_LEVEL = "urgent"
CUMULATIVE_REASON = "exploitation"


@dataclass(frozen=True)
class Turn:
    """What the policy needs to know of one event (pure data, for `next_safety_action`)."""

    action: str | None = None
    danger_level: str | None = None
    signs: tuple[str, ...] = ()

    @property
    def is_user(self) -> bool:
        return self.action is None


def next_safety_action(turns: Sequence[Turn]) -> tuple[str | None, bool]:
    """The action the safety sequence requires next, and whether it is for added-up signs.

    `turns` are this session's events, oldest first; the last one is what just happened.
    Returns (None, False) when safety has nothing to say and other policies decide.
    """
    if not turns:
        return None, False
    last = turns[-1]
    if last.action == ESCALATE:
        return OFFER_SUPPORT, False
    if last.action == OFFER_SUPPORT:
        return ACTION_LISTEN_NAME, False
    if not last.is_user:
        return None, False
    if last.danger_level:
        return ESCALATE, False
    already_escalated = any(t.action == ESCALATE for t in turns)
    signs = {sign for t in turns if t.is_user for sign in t.signs}
    if len(signs) >= SIGNS_TO_ESCALATE and not already_escalated:
        return ESCALATE, True
    return None, False


def turns_from(tracker: DialogueStateTracker) -> List[Turn]:
    turns: List[Turn] = []
    for event in tracker.applied_events():
        if isinstance(event, UserUttered):
            entities = event.entities or []
            level = next((e["value"] for e in entities if e["entity"] == "danger_level"), None)
            signs = tuple(e["value"] for e in entities if e["entity"] == "safeguard_sign")
            turns.append(Turn(danger_level=level, signs=signs))
        elif isinstance(event, ActionExecuted) and event.action_name:
            # action_listen only separates turns; what matters is the last real action.
            if event.action_name != ACTION_LISTEN_NAME or not turns or not turns[-1].is_user:
                turns.append(Turn(action=event.action_name))
    return turns


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class SafetyPolicy(Policy):
    """Deterministic, highest-priority escalation (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Above AudiencePolicy (7) and RulePolicy (6): a tie in confidence goes to the higher priority.
        return {"priority": 8}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        # Nothing to learn: the policy is rules over the safety layer's entities.
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action, for_signs = next_safety_action(turns_from(tracker))
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        events = (
            [
                SlotSet("danger_level", CUMULATIVE_LEVEL),
                SlotSet("danger_reason", CUMULATIVE_REASON),
            ]
            if for_signs
            else []
        )
        return self._prediction(probabilities, optional_events=events)

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
    ) -> SafetyPolicy:
        return cls(config, model_storage, resource, execution_context)
