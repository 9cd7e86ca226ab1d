from __future__ import annotations

import pytest

from bot.audience import age_band, audience_from_text
from bot.content_files import audience_words

PHRASES = audience_words()["audiences"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("im a mum", ("parent", None)),
        ("i'm a parent", ("parent", None)),
        ("its for my son", ("parent", None)),
        ("asking for a friend", ("friend", None)),
        ("i'm a teacher", ("professional", None)),
        ("i work with young people", ("professional", None)),
        ("for me", ("young_person", None)),
        ("i'm 14", ("young_person", "13_15")),
        ("im 12", ("young_person", "under_13")),
        ("i'm 16 and it's for me", ("young_person", "16_17")),
        ("im in year 8", ("young_person", "under_13")),
        ("hello there", (None, None)),
    ],
)
def test_audience_from_what_people_say(text, expected):
    assert audience_from_text(text, PHRASES) == expected


def test_age_bands():
    assert [age_band(a) for a in (10, 12, 13, 15, 16, 17, 18)] == [
        "under_13",
        "under_13",
        "13_15",
        "13_15",
        "16_17",
        "16_17",
        None,
    ]
