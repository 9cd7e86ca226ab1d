"""Peak resident memory of process trees: VmRSS from /proc, sampled in a background thread."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from typing import Mapping

from bot.bench.stats import MIB

SAMPLE_SECONDS = 0.5


def parse_ppid(stat: str) -> int:
    """The parent pid in /proc/<pid>/stat text (the name in brackets may hold spaces or ')')."""
    return int(stat.rsplit(")", 1)[1].split()[1])


def parse_vmrss_bytes(status: str) -> int:
    """VmRSS in /proc/<pid>/status text, in bytes (0 if absent, as for a zombie)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def tree(root: int, children: Mapping[int, list[int]]) -> list[int]:
    """root and all its descendants."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as f:
                children[parse_ppid(f.read())].append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as f:
            return parse_vmrss_bytes(f.read())
    except OSError:
        return 0


class PeakMemory:
    """Samples named process trees every 0.5 s; keeps each one's peak and the peak of their sum."""

    def __init__(self) -> None:
        self._roots: dict[str, int] = {}
        self.peaks: dict[str, int] = {}
        self.peak_total = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-memory", daemon=True)

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self._roots[name] = pid
            self.peaks.setdefault(name, 0)

    def start(self) -> PeakMemory:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.sample()  # a last look, so even a very short run has a figure

    def sample(self) -> None:
        children = _children_by_parent()
        with self._lock:
            sizes = {
                name: sum(_rss_bytes(pid) for pid in tree(root, children))
                for name, root in self._roots.items()
            }
            for name, size in sizes.items():
                self.peaks[name] = max(self.peaks[name], size)
            self.peak_total = max(self.peak_total, sum(sizes.values()))

    def peaks_mib(self) -> dict[str, float]:
        """Each tree's peak, and "both": the peak of their sum at the same moment, in MiB."""
        with self._lock:
            result = {name: size / MIB for name, size in self.peaks.items()}
            result["both"] = self.peak_total / MIB
        return result

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()
