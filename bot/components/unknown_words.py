"""Rasa component: a message with no word we know gets the NLU fallback, not a confident guess.

DIET reads character n-grams, so keyboard mashing ("qwpoeiru zxmcnv") can land on a short intent
such as `affirm` with high confidence, and the bot would answer something it was never asked.
When a message has two or more words (letters) and not one of them is known, its intent becomes
`nlu_fallback`, whose reply says the bot is unsure,
offers the topics and gives Childline's number. Known words: the lookup lemmatiser's English
words (the list the normaliser uses), the entity patterns' words (platforms, gifts...) and every
word of the training examples after normalisation ("hiya", "tysm", "ceop"), learnt in training.

It runs after the safety layer and never touches a message the safety layer escalated: a
danger message always contains words the rules know. Messages without letters (emoji only,
numbers) are left to the classifier and the fallback threshold.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.spacy_loading import known_words, model_path
from bot.content_files import load_yaml
from bot.safety import INTENT_REASONS
from bot.settings import PROJECT_ROOT

FALLBACK_INTENT = "nlu_fallback"
WORDS_FILE = "training_words.json"
ENTITY_PATTERNS = PROJECT_ROOT / "bot" / "patterns" / "entities.yml"
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def words_of(text: str) -> List[str]:
    return [w.lower() for w in _WORD.findall(text)]


# One unknown word on its own is more often new slang ("wagwan", "yeh") than keyboard mashing,
# and DIET's character n-grams read slang well; two or more unknown words and nothing else are not.
MIN_WORDS = 2


def has_no_known_word(text: str, vocabulary: Iterable[str] | set[str]) -> bool:
    """True when the text has at least MIN_WORDS words and none is known (pure, for tests)."""
    words = words_of(text)
    return len(words) >= MIN_WORDS and not any(
        w in vocabulary or w.split("'")[0] in vocabulary for w in words
    )


def _entity_words() -> set[str]:
    words: set[str] = set()
    for label in load_yaml(ENTITY_PATTERNS)["labels"].values():
        for phrase in label.get("phrases", []):
            words.update(words_of(str(phrase)))
    return words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent):
    """No known word at all: the NLU fallback (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"spacy_model": None}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        training_words: set[str],
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = known_words(model_path(config)) | _entity_words() | training_words

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsFallback:
        return cls(config, model_storage, resource, set())

    def train(self, training_data: TrainingData) -> Resource:
        words: set[str] = set()
        for example in training_data.training_examples:
            words.update(words_of(example.get(TEXT) or ""))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / WORDS_FILE).write_text(json.dumps(sorted(words)), encoding="utf-8")
        self._vocabulary |= words
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsFallback:
        with model_storage.read_from(resource) as directory:
            words = set(json.loads((directory / WORDS_FILE).read_text(encoding="utf-8")))
        return cls(config, model_storage, resource, words)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) in INTENT_REASONS:
                continue
            if has_no_known_word(message.get(TEXT) or "", self._vocabulary):
                fallback = {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, fallback, add_to_output=True)
                ranking = [fallback] + list(message.get(INTENT_RANKING_KEY) or [])
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
