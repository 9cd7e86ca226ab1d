from __future__ import annotations

from bot.settings import Settings


def test_defaults_are_for_a_developer(monkeypatch):
    for name in ("HH_ENV", "HH_ALLOWED_ORIGINS", "HH_SESSION_EXPIRY_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.allowed_origins == ["*"] and settings.problems() == []
    assert settings.session_expiry_minutes == 30


def test_production_needs_named_school_origins(monkeypatch):
    monkeypatch.setenv("HH_ENV", "production")
    monkeypatch.delenv("HH_ALLOWED_ORIGINS", raising=False)
    assert Settings.from_env().problems()
    monkeypatch.setenv("HH_ALLOWED_ORIGINS", "*")
    assert Settings.from_env().problems()
    monkeypatch.setenv("HH_ALLOWED_ORIGINS", "https://school.example, https://other.example")
    settings = Settings.from_env()
    assert settings.allowed_origins == ["https://school.example", "https://other.example"]
    assert settings.problems() == []
