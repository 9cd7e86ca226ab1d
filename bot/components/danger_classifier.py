"""Rasa component: the dedicated danger classifier (bot/danger_model.py) in the NLU pipeline.

Trained on the NLU examples (after the normaliser and spaCy, so on the same lemmas the bot sees)
and the safety rules' examples (normalised and lemmatised the same way here), it puts its safety ranking on each message under `danger_ranking`. The safety layer
(bot/components/safety_net.py) reads that ranking instead of DIET's for the classifier half of
its decision; DIET still chooses every other intent. Nothing is added to the bot's output.
"""

from __future__ import annotations

from typing import Any, Dict, List

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.spacy_loading import known_words, load_pipeline, model_path
from bot.content_files import normalisation_rules
from bot.danger_model import DEFAULT_C, DangerModel, pattern_examples, pattern_files_fingerprint
from bot.normalise import Normaliser

DANGER_RANKING = "danger_ranking"
MODEL_FILE = "danger_model.joblib"


def lemma_text(message: Message) -> str:
    """The message as the lemmas Rasa's SpacyTokenizer found, lower case."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    if tokens:
        return " ".join((token.lemma or token.text).lower() for token in tokens)
    return (message.get(TEXT) or "").lower()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DangerClassifier(GraphComponent):
    """Probability of danger and its likely reason, for the safety layer."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"c": DEFAULT_C, "spacy_model": None}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        # The rules' examples are training data Rasa does not see: retrain when they change.
        return pattern_files_fingerprint()

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: DangerModel | None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerClassifier:
        return cls(config, model_storage, resource, None)

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_data.intent_examples
        texts = [lemma_text(m) for m in examples]
        intents = [str(m.get(INTENT)) for m in examples]
        path = model_path(self._config)
        nlp = load_pipeline(path)
        normaliser = Normaliser.from_rules(normalisation_rules(), known_words(path))
        for text, intent in pattern_examples():
            # As SpacyNLP reads a message: normalised, then lower case.
            doc = nlp(normaliser.normalise(text).lower())
            texts.append(" ".join((t.lemma_ or t.text).lower() for t in doc))
            intents.append(intent)
        self._model = DangerModel.fit(texts, intents, c=float(self._config["c"]))
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DangerClassifier:
        with model_storage.read_from(resource) as directory:
            model = joblib.load(directory / MODEL_FILE)
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        texts = [m for m in messages if m.get(TEXT)]
        rankings = self._model.rankings([lemma_text(m) for m in texts])
        for message, ranking in zip(texts, rankings, strict=True):
            message.set(DANGER_RANKING, ranking)
        return messages
