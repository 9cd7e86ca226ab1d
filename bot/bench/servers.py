"""The servers under test: started on free loopback ports, waited for, and always stopped.

Every process runs in its own process group (a new session), so stopping one ends its children
too, and a Ctrl-C at the terminal reaches only the benchmark, which then stops them itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator, Mapping, Sequence

LOOPBACK = "127.0.0.1"
RASA = str(Path(sys.executable).parent / "rasa")
STOP_SECONDS = 15
# Loopback only: no proxy from the environment may carry a readiness check elsewhere.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerFailed(RuntimeError):
    """A server or the starter's build did not come up; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class Process:
    """One command, run in its own process group with its output in a log file."""

    def __init__(
        self, name: str, command: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path
    ) -> None:
        self.name, self.command, self.cwd, self.env, self.log = name, command, cwd, env, log
        self.popen: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None, "not started"
        return self.popen.pid

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.popen = subprocess.Popen(
                list(self.command),
                cwd=self.cwd,
                env=dict(self.env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL if it is still there after STOP_SECONDS."""
        if self.popen is None:
            return
        group = self.popen.pid  # the group leader's pid is the group id (start_new_session)
        if self.popen.poll() is None:
            self._signal_group(group, signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(group, signal.SIGKILL)  # the leader's children, if any are left
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=STOP_SECONDS)

    @staticmethod
    def _signal_group(group: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, sig)

    def failure(self, what: str) -> ServerFailed:
        return ServerFailed(f"{self.name} {what}; the end of {self.log}:\n{log_tail(self.log)}")


def wait_until_ready(process: Process, url: str, seconds: float) -> None:
    """Poll a loopback URL until it answers 2xx; raise if the process ends or time runs out."""
    if not url.startswith(f"http://{LOOPBACK}:"):
        raise ValueError(f"only {LOOPBACK} is ever contacted, not {url}")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process.running():
            raise process.failure("stopped while starting")
        try:
            with _opener.open(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise process.failure(f"was not ready within {seconds:.0f} s")


def run_to_end(process: Process, seconds: float) -> None:
    """Run a command to completion (stopping it after `seconds`); raise if it failed."""
    process.start()
    try:
        code = process.popen.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        raise process.failure(f"did not finish within {seconds:.0f} s") from None
    finally:
        process.stop()
    if code != 0:
        raise process.failure(f"failed (exit status {code})")


@contextlib.contextmanager
def stopped_at_exit(*processes: Process) -> Iterator[None]:
    """Stop the processes however the block ends, including Ctrl-C."""
    try:
        yield
    finally:
        for process in reversed(processes):
            process.stop()
