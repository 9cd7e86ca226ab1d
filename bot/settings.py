"""Every setting in one place: read from environment variables, with the defaults below."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BOT_DIR = PROJECT_ROOT / "bot"
PATTERNS_DIR = BOT_DIR / "patterns"
CONTENT_DIR = BOT_DIR / "content"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    return [v.strip() for v in value.split(",") if v.strip()] if value else default


@dataclass(frozen=True)
class Settings:
    """Typed settings. Build with `Settings.from_env()`."""

    spacy_model_dir: Path = PROJECT_ROOT / "build" / "spacy" / "hh_en"
    rasa_port: int = 5005
    action_port: int = 5055
    # Conversations are forgotten after this many idle minutes.
    session_expiry_minutes: int = 30
    # Messages longer than this are cut before anything else sees them.
    max_message_chars: int = 1000
    allowed_origins: list[str] = field(default_factory=lambda: ["*"])

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            spacy_model_dir=Path(
                os.environ.get("HH_SPACY_MODEL", str(cls.spacy_model_dir))
            ),
            rasa_port=_env_int("HH_RASA_PORT", cls.rasa_port),
            action_port=_env_int("HH_ACTION_PORT", cls.action_port),
            session_expiry_minutes=_env_int(
                "HH_SESSION_EXPIRY_MINUTES", cls.session_expiry_minutes
            ),
            max_message_chars=_env_int("HH_MAX_MESSAGE_CHARS", cls.max_message_chars),
            allowed_origins=_env_list("HH_ALLOWED_ORIGINS", ["*"]),
        )
