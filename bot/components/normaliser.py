"""Rasa component: rewrites each message's text into plain words before anything reads it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import normalise
from bot.components.spacy_loading import load_normaliser, model_path
from bot.normalise import Normaliser
from bot.settings import PATTERNS_DIR


# Registered as a featurizer so the recipe runs it, in order, on training data and messages.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormaliser(GraphComponent):
    """Text-speak, repeated letters and misspellings to plain words (bot/normalise.py)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"spacy_model": None}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        # The word lists and the code rewrite the training data: when either changes, Rasa must
        # not reuse its cached rewrite (and every model trained on it).
        digest = hashlib.sha256()
        for path in (PATTERNS_DIR / "normalise.yml", Path(normalise.__file__)):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(self, normaliser: Normaliser) -> None:
        self._normaliser = normaliser

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormaliser:
        return cls(load_normaliser(model_path(config)))

    def _normalise(self, message: Message) -> None:
        text: str | None = message.get(TEXT)
        if text:
            message.set(TEXT, self._normaliser.normalise(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalise(message)
        return messages
