"""Notices, per message, when one of our custom actions failed (say, the action server is down).

Rasa 3.6 swallows a failed custom action: the processor logs "Encountered an exception while
running action ..." and carries on with no events, so the user would never know part of the
answer is missing. The input channel wraps each message in `watching()`; a logging filter on
the processor's logger records failures for the message being answered (a ContextVar keeps
concurrent conversations apart, as each is handled in its own task), and the channel then says
plainly that something went wrong. Escalations are domain responses, so they never depend on
this.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

PROCESSOR_LOGGER = "rasa.core.processor"
FAILURE_PREFIX = "Encountered an exception while running action"

_failures: ContextVar[list[str] | None] = ContextVar("hh_action_failures", default=None)


class _RecordFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        failures = _failures.get()
        if failures is not None and str(record.msg).startswith(FAILURE_PREFIX):
            failures.append(record.levelname)
        return True


_FILTER = _RecordFailures()


def install() -> None:
    """Attach the filter once (idempotent)."""
    logger = logging.getLogger(PROCESSOR_LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


@contextmanager
def watching() -> Iterator[list[str]]:
    """Within this block, failed custom actions are appended to the yielded list."""
    install()
    failures: list[str] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)
