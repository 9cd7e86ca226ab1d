"""Rasa component: the dedicated danger classifier (bot/danger_model.py) in the NLU pipeline.

Trained on the NLU examples (after the normaliser and spaCy, so on the same lemmas the bot sees)
and its extra examples (bot/danger_model.extra_examples; normalised and lemmatised the same
way here), it puts its safety ranking on each message under `danger_ranking` and the probability that the
danger is happening now under `danger_emergency`. The safety layer
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
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language
from spacy.tokens import Doc

from bot.components.spacy_loading import load_normaliser, load_pipeline, model_path
from bot.danger_model import DEFAULT_C, DangerModel, extra_examples, extra_examples_fingerprint
from bot.safety import EMERGENCY, INTENT_REASONS, REASON_INTENTS, SafetyNet

DANGER_RANKING = "danger_ranking"
DANGER_EMERGENCY = "danger_emergency"
SPACY_DOC = SPACY_DOCS[TEXT]  # where Rasa's SpacyNLP leaves the message's doc
MODEL_FILE = "danger_model.joblib"


def doc_lemmas(doc: Doc) -> str:
    """The text the model reads: the lemmas, lower case."""
    return " ".join((token.lemma_ or token.text).lower() for token in doc)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DangerClassifier(GraphComponent):
    """Probability of danger and its likely reason, for the safety layer."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"c": DEFAULT_C, "spacy_model": None}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        # The extra examples are training data Rasa does not see: retrain when they change.
        return extra_examples_fingerprint()

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

    def _nlp(self) -> Language:
        return load_pipeline(model_path(self._config))

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
        path = model_path(self._config)
        nlp = load_pipeline(path)
        normaliser = load_normaliser(path)
        rules = SafetyNet.from_files(nlp)
        texts, intents, emergency = [], [], []

        def add(doc: Doc, intent: str, labelled_emergency: bool) -> None:
            texts.append(doc_lemmas(doc))
            intents.append(intent)
            # An emergency when labelled so, when it is immediate danger, or when the rules,
            # which know "now" words, call it one.
            emergency.append(
                intent in INTENT_REASONS
                and (
                    labelled_emergency
                    or intent == REASON_INTENTS["immediate_danger"]
                    or rules.assess(doc).level == EMERGENCY
                )
            )

        for message in training_data.intent_examples:
            text = message.get(TEXT) or ""  # already normalised by TextNormaliser
            add(message.get(SPACY_DOC) or nlp(text.lower()), str(message.get(INTENT)), False)
        for text, intent, labelled_emergency in extra_examples():
            # As SpacyNLP reads a message: normalised, then lower case.
            add(nlp(normaliser.normalise(text).lower()), intent, labelled_emergency)
        self._model = DangerModel.fit(texts, intents, emergency, c=float(self._config["c"]))
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
        found = [m for m in messages if m.get(TEXT)]
        texts = [doc_lemmas(m.get(SPACY_DOC) or self._nlp()(m.get(TEXT).lower())) for m in found]
        rankings, emergency = self._model.predict(texts)
        for message, ranking, now in zip(found, rankings, emergency, strict=True):
            message.set(DANGER_RANKING, ranking)
            message.set(DANGER_EMERGENCY, now)
        return messages
