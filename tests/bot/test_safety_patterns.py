"""Every safety pattern file carries messages it must catch and look-alikes it must not."""

from __future__ import annotations

import pytest

from bot import content_files
from bot.safety import EMERGENCY, REASONS

FILES = content_files.safety_pattern_files()


def _cases(kind: str):
    for path in FILES:
        spec = content_files.load_yaml(path)
        for example in spec["examples"][kind]:
            yield pytest.param(spec["reason"], example, id=f"{path.stem}:{example}")


def test_every_reason_has_a_pattern_file():
    assert {content_files.load_yaml(p)["reason"] for p in FILES} >= set(REASONS) - {
        "friend_at_risk"
    }


@pytest.mark.parametrize("reason, example", list(_cases("match")))
def test_pattern_catches_its_examples(assess, safety_net, reason, example):
    text, level = (example, None) if isinstance(example, str) else example
    result = assess(text)
    assert result.is_danger, f"missed: {text!r}"
    assert "rules" in result.sources
    if level == EMERGENCY:
        assert result.level == EMERGENCY, f"{text!r} should be an emergency"
    else:
        # An urgent message keeps the harm's own reason, immediate danger only when one of its
        # own rules fired too (it comes first in REASON_PRIORITY). At emergency the most
        # specific harm found wins (EMERGENCY_PRIORITY): the file's, or another that fired.
        fired = {safety_net.rules[rule_id].reason for rule_id in result.rule_ids}
        accepted = {reason, "friend_at_risk"} | (
            fired if result.level == EMERGENCY else {"immediate_danger"} & fired
        )
        assert result.reason in accepted, f"{text!r}: {result}"


@pytest.mark.parametrize("reason, example", list(_cases("no_match")))
def test_pattern_ignores_look_alikes(assess, reason, example):
    result = assess(example)
    assert not result.is_danger, f"false alarm on {example!r}: {result.rule_ids}"


def test_context_examples(assess):
    context = content_files.load_yaml(content_files.PATTERNS_DIR / "context.yml")
    for text in context["examples"]["figurative"]:
        assert not assess(text).is_danger, text
    for text in context["examples"]["now"]:
        assert assess(text).level == EMERGENCY, text
    for text in context["examples"]["friend"]:
        result = assess(text)
        assert result.reason == "friend_at_risk" and result.speaker in {
            "friend",
            "professional",
            "parent",
        }, (text, result)
