"""A small pattern language over lemmas, compiled to spaCy Matcher patterns.

Pattern files stay readable for the safeguarding staff who review them:

    "want|wish to? die"        tokens separated by spaces
    a|b|c                      any of these words (compared by lemma, so "touching" = "touch")
    word?                      optional word
    *3                         up to 3 words of anything
    _                          exactly one word of anything
    #                          a number ("14", "twenty")

Every alternative is lemmatised with the same pipeline that reads messages, so a pattern may be
written with any form of a word.
"""

from __future__ import annotations

from typing import Any, Iterable

from spacy.language import Language
from spacy.matcher import Matcher


def _lemmas(nlp: Language, words: Iterable[str]) -> list[str]:
    lemmas: set[str] = set()
    for word in words:
        doc = nlp(word)
        lemmas.add(" ".join(t.lemma_ for t in doc) if len(doc) > 1 else doc[0].lemma_)
        lemmas.add(word)
    return sorted(lemmas)


def compile_pattern(nlp: Language, pattern: str) -> list[dict[str, Any]]:
    """Turn one pattern string into a spaCy token pattern."""
    tokens: list[dict[str, Any]] = []
    for part in pattern.split():
        if part.startswith("*") and part[1:].isdigit():
            tokens.extend({"OP": "?"} for _ in range(int(part[1:])))
            continue
        optional = part.endswith("?") and len(part) > 1
        part = part[:-1] if optional else part
        if part == "_":
            token: dict[str, Any] = {}
        elif part == "#":
            token = {"LIKE_NUM": True}
        else:
            # Words that spaCy splits ("i'm", "don't") are written as single alternatives only
            # when they stay one token; the tokenizer's split forms are added as lemmas too.
            token = {"LEMMA": {"IN": _lemmas(nlp, part.split("|"))}}
        if optional:
            token["OP"] = "?"
        tokens.append(token)
    return tokens


def build_matcher(nlp: Language, named_patterns: dict[str, list[str]]) -> Matcher:
    """A Matcher with one match id per name, each with one or more pattern strings."""
    matcher = Matcher(nlp.vocab)
    for name, patterns in named_patterns.items():
        matcher.add(name, [compile_pattern(nlp, p) for p in patterns])
    return matcher


def matched_names(nlp: Language, matcher: Matcher, doc: Any) -> set[str]:
    return {nlp.vocab.strings[match_id] for match_id, _, _ in matcher(doc)}
