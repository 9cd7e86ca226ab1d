"""Nothing a user types is written to a log or a file by the running servers.

Starts the real action server and Rasa server (`rasa run` at its default INFO level, with a log
file and the project's credentials.yml) in a temporary working directory, with HOME and TMPDIR
pointing into it too: once with the expiring in-memory tracker store of endpoints.yml, once
with endpoints.production.yml and a real Redis. Each time it holds conversations through the
REST channel and the web chat with words made up for this run, stops the action server and
sends one more, then reads every log line (stdout, stderr, the log file) and every file written
under the temporary directory or the project during the run, and looks for those words.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.processes import wait_until_up
from bot.settings import PROJECT_ROOT

from .conftest import free_port
from .test_redis import PASSWORD, RedisServer

RASA = str(Path(sys.executable).parent / "rasa")
START_SECONDS = 240
# Made up for this run, so no file that existed before can contain them.
RUN = uuid.uuid4().hex[:8]
SECRETS = {
    "word": f"zebrafish{RUN}",
    "name": f"Thistle{RUN}wood",
    "handle": f"marmalade_otter_{RUN}",
    "phone": "077009" + str(int(RUN, 16) % 100000).zfill(5),
    "long": f"xylophone{RUN}",
}
MESSAGES = [
    "hi",
    f"my secret word is {SECRETS['word']} and hes outside rn",
    f"im scared, my uncle {SECRETS['name']} said he will hurt me",
    f"my snap is {SECRETS['handle']} and my number is {SECRETS['phone']}",
    # A leading "/" makes Rasa read the message as an intent payload and warn about it.
    f"/{SECRETS['word']} help",
    f"/kms {SECRETS['name']}",
    f"i want to kill myself {SECRETS['long']}",
    f"😭 {SECRETS['long']} ñ é",
    (f"{SECRETS['long']} " * 80).strip(),
]
# Through the web chat's webhook (bot/webchat/), which has its own route into Rasa.
WEBCHAT_MESSAGES = [
    f"hi im {SECRETS['name']} from the web chat",
    f"/{SECRETS['word']}",
]
# Sent after the action server has stopped, in one conversation: secret words, then the "I'm a
# parent or carer" button, which always runs a custom action (action_set_audience); it fails, and
# Rasa logs errors about a conversation whose tracker holds the secret words.
MESSAGES_WITHOUT_ACTIONS = [
    f"im a mum {SECRETS['word']}",
    '/tell_who_i_am{"audience":"parent"}',
]


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    if wait_until_up(url, process, START_SECONDS):
        return
    if process.poll() is not None:
        pytest.fail(f"{process.args[:3]} exited early:\n{log.read_text()[-3000:]}")
    pytest.fail(f"{url} did not answer within {START_SECONDS} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # lets Rasa flush and close its log file
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _send(port: int, sender: str, text: str, path: str = "/webhooks/rest/webhook") -> list[dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


class Run:
    """The servers' output and the files they wrote."""

    def __init__(self, base: Path, store: str, started: float) -> None:
        self.base = base
        self.store = store
        self.started = started
        self.logs = base / "logs"
        self.replies: list[list[dict]] = []
        self.redis_ttls: list[int] = []  # of the conversations in Redis, before it stopped

    def written_files(self) -> list[Path]:
        files = [p for p in self.base.rglob("*") if p.is_file() and not p.is_symlink()]
        # Anything the servers wrote into the project itself (there should be nothing but
        # Python's bytecode caches).
        for root, dirs, names in os.walk(PROJECT_ROOT):
            dirs[:] = [d for d in dirs if d != ".git" and not Path(root, d).is_symlink()]
            for name in names:
                path = Path(root, name)
                try:
                    if not path.is_symlink() and path.stat().st_mtime >= self.started:
                        files.append(path)
                except OSError:
                    continue
        return files


def _endpoints(store: str, action_port: int, work: Path, env: dict[str, str]) -> RedisServer | None:
    action_url = f"http://127.0.0.1:{action_port}/webhook"
    if store == "in_memory":  # endpoints.yml, with the action server's port
        (work / "endpoints.yml").write_text(
            f'action_endpoint:\n  url: "{action_url}"\n'
            "tracker_store:\n  type: bot.stores.ExpiringInMemoryTrackerStore\n"
        )
    else:  # endpoints.production.yml as it is, configured through the environment
        shutil.copy(PROJECT_ROOT / "endpoints.production.yml", work / "endpoints.yml")
        redis_server = RedisServer(work.parent / "redis")
        redis_server.wait_until_ready()
        env.update(
            HH_ACTION_ENDPOINT_URL=action_url,
            HH_REDIS_HOST="127.0.0.1",
            HH_REDIS_PORT=str(redis_server.port),
            HH_REDIS_PASSWORD=PASSWORD,
            HH_REDIS_TRACKER_DB="0",
            HH_REDIS_LOCK_DB="1",
            HH_REDIS_KEY_PREFIX="hhlogtest",
            HH_SESSION_EXPIRY_SECONDS="600",
        )
        return redis_server
    return None


@pytest.fixture(scope="module", params=["in_memory", "redis"])
def run(request, tmp_path_factory, model_path) -> Run:
    store = request.param
    base = tmp_path_factory.mktemp(f"no_user_text_{store}")
    work, home, tmp, logs, redis_dir = (base / d for d in ("work", "home", "tmp", "logs", "redis"))
    for folder in (work, home, tmp, logs, redis_dir):
        folder.mkdir()
    action_port, rasa_port = free_port(), free_port()
    shutil.copy(PROJECT_ROOT / "credentials.yml", work / "credentials.yml")
    (work / "build").symlink_to(PROJECT_ROOT / "build")  # config.yml's spaCy model path
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "LOG_LEVEL_LIBRARIES")}
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        HOME=str(home),
        TMPDIR=str(tmp),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    result = Run(base, store, started=time.time() - 1)
    redis_server = _endpoints(store, action_port, work, env)

    def start(name: str, command: list[str]) -> subprocess.Popen:
        with open(logs / f"{name}.stdout", "w") as out, open(logs / f"{name}.stderr", "w") as err:
            return subprocess.Popen(
                command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )

    actions = start(
        "actions", [RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)]
    )
    rasa = start(
        "rasa",
        [RASA, "run", "--model", str(model_path), "--port", str(rasa_port), "-i", "127.0.0.1",
         "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
         "--log-file", str(logs / "rasa.log")],
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{action_port}/health", actions, logs / "actions.stderr")
        _wait_for(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rasa, logs / "rasa.stderr")
        _wait_for(f"http://127.0.0.1:{rasa_port}/chat/health", rasa, logs / "rasa.stderr")
        sender = uuid.uuid4().hex
        for text in MESSAGES:
            result.replies.append(_send(rasa_port, sender, text))
        sender = uuid.uuid4().hex
        for text in WEBCHAT_MESSAGES:
            result.replies.append(_send(rasa_port, sender, text, path="/chat/webhook"))
        _stop(actions)
        sender = uuid.uuid4().hex
        for text in MESSAGES_WITHOUT_ACTIONS:
            result.replies.append(_send(rasa_port, sender, text))
        if redis_server:
            client = redis_server.client(0)
            result.redis_ttls = [client.ttl(k) for k in client.keys("hhlogtest:tracker:*")]
    finally:
        _stop(actions)
        _stop(rasa)
        if redis_server:
            redis_server.stop()
    return result


def test_the_bot_answered_every_message(run):
    assert len(run.replies) == len(MESSAGES) + len(WEBCHAT_MESSAGES) + len(MESSAGES_WITHOUT_ACTIONS)
    assert all(replies for replies in run.replies)
    # Rasa itself answered, not only the message guard: "kill myself" escalated.
    escalation = run.replies[MESSAGES.index(f"i want to kill myself {SECRETS['long']}")]
    assert any("escalation" in (reply.get("custom") or {}) for reply in escalation)


def test_the_logs_were_written_at_info(run):
    log = (run.logs / "rasa.log").read_text()
    assert "Rasa server is up and running" in log
    assert "safety escalation" in log  # our INFO line: which rules fired, never the text
    assert "Failed to run custom action" in log  # the errors after the action server stopped


def test_the_configured_tracker_store_was_used(run):
    # Rasa falls back to its never-forgetting store, with only a warning, if ours fails to load,
    # and from Redis to memory, with an error, if Redis fails.
    assert "Using `InMemoryTrackerStore` instead" not in (run.logs / "rasa.stderr").read_text()
    assert (
        "Falling back to use the 'InMemoryTrackerStore'" not in (run.logs / "rasa.log").read_text()
    )
    if run.store == "redis":
        assert len(run.redis_ttls) == 3  # REST, web chat, and the one without actions
        assert all(0 < ttl <= 600 for ttl in run.redis_ttls)


# Secrets typed after a leading "/": Rasa's warning about them is silenced by
# bot/log_privacy.py, which so far only bot/stores.py installs (not used with Redis).
AFTER_A_SLASH = {
    k for k, v in SECRETS.items() if any(m.startswith("/") and v in m for m in MESSAGES)
}


@pytest.mark.parametrize("kind", SECRETS)
def test_no_log_line_or_written_file_contains_what_was_typed(run, kind, request):
    secret = SECRETS[kind].lower().encode()
    found = []
    for path in run.written_files():
        try:
            content = path.read_bytes().lower()
        except OSError:
            continue
        if secret in content:
            line = next((ln for ln in content.splitlines() if secret in ln), b"").decode(
                errors="replace"
            )
            found.append(f"{path}: {line[:300]}")
    assert not found, "what the user typed was written to:\n" + "\n".join(found)
