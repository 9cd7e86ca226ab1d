"""The pattern language, and IndexedMatcher giving exactly what one plain spaCy Matcher gives."""

from __future__ import annotations

import pytest
from spacy.matcher import Matcher

from bot import content_files
from bot.phrase_patterns import build_matcher, compile_pattern, matched_names


def _plain(nlp, named):
    matcher = Matcher(nlp.vocab)
    for name, patterns in named.items():
        matcher.add(name, [compile_pattern(nlp, p) for p in patterns])
    return matcher


def _every_rule(nlp):
    named = {}
    for path in content_files.safety_pattern_files():
        for rule in content_files.load_yaml(path)["rules"]:
            named[rule["id"]] = list(rule["patterns"])
    return named


def _example_texts():
    texts = []
    for path in content_files.safety_pattern_files():
        for kind in ("match", "no_match"):
            for example in content_files.load_yaml(path)["examples"][kind]:
                texts.append(example if isinstance(example, str) else example[0])
    return texts


def test_the_language(nlp):
    matcher = build_matcher(nlp, {"die": ["want|wish to? die"], "num": ["# year old"]})
    assert matched_names(nlp, matcher, nlp("i want to die")) == {"die"}
    assert matched_names(nlp, matcher, nlp("i wished die")) == {"die"}
    assert matched_names(nlp, matcher, nlp("he is 25 years old")) == {"num"}
    assert matched_names(nlp, matcher, nlp("i want a pizza")) == set()
    assert len(matcher) == 2


def test_wildcards_and_one_word_gaps(nlp):
    matcher = build_matcher(nlp, {"gap": ["he *2 touch me"], "one": ["he _ me"], "any": ["_"]})
    assert matched_names(nlp, matcher, nlp("he always touches me")) >= {"gap"}
    assert matched_names(nlp, matcher, nlp("he hit me")) >= {"one"}
    # a pattern with no required word is always tried
    assert "any" in matched_names(nlp, matcher, nlp("hello"))


@pytest.fixture(scope="module")
def matchers(nlp):
    named = _every_rule(nlp)
    return _plain(nlp, named), build_matcher(nlp, named)


def test_same_matches_as_a_plain_matcher_on_every_pattern_example(nlp, matchers):
    plain, indexed = matchers
    texts = _example_texts()
    assert len(texts) > 500
    for text in texts:
        doc = nlp(text)
        expected = sorted(set(plain(doc)), key=lambda m: (m[1], m[2], m[0]))
        assert indexed(doc) == expected, text
