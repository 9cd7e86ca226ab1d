"""endpoints.production.yml against a real Redis: conversations expire, locks work.

Starts `redis-server` (Debian package `redis-server`) on a free port, without persistence, and
reads the production endpoints file through Rasa's own loader and factories, exactly as
`rasa run --endpoints endpoints.production.yml` does.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
import uuid

import pytest
import redis
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore, TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.exceptions import RasaException

from bot.settings import PROJECT_ROOT

from .conftest import free_port

ENDPOINTS = PROJECT_ROOT / "endpoints.production.yml"
PASSWORD = "test-password-1"
PREFIX = "hhtest"
EXPIRY_SECONDS = 2
TRACKER_DB, LOCK_DB = 0, 1


class RedisServer:
    def __init__(self, workdir) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail(
                "redis-server is not installed; these tests need a real one. "
                "Install it with `apt-get install -y redis-server` (CI must install it)."
            )
        self.port = free_port()
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--requirepass", PASSWORD,
             "--dir", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def client(self, db: int) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, password=PASSWORD, decode_responses=True)

    def wait_until_ready(self, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited with code {self.process.returncode}")
            try:
                if self.client(0).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        pytest.fail("redis-server did not answer within 15 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def production_env(monkeypatch, redis_server):
    values = {
        "HH_ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
        "HH_REDIS_HOST": "127.0.0.1",
        "HH_REDIS_PORT": str(redis_server.port),
        "HH_REDIS_PASSWORD": PASSWORD,
        "HH_REDIS_TRACKER_DB": str(TRACKER_DB),
        "HH_REDIS_LOCK_DB": str(LOCK_DB),
        "HH_REDIS_KEY_PREFIX": PREFIX,
        "HH_SESSION_EXPIRY_SECONDS": str(EXPIRY_SECONDS),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def endpoints(production_env):
    return read_endpoints_from_path(ENDPOINTS)


async def _say(store: TrackerStore, sender_id: str, text: str) -> None:
    tracker = await store.get_or_create_tracker(sender_id)
    tracker.update(UserUttered(text))
    await store.save(tracker)


def _wait_until_gone(client: redis.Redis, key: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not client.exists(key):
            return True
        time.sleep(0.1)
    return False


VARIABLES = [
    "HH_ACTION_ENDPOINT_URL",
    "HH_REDIS_HOST",
    "HH_REDIS_PORT",
    "HH_REDIS_PASSWORD",
    "HH_REDIS_TRACKER_DB",
    "HH_REDIS_LOCK_DB",
    "HH_REDIS_KEY_PREFIX",
    "HH_SESSION_EXPIRY_SECONDS",
]


def test_the_file_uses_exactly_these_variables(production_env):
    assert sorted(production_env) == sorted(VARIABLES)
    settings = [line for line in ENDPOINTS.read_text().splitlines() if not line.startswith("#")]
    used = set(re.findall(r"\$\{(\w+)\}", "\n".join(settings)))
    assert used == set(VARIABLES)


@pytest.mark.parametrize("missing", VARIABLES)
def test_every_variable_must_be_set(production_env, monkeypatch, missing):
    # No silent default: an unset expiry must not mean "keep for ever".
    monkeypatch.delenv(missing)

    with pytest.raises(RasaException, match=missing):
        read_endpoints_from_path(ENDPOINTS)


def test_endpoints_read_by_rasa(endpoints, redis_server):
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    assert endpoints.tracker_store.type == "redis"
    assert endpoints.tracker_store.kwargs["record_exp"] == str(EXPIRY_SECONDS)
    assert endpoints.lock_store.type == "redis"
    assert endpoints.event_broker is None  # nothing copies the messages anywhere else


async def test_conversation_is_kept_with_a_ttl_then_expires(endpoints, redis_server):
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert isinstance(store, RedisTrackerStore)
    sender_id = uuid.uuid4().hex
    key = f"{PREFIX}:tracker:{sender_id}"
    client = redis_server.client(TRACKER_DB)

    await _say(store, sender_id, "my secret word is zebrafish42")

    assert "zebrafish42" in client.get(key)
    assert 0 < client.ttl(key) <= EXPIRY_SECONDS
    tracker = await store.retrieve(sender_id)
    assert tracker is not None and tracker.latest_message.text.endswith("zebrafish42")

    assert _wait_until_gone(client, key, seconds=EXPIRY_SECONDS + 3)
    assert await store.retrieve(sender_id) is None
    for db in (TRACKER_DB, LOCK_DB):
        assert not any(
            "zebrafish42" in (redis_server.client(db).get(k) or "")
            for k in redis_server.client(db).keys("*")
        )


async def test_each_message_restarts_the_expiry(endpoints, redis_server):
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    sender_id = uuid.uuid4().hex
    key = f"{PREFIX}:tracker:{sender_id}"
    client = redis_server.client(TRACKER_DB)

    await _say(store, sender_id, "hi")
    await asyncio.sleep(EXPIRY_SECONDS * 0.6)
    await _say(store, sender_id, "still here")
    await asyncio.sleep(EXPIRY_SECONDS * 0.6)  # past the first expiry, not the second

    assert client.exists(key)
    assert 0 < client.ttl(key) <= EXPIRY_SECONDS
    client.delete(key)


async def test_lock_store_acquires_and_releases(endpoints, redis_server):
    lock_store = LockStore.create(endpoints.lock_store)
    assert isinstance(lock_store, RedisLockStore)
    sender_id = uuid.uuid4().hex
    key = f"{PREFIX}:lock:{sender_id}"
    client = redis_server.client(LOCK_DB)

    async with lock_store.lock(sender_id, wait_time_in_seconds=0.05) as lock:
        assert client.exists(key)
        # A second message for the same conversation has to wait its turn.
        waiting = lock_store.issue_ticket(sender_id)
        assert lock_store.get_lock(sender_id).is_locked(waiting)
        assert lock.conversation_id == sender_id
        lock_store.cleanup(sender_id, waiting)

    assert not client.exists(key)
    async with lock_store.lock(sender_id, wait_time_in_seconds=0.05):
        assert client.exists(key)
    assert not client.exists(key)
