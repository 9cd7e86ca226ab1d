"""Loads our saved spaCy pipeline once per process, for the components that read with it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import spacy
from spacy.language import Language

from bot.content_files import normalisation_rules
from bot.normalise import Normaliser, vocabulary_from_spacy
from bot.settings import Settings


@lru_cache(maxsize=4)
def load_pipeline(path: str) -> Language:
    if not Path(path).exists():
        raise FileNotFoundError(
            f"spaCy pipeline not found at {path}. Build it with `make spacy` "
            "(python -m bot.spacy_pipeline)."
        )
    return spacy.load(path)


def model_path(config: Mapping[str, Any]) -> str:
    """The pipeline a component's config names (`spacy_model`), else the project's setting."""
    return config.get("spacy_model") or str(Settings.from_env().spacy_model_dir)


@lru_cache(maxsize=4)
def known_words(path: str) -> frozenset[str]:
    """The lookup lemmatiser's English words, computed once per process (normaliser and
    UnknownWordsFallback both read them)."""
    return frozenset(vocabulary_from_spacy(load_pipeline(path)))


@lru_cache(maxsize=4)
def load_normaliser(path: str) -> Normaliser:
    """The normaliser every component uses (TextNormaliser on messages, DangerClassifier on its
    extra training examples), built once per process."""
    return Normaliser.from_rules(normalisation_rules(), known_words(path))
