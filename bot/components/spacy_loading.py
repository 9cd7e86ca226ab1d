"""Loads our saved spaCy pipeline once per process, for the components that read with it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language


@lru_cache(maxsize=4)
def load_pipeline(path: str) -> Language:
    if not Path(path).exists():
        raise FileNotFoundError(
            f"spaCy pipeline not found at {path}. Build it with `make spacy` "
            "(python -m bot.spacy_pipeline)."
        )
    return spacy.load(path)
