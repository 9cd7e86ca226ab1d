"""What the figures were measured on, read from /proc (Linux)."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any


def parse_cpu_model(cpuinfo: str) -> str | None:
    """The first "model name" (x86) or "Model"/"Hardware" (ARM) in /proc/cpuinfo text."""
    for key in ("model name", "Model", "Hardware"):
        for line in cpuinfo.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return None


def parse_meminfo_mib(meminfo: str, key: str = "MemTotal") -> float | None:
    """A "<key>: N kB" line of /proc/meminfo, in MiB."""
    for line in meminfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return int(value.split()[0]) / 1024
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    """CPU, cores, RAM, load, and the Python, Rasa and Rasa SDK versions."""
    return {
        "cpu_model": parse_cpu_model(_read("/proc/cpuinfo")) or platform.processor() or None,
        "cores": os.cpu_count(),
        "ram_mib": parse_meminfo_mib(_read("/proc/meminfo")),
        "load_average": list(os.getloadavg()),
        "python": platform.python_version(),
        "rasa": _version("rasa"),
        "rasa_sdk": _version("rasa-sdk"),
        "platform": platform.platform(),
    }
