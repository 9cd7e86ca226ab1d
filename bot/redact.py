"""Replaces personal details in a message with placeholders: `redact(text) -> text`.

Phone numbers, emails, postcodes, street addresses, social-media handles and full names become
[phone], [email], [postcode], [address], [handle] and [name]; everything else is returned
exactly as typed, so the classifier and the safety layer read the same words ("i'm 14",
"year 9", "0800 1111", "kill myself"). The patterns and word lists are data:
bot/content/redaction.yml, read once on the first call.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Pattern

from bot.content_files import load_yaml, normalisation_rules, services
from bot.settings import CONTENT_DIR

RULES_FILE = CONTENT_DIR / "redaction.yml"

_APOSTROPHE = "['’]"
_WORD = r"[a-z](?:[a-z'’-]*[a-z])?"
_HANDLE = r"@?[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?"
_MACRO = re.compile(r"(?<!\?P)<([a-z_]+)>")
# Two or more Capitalised words in a row ("Jake Thompson", "Liam O'Brien", "Ann Smith-Jones").
_CAPITALISED_RUN = re.compile(r"\b[A-Z][A-Za-z'’-]*[a-z](?:[ \t]+[A-Z][A-Za-z'’-]*[a-z]\b)+")
_POSSESSIVE = re.compile(r"['’]s$")


def redact(text: str) -> str:
    """The message with each personal detail replaced by its placeholder."""
    return load().redact(text)


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: Pattern[str]
    check: Callable[[str], bool] | None


class Redactor:
    """Compiled rules and word lists; build once with `Redactor.from_file()`."""

    def __init__(
        self,
        config: Mapping[str, Any],
        ordinary_words: Iterable[str],
        service_numbers: Iterable[str],
    ) -> None:
        words = {name: [str(w).lower() for w in values] for name, values in config["words"].items()}
        self._function = frozenset(words["function"])
        self._ordinary = frozenset(ordinary_words) | frozenset(words["ordinary"]) | self._function
        self._first_names = frozenset(words["first_names_that_are_words"])
        self._surnames = frozenset(words["surnames_that_are_words"])
        self._not_names = frozenset(words["not_names"])
        self._keep_numbers = frozenset(
            _national_digits(str(n)) for n in [*config["keep_numbers"], *service_numbers]
        )
        checks: dict[str, Callable[[str], bool]] = {
            "service_number": self._is_not_service_number,
            "handle": self._is_handle,
            "name": self._is_name,
            "weak_name": self._is_weak_name,
            "surname": self._is_surname,
        }
        self._rules = [
            _Rule(
                kind=str(rule["kind"]),
                pattern=re.compile(_expand(str(rule["regex"]), words), re.IGNORECASE),
                check=checks[rule["check"]] if "check" in rule else None,
            )
            for rule in config["rules"]
        ]

    @classmethod
    def from_file(cls) -> Redactor:
        return cls(load_yaml(RULES_FILE), _ordinary_english_words(), _service_numbers())

    def redact(self, text: str) -> str:
        for rule in self._rules:
            text = rule.pattern.sub(lambda match, rule=rule: self._replace(match, rule), text)
        return _CAPITALISED_RUN.sub(self._replace_full_names, text)

    def _replace(self, match: re.Match[str], rule: _Rule) -> str:
        whole = match.group(0)
        has_pii_group = "pii" in match.re.groupindex
        start, end = match.span("pii") if has_pii_group else match.span()
        if rule.check and not rule.check(match.string[start:end]):
            return whole
        if "more" in match.re.groupindex and match.group("more"):
            if self._ends_name(match.group("more")):
                end = match.end("more")
        offset = match.start()
        return f"{whole[: start - offset]}[{rule.kind}]{whole[end - offset :]}"

    def _replace_full_names(self, match: re.Match[str]) -> str:
        tokens = match.group(0).split()
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if (
                i + 1 < len(tokens)
                and self._starts_name(tokens[i])
                and self._ends_name(tokens[i + 1])
            ):
                end = i + 2
                if end < len(tokens) and self._ends_name(tokens[end]):
                    end += 1  # a middle name: "Mary Jane Smith"
                out.append("[name]")
                i = end
            else:
                out.append(tokens[i])
                i += 1
        if out == tokens:
            return match.group(0)
        return " ".join(out)

    # Checks, each on the text a rule would replace.

    def _is_not_service_number(self, text: str) -> bool:
        return _national_digits(text) not in self._keep_numbers

    def _is_handle(self, text: str) -> bool:
        if not re.search(r"[a-z]", text, re.IGNORECASE):
            return False  # "my snap is 2 days old"
        if text.startswith("@") or re.search(r"[\d_.]", text):
            return True
        return not self._is_ordinary(text)

    def _is_name(self, word: str) -> bool:
        return _key(word) not in self._function and _key(word) not in self._not_names

    def _is_weak_name(self, word: str) -> bool:
        if not self._is_name(word):
            return False
        return word[0].isupper() or not self._is_ordinary(word) or _key(word) in self._first_names

    def _is_surname(self, word: str) -> bool:
        if not self._is_name(word):
            return False
        return word[0].isupper() or not self._is_ordinary(word) or _key(word) in self._surnames

    # Capitalised runs: "Jake Thompson", but not "Report Remove" or "Milton Keynes".

    def _starts_name(self, word: str) -> bool:
        key = _key(word)
        if key in self._not_names or key in self._function:
            return False
        return not self._is_ordinary(word) or key in self._first_names

    def _ends_name(self, word: str) -> bool:
        key = _key(word)
        if key in self._not_names or key in self._function:
            return False
        return not self._is_ordinary(word) or key in self._surnames

    def _is_ordinary(self, word: str) -> bool:
        return _key(word) in self._ordinary


def _key(word: str) -> str:
    return _POSSESSIVE.sub("", word.lower().lstrip("@"))


def _expand(regex: str, words: Mapping[str, list[str]]) -> str:
    """Replaces <list> with the list's words as alternatives, <word>, <handle> and <apos>."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "apos":
            return _APOSTROPHE
        if name == "word":
            return _WORD
        if name == "handle":
            return _HANDLE
        phrases = sorted(words[name], key=len, reverse=True)
        return "(?:" + "|".join(_phrase_regex(p) for p in phrases) + ")"

    return _MACRO.sub(one, regex)


def _phrase_regex(phrase: str) -> str:
    parts = [re.escape(word).replace("'", _APOSTROPHE) for word in phrase.split()]
    return r"\s+".join(parts)


def _national_digits(number: str) -> str:
    """Digits of a phone number in UK national form: "+44 (0)20 ..." -> "020..."."""
    number = number.replace("(0)", "")
    digits = re.sub(r"\D", "", number)
    if number.lstrip().startswith("+44"):
        return "0" + digits[2:]
    if digits.startswith("0044"):
        return "0" + digits[4:]
    return digits


def _ordinary_english_words() -> set[str]:
    """English words and our text-speak.

    spaCy's lookup lemma table (inflected forms and their lemmas) and the adjectives, adverbs
    and verbs of its WordNet index ("maybe", "anxious"). Not the index's nouns: they include
    people's names and places ("james", "thompson", "leeds").
    """
    import spacy_lookups_data

    words: set[str] = set()
    table = _read_lookup(spacy_lookups_data.get_file("en_lemma_lookup.json.gz"))
    words.update(table, table.values())
    index = _read_lookup(spacy_lookups_data.get_file("en_lemma_index.json.gz"))
    for part_of_speech in ("adj", "adv", "verb"):
        words.update(index[part_of_speech])
    rules = normalisation_rules()
    for key, value in rules.get("words", {}).items():
        words.add(str(key).lower())
        words.update(str(value).lower().split())
    return words


def _read_lookup(path: Any) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _service_numbers() -> list[str]:
    return [str(s[field]) for s in services() for field in ("phone", "text") if s.get(field)]


@lru_cache(maxsize=1)
def load() -> Redactor:
    """The redactor, read from its files once per process."""
    return Redactor.from_file()
