"""Builds our own spaCy pipeline: blank English + lookup lemmatiser + entity ruler.

No model is downloaded: the lemma tables come from the `spacy-lookups-data` package at build
time and are saved inside the pipeline, so running the bot needs nothing from outside.

    python -m bot.spacy_pipeline [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from bot.content_files import entity_patterns
from bot.settings import Settings

PIPELINE_NAME = "hh_en"
PIPELINE_VERSION = "1.0.0"


def _ruler_patterns(nlp: Language) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []
    for label, spec in entity_patterns().items():
        for phrase in spec.get("phrases", []):
            tokens = [{"LOWER": t.lower_} for t in nlp.make_doc(str(phrase))]
            patterns.append({"label": label, "pattern": tokens})
        for token_pattern in spec.get("token_patterns", []):
            patterns.append({"label": label, "pattern": token_pattern})
    return patterns


def _remember_lookup_words(nlp: Language) -> None:
    """Keep every word form of the lemma table in the saved string store.

    The table is keyed by hashes; storing the strings lets the normaliser ask "is this a known
    English word?" (bot/normalise.py) without any other word list.
    """
    import spacy_lookups_data
    import srsly

    data_dir = Path(spacy_lookups_data.__file__).parent / "data"
    forms = srsly.read_gzip_json(data_dir / "en_lemma_lookup.json.gz")
    for form in forms:
        nlp.vocab.strings.add(form)


def build() -> Language:
    """Return the pipeline, initialised (lemma tables loaded) and ready to save."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    nlp.initialize()
    ruler.add_patterns(_ruler_patterns(nlp))
    _remember_lookup_words(nlp)
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": PIPELINE_VERSION,
            "description": "Helping Hands: blank English, lookup lemmatiser, entity ruler.",
        }
    )
    return nlp


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Settings.from_env().spacy_model_dir
    nlp = build()
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    print(f"spaCy pipeline {PIPELINE_NAME} {PIPELINE_VERSION} saved to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
