"""The personal warning signs in bot/patterns/signs.yml find exactly the signs their examples name."""

from __future__ import annotations

import pytest

from bot import content_files

SIGNS = content_files.signs()
CATEGORIES = (
    "sexual_health",
    "absence",
    "family",
    "emotional",
    "gangs",
    "technology",
    "alcohol_drugs",
    "gifts_money",
    "distrust",
)


def test_categories_are_the_nine_safeguard_headings():
    assert tuple(SIGNS["categories"]) == CATEGORIES


def test_every_sign_belongs_to_a_category():
    for sign, spec in SIGNS["signs"].items():
        assert spec["category"] in CATEGORIES, sign


@pytest.mark.parametrize("text, expected", [pytest.param(t, e, id=t) for t, e in SIGNS["examples"]])
def test_sign_examples(safety_net, normaliser, text, expected):
    found = safety_net.assess_text(normaliser.normalise(text)).signs
    assert found == tuple(sorted(expected)), (text, found)
