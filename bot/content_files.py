"""Loading of the project's data files (patterns, content). Each file is read in one place."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.settings import CONTENT_DIR, PATTERNS_DIR, PROJECT_ROOT


@cache
def load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def entity_patterns() -> dict[str, Any]:
    return load_yaml(PATTERNS_DIR / "entities.yml")["labels"]


def normalisation_rules() -> dict[str, Any]:
    return load_yaml(PATTERNS_DIR / "normalise.yml")


def safety_pattern_files() -> list[Path]:
    return sorted((PATTERNS_DIR / "safety").glob("*.yml"))


def not_danger_file() -> Path:
    return PATTERNS_DIR / "not_danger.yml"


def not_danger_examples() -> list[str]:
    """Harmless messages only the danger classifier learns from: bot/patterns/not_danger.yml
    and the `not_danger` lists of bot/patterns/classifier/*.yml."""
    texts = []
    for path in classifier_example_files():
        texts += [str(text) for text in load_yaml(path).get("not_danger") or []]
    return texts


def classifier_example_files() -> list[Path]:
    """Files of examples only the danger classifier learns from (never DIET)."""
    return [not_danger_file(), *sorted((PATTERNS_DIR / "classifier").glob("*.yml"))]


def danger_examples() -> list[tuple[str, str, str]]:
    """Disclosures only the danger classifier learns from, as (text, reason, level): the
    `danger` mapping of bot/patterns/classifier/*.yml, reason -> level -> messages."""
    examples = []
    for path in classifier_example_files():
        for reason, levels in (load_yaml(path).get("danger") or {}).items():
            for level, texts in levels.items():
                examples += [(str(text), str(reason), str(level)) for text in texts or []]
    return examples


def signs() -> dict[str, Any]:
    return load_yaml(PATTERNS_DIR / "signs.yml")


def services() -> list[dict[str, Any]]:
    return load_yaml(CONTENT_DIR / "services.yml")["services"]


def audience_words() -> dict[str, Any]:
    return load_yaml(CONTENT_DIR / "audience_words.yml")


def safety_context() -> dict[str, Any]:
    return load_yaml(PATTERNS_DIR / "context.yml")


def button_payloads() -> list[str]:
    """Every button payload in domain.yml, as Rasa sends it ({{ }} in the file is { })."""
    responses = load_yaml(PROJECT_ROOT / "domain.yml")["responses"]
    return sorted(
        {
            str(button["payload"]).replace("{{", "{").replace("}}", "}")
            for variations in responses.values()
            for variation in variations
            for button in variation.get("buttons") or []
        }
    )
