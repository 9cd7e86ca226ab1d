"""The trained model, talked to the way users do (make test trains it before pytest runs)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.evaluate import MODEL
from bot.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def model_path() -> Path:
    assert MODEL.exists(), "no trained model: run `make train` (make test does it first)"
    return MODEL


class ActionServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self) -> None:
        rasa = str(Path(sys.executable).parent / "rasa")
        self.process = subprocess.Popen(
            [rasa, "run", "actions", "--actions", "actions", "--port", str(self.port)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("action server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def action_server():
    server = ActionServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def agent(model_path, action_server):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(str(model_path), action_endpoint=EndpointConfig(url=action_server.url))


@pytest.fixture(scope="session")
def agent_without_action_server(model_path):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    # Nothing listens on this port: every custom action fails.
    return Agent.load(str(model_path), action_endpoint=EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook"))


@pytest.fixture
def conversation(agent):
    """A new conversation: call it with a message, get the bot's replies."""
    sender = uuid.uuid4().hex

    async def say(text: str):
        return await agent.handle_text(text, sender_id=sender)

    return say
