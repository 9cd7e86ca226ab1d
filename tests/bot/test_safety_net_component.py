from __future__ import annotations

from bot.components.safety_net import entities_for
from bot.safety import Assessment


def values(entities):
    return {(e["entity"], e["value"]) for e in entities}


def test_danger_adds_level_reason_and_speaker():
    assessment = Assessment(level="urgent", reason="friend_at_risk", speaker="friend")
    assert values(entities_for(assessment, "tell_friend_at_risk")) == {
        ("danger_level", "urgent"),
        ("danger_reason", "friend_at_risk"),
        ("audience", "friend"),
    }


def test_signs_are_reported_without_danger():
    assessment = Assessment(signs=("gifts", "older_partner"))
    assert values(entities_for(assessment, "ask_gifts_money")) == {
        ("safeguard_sign", "gifts"),
        ("safeguard_sign", "older_partner"),
    }


def test_a_question_about_signs_always_names_a_category():
    assert values(entities_for(Assessment(), "ask_signs")) == {("sign_category", "general")}
    named = Assessment(sign_category="absence")
    assert values(entities_for(named, "ask_signs")) == {("sign_category", "absence")}


def test_nothing_for_an_ordinary_message():
    assert entities_for(Assessment(), "greet") == []
