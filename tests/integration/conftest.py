"""The trained model, talked to the way users do (make test trains it before pytest runs)."""

from __future__ import annotations

import http.client
import logging
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.evaluate import MODEL
from bot.processes import wait_until_up
from bot.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def model_path() -> Path:
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no per-message debug lines in test output
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
        if not wait_until_up(f"http://127.0.0.1:{self.port}/health", self.process, 90):
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
    return Agent.load(
        str(model_path),
        action_endpoint=EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook"),
    )


@pytest.fixture
def conversation(agent):
    """A new conversation: call it with a message, get the bot's replies."""
    sender = uuid.uuid4().hex

    async def say(text: str):
        return await agent.handle_text(text, sender_id=sender)

    return say


class RestServer:
    """`rasa run` with the real credentials.yml, talked to over HTTP like any REST client.

    By default custom actions point at a port where nothing listens, so the server stands alone.
    """

    def __init__(self, model: Path, workdir: Path, action_url: str | None = None) -> None:
        self.model = model
        self.workdir = workdir
        self.action_url = action_url or f"http://127.0.0.1:{free_port()}/webhook"
        self.port = free_port()
        self.log = workdir / "rasa.log"
        self.process: subprocess.Popen | None = None

    @property
    def webhook(self) -> str:
        return "/webhooks/rest/webhook"

    def start(self) -> None:
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "{self.action_url}"\n',
            encoding="utf-8",
        )
        rasa = str(Path(sys.executable).parent / "rasa")
        command = [rasa, "run", "--model", str(self.model), "--port", str(self.port)]
        command += ["--credentials", "credentials.yml", "--endpoints", str(endpoints)]
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        if wait_until_up(f"http://127.0.0.1:{self.port}/webhooks/rest/", self.process, 180):
            return
        self.stop()
        tail = "\n".join(self.log_text().splitlines()[-30:])
        raise RuntimeError(f"the Rasa server did not start; the end of its log:\n{tail}")

    def post(self, body: bytes) -> tuple[int, str]:
        """POST raw bytes to the REST webhook: (HTTP status, response body as text)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"}
            connection.request("POST", self.webhook, body=body, headers=headers)
            reply = connection.getresponse()
            return reply.status, reply.read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def rest_server(model_path, tmp_path_factory, action_server):
    """The real Rasa server on a free port, with the action server, shared by the bad-input,
    fuzz and security tests."""
    server = RestServer(model_path, tmp_path_factory.mktemp("rest_server"), action_server.url)
    server.start()
    yield server
    server.stop()
