"""The load test's arithmetic: plain functions of plain values, unit-tested without servers.

Definitions used throughout the report:
- latency: from sending a request to having read the whole response, in milliseconds; taken
  over every request that got an HTTP response (timeouts and connection failures have none).
- error: a non-2xx status, an exception, a timeout, a 2xx body that is not a JSON list, or one of
  our channel's kind fallback replies (it answers failures with 200, see `classify_reply`).
- throughput: error-free answers per second of the pass's wall time.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

MIB = 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    """One request: its latency (None if no response came) and its error (None if fine)."""

    latency_ms: float | None
    error: str | None = None


@dataclass(frozen=True)
class PassSummary:
    messages: int
    ok: int
    errors: int
    seconds: float
    throughput: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    error_kinds: dict[str, int] = field(default_factory=dict)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly between closest ranks (numpy's default).

    None for no values.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100, not {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def throughput(count: int, seconds: float) -> float | None:
    """Messages per second; None when no time has passed."""
    return count / seconds if seconds > 0 else None


def ratio(ours: float | None, reference: float | None) -> float | None:
    """ours / reference, or None when either is missing or the reference is zero."""
    if ours is None or reference is None or reference == 0:
        return None
    return ours / reference


def classify_reply(status: int, body: Any, fallback_texts: dict[str, str]) -> str | None:
    """The error a response stands for, or None for a real answer.

    `body` is the parsed JSON (or None if it was not JSON). `fallback_texts` maps a name to a
    reply text that means the bot did not really answer (our channel says these with status 200).
    """
    if not 200 <= status < 300:
        return f"http {status}"
    if not isinstance(body, list):
        return "reply not a JSON list"
    texts = {reply.get("text") for reply in body if isinstance(reply, dict)}
    for name, text in sorted(fallback_texts.items()):
        if text in texts:
            return f"fallback reply: {name}"
    return None


def summarise(outcomes: Iterable[Outcome], seconds: float) -> PassSummary:
    """Counts, throughput and latency percentiles of one pass."""
    outcomes = list(outcomes)
    latencies = [o.latency_ms for o in outcomes if o.latency_ms is not None]
    kinds = Counter(o.error for o in outcomes if o.error is not None)
    errors = sum(kinds.values())
    ok = len(outcomes) - errors
    return PassSummary(
        messages=len(outcomes),
        ok=ok,
        errors=errors,
        seconds=seconds,
        throughput=throughput(ok, seconds),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        mean_ms=sum(latencies) / len(latencies) if latencies else None,
        max_ms=max(latencies) if latencies else None,
        error_kinds=dict(sorted(kinds.items())),
    )
