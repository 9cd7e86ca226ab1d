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


class IndexedMatcher:
    """The matches of one spaCy Matcher over all the patterns, found faster.

    With a couple of thousand patterns, most of them full of optional words, running every
    pattern on every message was the slowest step of the whole NLU pipeline. Yet a pattern can
    only match when each of its required (non-optional) words is among the message's lemmas.
    So each pattern gets its own small Matcher, indexed by the lemmas of one required word (the
    one with the fewest alternatives), and a message runs only the patterns whose required words
    it all contains. Same results as `Matcher` (tests/bot/test_phrase_patterns.py checks it):
    a list of (match_id, start, end), sorted, without repeats.
    """

    def __init__(self, nlp: Language, named_patterns: dict[str, list[str]]) -> None:
        self._names = list(named_patterns)
        self._entries: list[tuple[tuple[frozenset[str], ...], Matcher]] = []
        self._index: dict[str, list[int]] = {}
        self._unindexed: list[int] = []
        for name, patterns in named_patterns.items():
            for pattern in patterns:
                tokens = compile_pattern(nlp, pattern)
                required = tuple(
                    frozenset(t["LEMMA"]["IN"]) for t in tokens if "LEMMA" in t and "OP" not in t
                )
                matcher = Matcher(nlp.vocab)
                matcher.add(name, [tokens])
                number = len(self._entries)
                self._entries.append((required, matcher))
                if not required:
                    self._unindexed.append(number)
                    continue
                for lemma in min(required, key=len):
                    self._index.setdefault(lemma, []).append(number)

    def __len__(self) -> int:
        return len(self._names)

    def __call__(self, doc: Any) -> list[tuple[int, int, int]]:
        lemmas = {token.lemma_ for token in doc}
        candidates = set(self._unindexed)
        for lemma in lemmas:
            candidates.update(self._index.get(lemma, ()))
        matches: set[tuple[int, int, int]] = set()
        for number in candidates:
            required, matcher = self._entries[number]
            if all(not words.isdisjoint(lemmas) for words in required):
                matches.update(matcher(doc))
        return sorted(matches, key=lambda m: (m[1], m[2], m[0]))


def build_matcher(nlp: Language, named_patterns: dict[str, list[str]]) -> IndexedMatcher:
    """A matcher with one match id per name, each with one or more pattern strings."""
    return IndexedMatcher(nlp, named_patterns)


def matched_names(nlp: Language, matcher: IndexedMatcher, doc: Any) -> set[str]:
    return {nlp.vocab.strings[match_id] for match_id, _, _ in matcher(doc)}
