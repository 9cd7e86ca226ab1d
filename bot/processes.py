"""Waiting for a server we started: shared by `make run`, the test fixtures and their kin."""

from __future__ import annotations

import subprocess
import time
import urllib.request


def wait_until_up(url: str, process: subprocess.Popen, seconds: float) -> bool:
    """Poll `url` until it answers 2xx. False if `process` ends first or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:  # refused, or an HTTP error status while the server is loading
            time.sleep(0.5)
    return False
