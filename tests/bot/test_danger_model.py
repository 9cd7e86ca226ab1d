"""The dedicated danger classifier (bot/danger_model.py) and how the safety layer uses it."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.components.safety_net import _demote_safety_guess
from bot.danger_model import (
    LOOK_ALIKE_INTENT,
    DangerModel,
    extra_examples,
    extra_examples_fingerprint,
)
from bot.safety import INTENT_REASONS

DANGER = [
    ("he touch me and say not to tell", "tell_sexual_abuse"),
    ("my uncle touch me when no one be in", "tell_sexual_abuse"),
    ("i want to kill myself tonight", "tell_self_harm"),
    ("i have be cut my arm again", "tell_self_harm"),
    ("a man online ask me to meet him and keep it secret", "tell_online_grooming"),
    ("someone i meet on snap want me to go on camera", "tell_online_grooming"),
]
OTHER = [
    ("hi there", "greet"),
    ("what be consent", "ask_consent"),
    ("my mum will kill me if i be late", "out_of_scope"),
    ("i touch the ball with my hand in football", "out_of_scope"),
    ("how do i block someone online", "ask_online_contact"),
    ("thank you so much", "thank"),
]


# Which of the danger examples above are happening now.
NOW = {"i want to kill myself tonight", "a man online ask me to meet him and keep it secret"}


def danger_probability(ranking):
    return sum(r["confidence"] for r in ranking)


@pytest.fixture(scope="module")
def model():
    texts, intents = zip(*(DANGER + OTHER), strict=True)
    return DangerModel.fit(texts, intents, [t in NOW for t in texts])


def test_rankings_hold_only_safety_intents_and_add_up_to_the_danger_probability(model):
    (ranking,), _ = model.predict(["my uncle touch me"])
    assert {r["name"] for r in ranking} <= set(INTENT_REASONS)
    assert ranking == sorted(ranking, key=lambda r: r["confidence"], reverse=True)
    assert 0.0 < sum(r["confidence"] for r in ranking) <= 1.0


def test_it_learns_danger_from_the_safety_intents(model):
    (danger, ordinary), _ = model.predict(["i want to kill myself", "hi there thank you"])
    assert danger_probability(danger) > danger_probability(ordinary)
    (ranking,), _ = model.predict(["i want to kill myself tonight"])
    assert ranking[0]["name"] == "tell_self_harm"


def test_it_tells_how_likely_the_danger_is_happening_now(model):
    _, (now, later) = model.predict(["kill myself tonight", "my uncle touch me"])
    assert 0.0 <= later < now <= 1.0
    texts, intents = zip(*(DANGER + OTHER), strict=True)
    # Without emergency labels there is no such model, and nothing is an emergency.
    assert DangerModel.fit(texts, intents).predict(["tonight"])[1] == [0.0]


def test_it_needs_both_kinds_of_example():
    with pytest.raises(ValueError):
        DangerModel.fit(["hi", "hello"], ["greet", "greet"])
    with pytest.raises(ValueError):
        DangerModel.fit(["hi"], ["greet", "thank"])


def test_a_safety_guess_without_danger_gives_way_to_the_best_other_intent():
    message = Message(
        data={
            INTENT: {"name": "tell_self_harm", "confidence": 0.8},
            INTENT_RANKING_KEY: [
                {"name": "tell_self_harm", "confidence": 0.8},
                {"name": "out_of_scope", "confidence": 0.15},
                {"name": "greet", "confidence": 0.05},
            ],
        }
    )
    assert _demote_safety_guess(message) == {"name": "out_of_scope", "confidence": 0.15}
    assert message.get(INTENT)["name"] == "out_of_scope"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["out_of_scope", "greet"]


def test_the_rules_examples_are_training_data_too():
    examples = extra_examples()
    intents = {intent for _, intent, _ in examples}
    assert intents - {LOOK_ALIKE_INTENT} == set(INTENT_REASONS)
    assert all(isinstance(text, str) and text for text, _, _ in examples)
    # Emergencies the rules files label as such ([text, emergency]) keep that label.
    assert any(now for _, _, now in examples)
    assert not any(now for _, intent, now in examples if intent == LOOK_ALIKE_INTENT)


def test_the_fingerprint_follows_the_files_of_extra_examples(tmp_path, monkeypatch):
    from bot import content_files

    rules = tmp_path / "self_harm.yml"
    rules.write_text("reason: self_harm\n", encoding="utf-8")
    harmless = tmp_path / "not_danger.yml"
    harmless.write_text("not_danger: []\n", encoding="utf-8")
    monkeypatch.setattr(content_files, "safety_pattern_files", lambda: [rules])
    monkeypatch.setattr(content_files, "not_danger_file", lambda: harmless)
    first = extra_examples_fingerprint()
    assert extra_examples_fingerprint() == first
    rules.write_text("reason: self_harm\nrules: []\n", encoding="utf-8")
    second = extra_examples_fingerprint()
    assert second != first
    harmless.write_text("not_danger: [hello]\n", encoding="utf-8")
    assert extra_examples_fingerprint() != second


def test_harmless_examples_for_the_danger_model_alone_are_look_alikes():
    from bot.content_files import not_danger_examples

    harmless = set(not_danger_examples())
    assert len(harmless) > 100
    assert {(t, LOOK_ALIKE_INTENT, False) for t in harmless} <= set(extra_examples())
