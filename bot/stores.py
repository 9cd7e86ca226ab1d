"""A tracker store that forgets conversations: Rasa's in-memory store, with an idle expiry.

Rasa's `InMemoryTrackerStore` keeps every conversation until the process ends. This one drops a
conversation entirely (its tracker leaves memory) once it has been idle for `expiry_seconds`.
Expired conversations are swept on every save and retrieve, and by a timer, so a quiet server
forgets too. Use it from endpoints.yml:

    tracker_store:
      type: bot.stores.ExpiringInMemoryTrackerStore
      expiry_seconds: 1800   # optional; default HH_SESSION_EXPIRY_MINUTES (bot/settings.py)

Rasa falls back to the plain in-memory store, with only a warning, if it cannot import this
module: run Rasa with the project root on PYTHONPATH (the Makefile does).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any, Callable, Iterable

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import log_privacy
from bot.settings import Settings

logger = logging.getLogger(__name__)


class ExpiringInMemoryTrackerStore(InMemoryTrackerStore):
    """Keeps each conversation in memory until it has been idle for `expiry_seconds`."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        expiry_seconds: float | str | None = None,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        if expiry_seconds is None:
            expiry_seconds = Settings.from_env().session_expiry_minutes * 60
        self.expiry_seconds = float(expiry_seconds)
        if self.expiry_seconds <= 0:
            raise ValueError(f"expiry_seconds must be positive, not {expiry_seconds!r}")
        self._clock = clock
        # Sender id -> time of its last save, oldest first: a sweep stops at the first live one.
        self._last_active: OrderedDict[str, float] = OrderedDict()
        self._timer: asyncio.TimerHandle | None = None
        # This store runs inside the Rasa server, after Rasa has set up its logging.
        log_privacy.install()

    async def save(self, tracker: DialogueStateTracker) -> None:
        self.forget_expired()
        await super().save(tracker)
        self._last_active[tracker.sender_id] = self._clock()
        self._last_active.move_to_end(tracker.sender_id)
        self._schedule_sweep()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        self.forget_expired()
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        self.forget_expired()
        return await super().retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[str]:
        self.forget_expired()
        return await super().keys()

    def forget_expired(self) -> int:
        """Drops every conversation idle for longer than the expiry; returns how many."""
        now = self._clock()
        forgotten = 0
        while self._last_active:
            sender_id, last_active = next(iter(self._last_active.items()))
            if now - last_active < self.expiry_seconds:
                break
            del self._last_active[sender_id]
            self.store.pop(sender_id, None)
            forgotten += 1
        if forgotten:
            logger.debug("Forgot %d idle conversation(s).", forgotten)
        return forgotten

    def close(self) -> None:
        """Cancels the sweep timer (the conversations stay until they expire or the process ends)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule_sweep(self) -> None:
        """Runs `forget_expired` when the oldest conversation expires, if nothing else does."""
        if self._timer is not None or not self._last_active:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        oldest = next(iter(self._last_active.values()))
        delay = max(0.0, oldest + self.expiry_seconds - self._clock()) + 0.01
        self._timer = loop.call_later(delay, self._sweep_on_timer)

    def _sweep_on_timer(self) -> None:
        self._timer = None
        self.forget_expired()
        self._schedule_sweep()
