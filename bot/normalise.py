"""Rewrites text-speak, repeated letters and common misspellings into plain words.

It runs in front of everything else (bot/components/normaliser.py), so the classifier and the
safety layer both read "i want to kill myself" whether the user typed that, "i wanna kms" or
"i wanna unalive myself". The word lists are data: bot/patterns/normalise.yml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping

_TOKEN = re.compile(r"\S+")
# Leading and trailing punctuation around a word ("help!!", "(him)"); apostrophes stay inside.
_EDGES = re.compile(r"^([^\w'&/£]*)(.*?)([^\w'&/£]*)$")
_RUN_OF_THREE = re.compile(r"(\w)\1{2,}")
# Control and format characters (zero-width, bidi overrides) that hide words from matching.


def _strip_invisible(text: str) -> str:
    return "".join(
        " " if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch
        for ch in text
        if unicodedata.category(ch) != "Cf"
    )


@dataclass(frozen=True)
class Normaliser:
    """Normalises messages using word rules and a vocabulary of known English words."""

    words: Mapping[str, str]
    phrases: Mapping[str, str]
    is_known: Callable[[str], bool]

    @classmethod
    def from_rules(cls, rules: Mapping[str, Any], vocabulary: Collection[str]) -> Normaliser:
        words = {str(k).lower(): str(v).lower() for k, v in rules.get("words", {}).items()}
        phrases = {str(k).lower(): str(v).lower() for k, v in rules.get("phrases", {}).items()}
        phrases.update(_number_word_phrases(rules.get("number_words") or {}))
        known = frozenset(vocabulary) | frozenset(words.values())
        return cls(words=words, phrases=phrases, is_known=known.__contains__)

    def normalise(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        text = _strip_invisible(text).lower()
        for phrase, replacement in self.phrases.items():
            text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", replacement, text)
        return " ".join(self._word(token) for token in _TOKEN.findall(text))

    def _word(self, token: str) -> str:
        if token in self.words:
            return self.words[token]
        lead, core, trail = _EDGES.match(token).groups()  # type: ignore[union-attr]
        if not core:
            return token
        return f"{lead}{self._core(core)}{trail}"

    def _core(self, word: str) -> str:
        if word in self.words:
            return self.words[word]
        if _RUN_OF_THREE.search(word):
            word = self._collapse_repeats(word)
            if word in self.words:
                return self.words[word]
        if word.endswith("in") and not self.is_known(word) and self.is_known(word + "g"):
            return word + "g"
        return word

    def _collapse_repeats(self, word: str) -> str:
        double = _RUN_OF_THREE.sub(r"\1\1", word)
        if self.is_known(double) or double in self.words:
            return double
        # Neither known: a stretched word is more often a short one ("sooo", "nooo", "hiii").
        return _RUN_OF_THREE.sub(r"\1", word)


def _number_word_phrases(spec: Mapping[str, Any]) -> dict[str, str]:
    """ "2" and "4" as words ("want 2 die"), one phrase per word they follow or come before."""
    phrases: dict[str, str] = {}
    for number, rule in spec.items():
        number, word = str(number), str(rule["as"]).lower()
        for before in rule.get("after") or []:
            before = str(before).lower()
            phrases.setdefault(f"{before} {number}", f"{before} {word}")
        for after in rule.get("before") or []:
            after = str(after).lower()
            phrases.setdefault(f"{number} {after}", f"{word} {after}")
    return phrases


def vocabulary_from_spacy(nlp: Any) -> set[str]:
    """Known words: every form and lemma in the pipeline's lookup lemmatiser table."""
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    vocabulary = {str(v) for v in table.values()}
    vocabulary.update(nlp.vocab.strings[k] for k in table.keys() if k in nlp.vocab.strings)
    return vocabulary
