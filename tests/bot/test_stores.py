"""bot/stores.py: conversations leave memory once idle for longer than the expiry."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bot.settings import PROJECT_ROOT
from bot.stores import ExpiringInMemoryTrackerStore


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


_opened: list[ExpiringInMemoryTrackerStore] = []


@pytest.fixture(autouse=True)
def _close_stores():
    yield
    while _opened:  # no sweep timer outlives its test
        _opened.pop().close()


def _store(expiry_seconds: float = 60, clock=None) -> ExpiringInMemoryTrackerStore:
    store = ExpiringInMemoryTrackerStore(
        Domain.empty(), expiry_seconds=expiry_seconds, clock=clock or FakeClock()
    )
    _opened.append(store)
    return store


async def _say(store: ExpiringInMemoryTrackerStore, sender_id: str, text: str) -> None:
    tracker = await store.get_or_create_tracker(sender_id)
    tracker.update(UserUttered(text))
    await store.save(tracker)


async def test_a_saved_conversation_can_be_retrieved():
    store = _store()
    await _say(store, "a1", "my secret word is zebrafish42")

    tracker = await store.retrieve("a1")

    assert tracker is not None
    assert tracker.latest_message.text == "my secret word is zebrafish42"
    assert "a1" in await store.keys()


async def test_an_idle_conversation_is_gone_after_the_expiry():
    clock = FakeClock()
    store = _store(expiry_seconds=60, clock=clock)
    await _say(store, "a1", "zebrafish42")

    clock.now += 59
    assert await store.retrieve("a1") is not None

    clock.now += 2  # 61 s since the last message
    assert await store.retrieve("a1") is None
    assert "a1" not in store.store
    assert "zebrafish42" not in repr(store.store)
    assert list(await store.keys()) == []
    assert not await store.exists("a1")


async def test_each_message_restarts_the_clock():
    clock = FakeClock()
    store = _store(expiry_seconds=60, clock=clock)
    await _say(store, "a1", "hi")
    clock.now += 50
    await _say(store, "a1", "still here")
    clock.now += 50  # 100 s since the first message, 50 s since the last

    tracker = await store.retrieve("a1")

    assert tracker is not None and tracker.latest_message.text == "still here"


async def test_any_save_sweeps_every_expired_conversation():
    clock = FakeClock()
    store = _store(expiry_seconds=60, clock=clock)
    await _say(store, "old1", "one")
    await _say(store, "old2", "two")
    clock.now += 30
    await _say(store, "recent", "three")
    clock.now += 31  # old ones 61 s idle, recent 31 s

    await _say(store, "new", "four")

    assert set(store.store) == {"recent", "new"}


async def test_full_tracker_is_forgotten_too():
    clock = FakeClock()
    store = _store(expiry_seconds=60, clock=clock)
    await _say(store, "a1", "zebrafish42")
    clock.now += 61

    assert await store.retrieve_full_tracker("a1") is None
    assert store.store == {}


async def test_a_quiet_server_forgets_on_time_in_real_time():
    store = _store(expiry_seconds=0.2, clock=time.monotonic)
    await _say(store, "a1", "zebrafish42")
    assert "a1" in store.store

    await asyncio.sleep(0.5)  # no saves or retrieves: only the timer can sweep

    assert store.store == {}


async def test_real_clock_expiry():
    store = _store(expiry_seconds=0.2, clock=time.monotonic)
    await _say(store, "a1", "zebrafish42")
    await asyncio.sleep(0.3)

    assert await store.retrieve("a1") is None
    assert "a1" not in store.store


def test_default_expiry_comes_from_settings(monkeypatch):
    monkeypatch.delenv("HH_SESSION_EXPIRY_MINUTES", raising=False)
    assert ExpiringInMemoryTrackerStore(Domain.empty()).expiry_seconds == 30 * 60

    monkeypatch.setenv("HH_SESSION_EXPIRY_MINUTES", "5")
    assert ExpiringInMemoryTrackerStore(Domain.empty()).expiry_seconds == 5 * 60


@pytest.mark.parametrize("bad", [0, -1, "0"])
def test_expiry_must_be_positive(bad):
    with pytest.raises(ValueError):
        ExpiringInMemoryTrackerStore(Domain.empty(), expiry_seconds=bad)


def _store_from_endpoints(path: Path) -> TrackerStore:
    endpoints = AvailableEndpoints.read_endpoints(str(path))
    return TrackerStore.create(endpoints.tracker_store, Domain.empty())


def test_rasa_builds_it_from_the_project_endpoints_file(monkeypatch):
    monkeypatch.delenv("HH_SESSION_EXPIRY_MINUTES", raising=False)
    store = _store_from_endpoints(PROJECT_ROOT / "endpoints.yml")

    assert isinstance(store, ExpiringInMemoryTrackerStore)
    assert store.expiry_seconds == 30 * 60


def test_rasa_passes_expiry_seconds_from_the_endpoints_file(tmp_path):
    path = tmp_path / "endpoints.yml"
    path.write_text(
        "tracker_store:\n  type: bot.stores.ExpiringInMemoryTrackerStore\n  expiry_seconds: 1800\n"
    )

    store = _store_from_endpoints(path)

    assert isinstance(store, ExpiringInMemoryTrackerStore)
    assert store.expiry_seconds == 1800
