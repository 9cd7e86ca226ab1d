"""Who the user is: their own words ("i'm a mum", "it's for my friend", "i'm 14") to the
`audience` and `age_band` slots. Used only when someone tells us, never guessed elsewhere."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

AUDIENCES = ("young_person", "parent", "friend", "professional")
# "i'm 14", "i am 14", "im 14", "14 years old", "14yo"
_OWN_AGE = re.compile(
    r"\b(?:i'?m|i am|im)\s+(?:only\s+|just\s+)?(\d{1,2})\b|\b(\d{1,2})\s*(?:years? old|yrs? old|yo)\b"
)
_SCHOOL_YEAR = re.compile(r"\byear\s+(\d{1,2})\b")
# England's school years: year 7 is age 11-12, so age is year + 4 (rounded down).
_YEAR_TO_AGE = 4


def age_band(age: int) -> str | None:
    if age < 13:
        return "under_13"
    if age < 16:
        return "13_15"
    if age < 18:
        return "16_17"
    return None


def own_age(text: str) -> int | None:
    match = _OWN_AGE.search(text)
    if match:
        return int(match.group(1) or match.group(2))
    year = _SCHOOL_YEAR.search(text)
    if year and 1 <= int(year.group(1)) <= 13:
        return int(year.group(1)) + _YEAR_TO_AGE
    return None


def audience_from_text(
    text: str, phrases: Mapping[str, Sequence[str]]
) -> tuple[str | None, str | None]:
    """(audience, age_band) from a message in which the user says who they are."""
    text = text.lower()
    age = own_age(text)
    band = age_band(age) if age is not None else None
    for audience, words in phrases.items():
        if any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", text) for w in words):
            if audience == "young_person" or band is None:
                return audience, band
            return audience, None
    if band is not None:
        return "young_person", band
    return None, None
