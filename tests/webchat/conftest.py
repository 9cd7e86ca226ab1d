"""The web chat in a real headless Chromium (Debian's, at /usr/bin/chromium), driven by Playwright.

A session fixture starts the action server and `rasa run` with our credentials.yml (so the chat
is served by the Rasa server itself, as with `make run`), plus a small local web server for the
pages that are not ours: a "school" page embedding the widget, a start page and the neutral page
the quick exit goes to. Nothing here reaches beyond this machine.
"""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.processes import wait_until_up
from bot.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "helping-hands.tar.gz"
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("HH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ok(url: str, process: subprocess.Popen, seconds: float, log: Path) -> None:
    if wait_until_up(url, process, seconds):
        return
    tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    raise RuntimeError(f"{url} did not become ready; the end of {log}:\n{tail}")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class ChatServer:
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def chat_url(self) -> str:
        return f"{self.base}/chat"


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory) -> ChatServer:
    assert MODEL.exists(), "no trained model: run `make train` (make test does it first)"
    work = tmp_path_factory.mktemp("webchat-servers")
    rasa = str(Path(sys.executable).parent / "rasa")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    action_port, rasa_port = free_port(), free_port()
    # The project's endpoints.yml (its tracker store too), pointed at this action server.
    config = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text()) or {}
    config["action_endpoint"] = {"url": f"http://127.0.0.1:{action_port}/webhook"}
    endpoints = work / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump(config))
    action_log, rasa_log = work / "actions.log", work / "rasa.log"
    actions = server = None
    try:
        with open(action_log, "wb") as out:
            actions = subprocess.Popen(
                [rasa, "run", "actions", "--actions", "actions", "--port", str(action_port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        with open(rasa_log, "wb") as out:
            server = subprocess.Popen(
                [rasa, "run", "--model", str(MODEL), "--port", str(rasa_port)]
                + ["--interface", "127.0.0.1", "--credentials", "credentials.yml"]
                + ["--endpoints", str(endpoints)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_until_ok(f"http://127.0.0.1:{action_port}/health", actions, 120, action_log)
        # /chat/health answers 200 only once the model is loaded.
        _wait_until_ok(f"http://127.0.0.1:{rasa_port}/chat/health", server, 240, rasa_log)
        yield ChatServer(rasa_port)
    finally:
        _stop(server)
        _stop(actions)


@dataclass
class Site:
    """A stand-in for other websites: a school page with the widget, a start page, the exit."""

    port: int

    def url(self, name: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/{name}"

    @property
    def neutral(self) -> str:
        return self.url("neutral.html")

    @property
    def start(self) -> str:
        return self.url("start.html")

    @property
    def school(self) -> str:
        # "localhost", not 127.0.0.1: the school's site is another site than the chat server's.
        return self.url("school.html", host="localhost")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory, chat_server) -> Site:
    root = tmp_path_factory.mktemp("webchat-site")
    port = free_port()
    site = Site(port)
    page = "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
    page += "</head><body><main><h1>{title}</h1>{body}</main></body></html>"
    (root / "neutral.html").write_text(page.format(title="Weather", body="<p>Sunny.</p>"))
    (root / "start.html").write_text(page.format(title="Start", body="<p>Start page.</p>"))
    widget = (
        f'<script src="{chat_server.base}/chat/widget.js" data-exit-url="{site.neutral}"></script>'
    )
    school = (
        "<p>Welcome to Hillside School. Term starts on Monday.</p>"
        "<p><a href='start.html'>Term dates</a></p>" + widget
    )
    (root / "school.html").write_text(page.format(title="Hillside School", body=school))
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """new_page(viewport=..., **context options): a page in a fresh, empty browser context."""
    contexts = []

    def _new_page(viewport: dict | None = None, **options):
        context = browser.new_context(viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
