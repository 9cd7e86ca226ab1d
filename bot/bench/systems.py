"""The two assistants under test, ours and Rasa's starter, and how each is started."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.bench.load import Conversation, load_conversations
from bot.bench.servers import LOOPBACK, RASA, Process, ServerFailed, run_to_end
from bot.message_guard import GuardReplies
from bot.settings import PROJECT_ROOT, Settings

MODEL = PROJECT_ROOT / "models" / "helping-hands.tar.gz"
OUT_DIR = PROJECT_ROOT / "build" / "bench"
LOG_DIR = OUT_DIR / "logs"
# Our per-sender rate limit, set out of reach so saturation measures the bot, not the limiter.
RATE_LIMIT_OFF = "100000"
# Our channel answers these with status 200; for the benchmark they are failures.
FALLBACK_REPLIES = ("rate_limited", "internal_error", "no_answer")
STARTER_BUILD_SECONDS = 900


@dataclass(frozen=True)
class System:
    key: str
    label: str
    cwd: Path
    model: Path
    endpoints: dict[str, Any]
    env: dict[str, str]
    conversations: list[Conversation]
    fallback_texts: dict[str, str]


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
        # The action server (rasa_sdk) listens on SANIC_HOST; `rasa run` gets `-i` as well.
        SANIC_HOST=LOOPBACK,
    )
    return env


def ours() -> System:
    if not MODEL.exists():
        raise ServerFailed(f"no trained model at {MODEL}: run `make train` (make bench does)")
    with open(PROJECT_ROOT / "endpoints.yml", encoding="utf-8") as handle:
        endpoints = yaml.safe_load(handle) or {}
    env = _base_env()
    env.update(PYTHONPATH=str(PROJECT_ROOT), HH_RATE_LIMIT_MESSAGES=RATE_LIMIT_OFF)
    texts = GuardReplies.load(Settings.from_env().max_message_chars).texts
    return System(
        key="ours",
        label="Helping Hands",
        cwd=PROJECT_ROOT,
        model=MODEL,
        endpoints=endpoints,
        env=env,
        conversations=load_conversations("ours"),
        fallback_texts={key: texts[key] for key in FALLBACK_REPLIES},
    )


def _reference_env() -> dict[str, str]:
    """Our environment without our settings: the starter is a project of its own."""
    return {k: v for k, v in _base_env().items() if k != "PYTHONPATH" and not k.startswith("HH_")}


def reference(folder: Path) -> System:
    if not list((folder / "models").glob("*.tar.gz")):
        raise ServerFailed(f"{folder} has no trained model in models/: is it a `rasa init` folder?")
    return System(
        key="reference",
        label="Rasa starter",
        cwd=folder,
        model=folder / "models",  # `rasa run` takes the newest model in the folder
        endpoints={},
        env=_reference_env(),
        conversations=load_conversations("reference"),
        fallback_texts={},
    )


def build_starter(parent: Path) -> tuple[Path, float]:
    """`rasa init --no-prompt` (which also trains) in a new folder: the folder and the seconds."""
    folder = parent / "starter"
    folder.mkdir()
    started = time.monotonic()
    command = [RASA, "init", "--no-prompt", "--init-dir", str(folder)]
    run_to_end(
        Process("rasa init", command, parent, _reference_env(), LOG_DIR / "starter-init.log"),
        STARTER_BUILD_SECONDS,
    )
    return folder, time.monotonic() - started
