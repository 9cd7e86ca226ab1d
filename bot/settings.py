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
    # The action server's port. Not an environment setting: endpoints.yml names it too.
    action_port: int = 5055
    # Conversations are forgotten after this many idle minutes.
    session_expiry_minutes: int = 30
    # Messages longer than this are cut before anything else sees them.
    max_message_chars: int = 1000
    # Request bodies larger than this are not parsed at all (bot/message_guard.py). Big enough
    # for a pasted 100,000-character message (which is then cut to max_message_chars).
    max_body_bytes: int = 256 * 1024
    # Sender ids longer than this are refused (Rasa's REST clients use 32-character uuids).
    max_sender_chars: int = 128
    # Per-sender token bucket: a burst of up to rate_limit_messages, refilled at
    # rate_limit_messages per rate_limit_seconds (20 per 60 s: one more every 3 s).
    rate_limit_messages: int = 20
    rate_limit_seconds: int = 60
    # At most this many senders are remembered by the rate limiter; idle ones go first.
    rate_limit_max_senders: int = 10_000
    # "development" (the default: `make run` on a laptop) or "production".
    environment: str = "development"
    # Browser origins (school websites) allowed to call the bot: HH_ALLOWED_ORIGINS, comma
    # separated. "*" is the default only in development; production must name them.
    allowed_origins: list[str] = field(default_factory=lambda: ["*"])
    # Where the web chat's quick exit button (and Escape pressed twice) sends the browser.
    quick_exit_url: str = "https://www.bbc.co.uk/weather"

    def problems(self) -> list[str]:
        """Settings that must not be used to serve real users."""
        found = []
        if self.environment == "production" and (
            not self.allowed_origins or "*" in self.allowed_origins
        ):
            found.append("HH_ALLOWED_ORIGINS must list the school sites' origins in production")
        if self.environment not in {"development", "production"}:
            found.append(f"HH_ENV must be development or production, not {self.environment!r}")
        return found

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            spacy_model_dir=Path(os.environ.get("HH_SPACY_MODEL", str(cls.spacy_model_dir))),
            rasa_port=_env_int("HH_RASA_PORT", cls.rasa_port),
            session_expiry_minutes=_env_int(
                "HH_SESSION_EXPIRY_MINUTES", cls.session_expiry_minutes
            ),
            max_message_chars=_env_int("HH_MAX_MESSAGE_CHARS", cls.max_message_chars),
            max_body_bytes=_env_int("HH_MAX_BODY_BYTES", cls.max_body_bytes),
            max_sender_chars=_env_int("HH_MAX_SENDER_CHARS", cls.max_sender_chars),
            rate_limit_messages=_env_int("HH_RATE_LIMIT_MESSAGES", cls.rate_limit_messages),
            rate_limit_seconds=_env_int("HH_RATE_LIMIT_SECONDS", cls.rate_limit_seconds),
            rate_limit_max_senders=_env_int(
                "HH_RATE_LIMIT_MAX_SENDERS", cls.rate_limit_max_senders
            ),
            environment=os.environ.get("HH_ENV", "").strip().lower() or cls.environment,
            allowed_origins=_env_list(
                "HH_ALLOWED_ORIGINS", ["*"] if os.environ.get("HH_ENV", "") != "production" else []
            ),
            quick_exit_url=os.environ.get("HH_QUICK_EXIT_URL", "").strip() or cls.quick_exit_url,
        )
