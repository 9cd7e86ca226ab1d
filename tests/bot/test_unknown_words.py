"""UnknownWordsFallback: keyboard mashing gets the NLU fallback; real words and danger do not."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.unknown_words import UnknownWordsFallback, has_no_known_word

VOCABULARY = {"hello", "help", "i'm", "scared"}


@pytest.mark.parametrize("text", ["qwpoeiru zxmcnv", "asdfgh jkl", "zzz xqj"])
def test_nothing_known(text):
    assert has_no_known_word(text, VOCABULARY)


@pytest.mark.parametrize(
    "text", ["hello", "qwpoeiru help", "I'm scared", "", "😭😭", "123", "asdfgh", "wagwan"]
)
def test_one_known_word_or_no_words_at_all(text):
    assert not has_no_known_word(text, VOCABULARY)


@pytest.fixture(scope="module")
def component():
    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    resource = Resource("unknown_words")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = UnknownWordsFallback.create(
        UnknownWordsFallback.get_default_config(), storage, resource, context
    )
    trained.train(TrainingData([Message({"text": "hiya wagwan", "intent": "greet"})]))
    return UnknownWordsFallback.load(
        UnknownWordsFallback.get_default_config(), storage, resource, context
    )


def _process(component, text, intent):
    message = Message({"text": text, "intent": {"name": intent, "confidence": 0.9}})
    component.process([message])
    return message.get("intent")["name"]


def test_mashing_becomes_the_fallback(component):
    assert _process(component, "qwpoeiru zxmcnv", "affirm") == "nlu_fallback"


def test_english_entity_and_learnt_words_are_known(component):
    assert _process(component, "what is consent", "ask_consent") == "ask_consent"
    assert _process(component, "snapchat", "ask_online_contact") == "ask_online_contact"
    # learnt from the training examples and kept in the model
    assert _process(component, "wagwan hiya", "greet") == "greet"


def test_never_touches_a_safety_intent(component):
    assert _process(component, "qwpoeiru", "tell_self_harm") == "tell_self_harm"
