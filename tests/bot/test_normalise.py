from __future__ import annotations

import pytest

from bot.content_files import normalisation_rules

EXAMPLES = [tuple(pair) for pair in normalisation_rules()["examples"]]


@pytest.mark.parametrize("raw, expected", EXAMPLES)
def test_examples_in_the_rules_file(normaliser, raw, expected):
    assert normaliser.normalise(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("KMS", "kill myself"),
        ("i wanna unalive myself", "i want to kill myself"),
        ("helpppp!!!", "help!!!"),
        ("he keeps touchin me", "he keeps touching me"),
        ("sum1 said they'd share my noods", "someone said they'd share my nudes"),
        ("u ok?", "you ok?"),
    ],
)
def test_text_speak(normaliser, raw, expected):
    assert normaliser.normalise(raw) == expected


def test_ordinary_words_are_left_alone(normaliser):
    text = "my nan gave me a book for my birthday and it was good"
    assert normaliser.normalise(text) == text


def test_invisible_characters_cannot_hide_words(normaliser):
    assert normaliser.normalise("k\u200bms") == "kill myself"
    assert normaliser.normalise("i want\u0000to die") == "i want to die"


def test_empty_and_whitespace(normaliser):
    assert normaliser.normalise("") == ""
    assert normaliser.normalise("   \n ") == ""


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("i want to unalive", "i want to kill myself"),
        ("i wanna unalive", "i want to kill myself"),
        ("gonna unalive tonight", "going to kill myself tonight"),
        ("im about to unalive", "i'm about to kill myself"),
        ("i want to unalive myself", "i want to kill myself"),
        # with someone or something after it, "unalive" is just "kill"
        ("he said hes gonna unalive me", "he said he's going to kill me"),
        ("i want to unalive him", "i want to kill him"),
        ("lets unalive the boss", "lets kill the boss"),
        ("my character got unalived", "my character got killed"),
    ],
)
def test_unalive_without_an_object_is_about_the_writer(normaliser, raw, expected):
    assert normaliser.normalise(raw) == expected


def test_emergency_numbers_are_not_squashed(normaliser):
    assert normaliser.normalise("call 999 now") == "call 999 now"
    assert normaliser.normalise("she hasnt come home and he wouldnt say") == (
        "she hasn't come home and he wouldn't say"
    )


def test_the_training_cache_follows_the_word_lists(tmp_path, monkeypatch):
    """Rasa reuses a component's cached output unless its fingerprint changes: an edited word
    list must retrain everything after the normaliser."""
    from bot.components import normaliser as component

    (tmp_path / "normalise.yml").write_text("words: {}\n", encoding="utf-8")
    monkeypatch.setattr(component, "PATTERNS_DIR", tmp_path)
    first = component.TextNormaliser.fingerprint_addon({})
    assert component.TextNormaliser.fingerprint_addon({}) == first
    (tmp_path / "normalise.yml").write_text("words: {u: you}\n", encoding="utf-8")
    assert component.TextNormaliser.fingerprint_addon({}) != first
