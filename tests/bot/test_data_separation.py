"""Evaluation data is never training data: no held-out message appears in data/nlu."""

from __future__ import annotations

import re

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.content_files import (
    danger_examples,
    load_yaml,
    not_danger_examples,
    safety_pattern_files,
)
from bot.settings import PROJECT_ROOT


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _training_texts() -> set[str]:
    data = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    return {_key(m.get("text")) for m in data.intent_examples}


def _held_out_texts() -> set[str]:
    nlu = load_data(str(PROJECT_ROOT / "tests" / "data" / "nlu_test.yml"))
    safety = []
    for name in ("safety_set.yml", "safety_validation.yml", "safety_check.yml", "safety_dev.yml"):
        path = PROJECT_ROOT / "tests" / "data" / name
        if path.exists():
            with open(path, encoding="utf-8") as handle:
                safety += yaml.safe_load(handle)["messages"]
    return {_key(m.get("text")) for m in nlu.intent_examples} | {_key(m["text"]) for m in safety}


def _pattern_examples() -> set[str]:
    texts = set()
    for path in safety_pattern_files():
        for kind in ("match", "no_match"):
            for example in load_yaml(path)["examples"][kind]:
                texts.add(_key(example if isinstance(example, str) else example[0]))
    # The danger classifier's own examples (bot/patterns/not_danger.yml, classifier/*.yml) too.
    texts.update(_key(text) for text in not_danger_examples())
    texts.update(_key(text) for text, _, _ in danger_examples())
    return texts


# A failure gives only a count: printing the colliding texts would show held-out messages to
# whoever reads the log. Find yours by checking the lines you added.


def test_no_held_out_message_is_in_the_training_data():
    collisions = len(_training_texts() & _held_out_texts())
    assert collisions == 0, f"{collisions} training examples equal a held-out message"


def test_no_held_out_message_is_a_pattern_example():
    collisions = len(_pattern_examples() & _held_out_texts())
    assert collisions == 0, f"{collisions} pattern examples equal a held-out message"
