from __future__ import annotations

import pytest

from bot.content_files import entity_patterns


def _cases(kind):
    for label, spec in entity_patterns().items():
        for text in spec["examples"][kind]:
            yield pytest.param(label, text, id=f"{label}:{text}")


@pytest.mark.parametrize("label, text", list(_cases("match")))
def test_entity_ruler_finds_its_examples(nlp, normaliser, label, text):
    doc = nlp(normaliser.normalise(text))
    assert label in {ent.label_ for ent in doc.ents}


@pytest.mark.parametrize("label, text", list(_cases("no_match")))
def test_entity_ruler_ignores_look_alikes(nlp, normaliser, label, text):
    doc = nlp(normaliser.normalise(text))
    assert label not in {ent.label_ for ent in doc.ents}


def test_lookup_lemmatiser_is_inside_the_pipeline(nlp):
    assert [t.lemma_ for t in nlp("he was touching me")] == ["he", "be", "touch", "me"]
    assert nlp.meta["name"] == "hh_en"
