"""Rasa component: the safety layer's decision becomes the final intent and entities.

It runs after the intent classifier (config.yml). When bot/safety.py finds danger, the message's
intent becomes the safety intent for the reason, with full confidence so no fallback replaces
it, and the entities `danger_level` and `danger_reason` fill the slots that choose the
escalation reply in domain.yml. It also reports the SAFEGUARD signs it saw (`safeguard_sign`),
which bot/policies/safety_policy.py adds up across the conversation.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.components.danger_classifier import DANGER_EMERGENCY, DANGER_RANKING, SPACY_DOC
from bot.components.spacy_loading import load_pipeline, model_path
from bot.safety import (
    DEFAULT_AGREEMENT_THRESHOLD,
    DEFAULT_CLASSIFIER_THRESHOLD,
    DEFAULT_EMERGENCY_THRESHOLD,
    DEFAULT_SURE_THRESHOLD,
    INTENT_REASONS,
    Assessment,
    SafetyNet,
)

logger = logging.getLogger(__name__)

EXTRACTOR = "SafetyNet"
SIGNS_INTENT = "ask_signs"


def entities_for(assessment: Assessment, intent_name: str) -> List[Dict[str, Any]]:
    """The entities this component adds for an assessment (pure, for tests)."""
    values: List[tuple[str, str]] = []
    if assessment.is_danger:
        values += [
            ("danger_level", str(assessment.level)),
            ("danger_reason", str(assessment.reason)),
        ]
        if assessment.speaker:
            values.append(("audience", assessment.speaker))
    values += [("safeguard_sign", sign) for sign in assessment.signs]
    if intent_name == SIGNS_INTENT:
        values.append(("sign_category", assessment.sign_category or "general"))
    return [
        {"entity": entity, "value": value, "extractor": EXTRACTOR, "confidence": 1.0}
        for entity, value in values
    ]


def _demote_safety_guess(message: Message) -> Dict[str, Any]:
    """DIET guessed a safety intent, but neither the rules nor the danger classifier see danger.

    Only this layer may hand the dialogue a safety intent (with its level and reason), so the
    guess gives way to DIET's best other intent at its own confidence; when that is low, the
    fallback classifier after us answers "not sure" with Childline's number and the topics."""
    ranking = [
        r
        for r in message.get(INTENT_RANKING_KEY) or []
        if r.get(INTENT_NAME_KEY) not in INTENT_REASONS
    ]
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    best = (
        ranking[0] if ranking else {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 0.0}
    )
    intent = {
        INTENT_NAME_KEY: best[INTENT_NAME_KEY],
        PREDICTED_CONFIDENCE_KEY: best[PREDICTED_CONFIDENCE_KEY],
    }
    message.set(INTENT, intent, add_to_output=True)
    return intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyNetClassifier(GraphComponent):
    """Danger always wins: rules over lemmas plus the classifier's safety probabilities."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "spacy_model": None,
            "classifier_threshold": DEFAULT_CLASSIFIER_THRESHOLD,
            "emergency_threshold": DEFAULT_EMERGENCY_THRESHOLD,
            "sure_threshold": DEFAULT_SURE_THRESHOLD,
            "agreement_threshold": DEFAULT_AGREEMENT_THRESHOLD,
        }

    def __init__(self, net: SafetyNet) -> None:
        self._net = net

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNetClassifier:
        net = SafetyNet.from_files(
            load_pipeline(model_path(config)),
            classifier_threshold=config["classifier_threshold"],
            emergency_threshold=config["emergency_threshold"],
            sure_threshold=config["sure_threshold"],
            agreement_threshold=config["agreement_threshold"],
        )
        return cls(net)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        doc = message.get(SPACY_DOC) or self._net.nlp(text)
        # The dedicated danger classifier's ranking when the pipeline has one, with DIET's as
        # the second opinion; without one, DIET's alone.
        diet = message.get(INTENT_RANKING_KEY) or []
        ranking = message.get(DANGER_RANKING)
        second_opinion = diet if ranking is not None else None
        if ranking is None:
            ranking = diet
        assessment = self._net.assess(
            doc, ranking, float(message.get(DANGER_EMERGENCY) or 0.0), second_opinion
        )
        intent = message.get(INTENT) or {}
        if not assessment.is_danger and intent.get(INTENT_NAME_KEY) in INTENT_REASONS:
            intent = _demote_safety_guess(message)
        if assessment.is_danger:
            intent = {INTENT_NAME_KEY: assessment.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, intent, add_to_output=True)
            # Never the text: only which rules fired and how sure we are.
            logger.info(
                "safety escalation level=%s reason=%s sources=%s rules=%s",
                assessment.level,
                assessment.reason,
                ",".join(assessment.sources),
                ",".join(assessment.rule_ids),
            )
        added = entities_for(assessment, str(intent.get(INTENT_NAME_KEY)))
        if added:
            message.set(ENTITIES, (message.get(ENTITIES) or []) + added, add_to_output=True)
