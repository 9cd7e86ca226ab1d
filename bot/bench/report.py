"""The printed report and the goals: pure functions of the results dictionary (see __main__.py).

`results["systems"][name]` holds, for "ours" and "reference":
    {"label": str, "passes": {pass name: PassSummary as a dict}, "peak_rss_mib": {...}}
with pass names from PASSES and memory keys from MEMORY.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from bot.bench.stats import ratio

PASSES = {"single_user": "single user", "realistic": "realistic", "saturation": "saturation"}
MEMORY = {"rasa": "Rasa server", "actions": "action server", "both": "both"}
# Both our servers together must stay under this peak resident memory: 1.5 GiB.
MEMORY_GOAL_MIB = 1536.0
REALISTIC_P95_GOAL_MS = 300.0


@dataclass(frozen=True)
class Goal:
    name: str
    passed: bool
    detail: str


def fmt(value: float | int | None, digits: int = 1, suffix: str = "") -> str:
    """A number for the table: fixed decimals, thousands separators, "-" when missing."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    return f"{value:,.{digits}f}{suffix}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Columns padded to fit: the first `left` left-aligned (labels), the rest right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, not {len(headers)}: {row!r}")
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if column < left else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def ratios(ours: dict[str, Any], reference: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Our figures divided by the reference's: per pass, and for peak memory."""
    table: dict[str, dict[str, float | None]] = {}
    for name in PASSES:
        mine, theirs = ours["passes"].get(name), reference["passes"].get(name)
        if mine is None or theirs is None:
            continue
        table[name] = {
            key: ratio(mine[key], theirs[key])
            for key in ("throughput", "p50_ms", "p95_ms", "p99_ms")
        }
    table["peak_rss"] = {
        key: ratio(ours["peak_rss_mib"].get(key), reference["peak_rss_mib"].get(key))
        for key in MEMORY
    }
    return table


def evaluate_goals(ours: dict[str, Any], reference: dict[str, Any]) -> list[Goal]:
    """The three goals, each passed or not (missing figures fail)."""
    goals = []
    mine = ours["passes"].get("saturation") or {}
    theirs = reference["passes"].get("saturation") or {}
    rate, reference_rate = mine.get("throughput"), theirs.get("throughput")
    goals.append(
        Goal(
            f"saturation throughput >= {reference['label']}'s",
            rate is not None and reference_rate is not None and rate >= reference_rate,
            f"{fmt(rate)} vs {fmt(reference_rate)} messages/s",
        )
    )
    realistic = ours["passes"].get("realistic") or {}
    errors, p95 = realistic.get("errors"), realistic.get("p95_ms")
    goals.append(
        Goal(
            f"realistic load: zero errors and p95 < {fmt(REALISTIC_P95_GOAL_MS, 0)} ms",
            errors == 0 and p95 is not None and p95 < REALISTIC_P95_GOAL_MS,
            f"{fmt(errors)} errors, p95 {fmt(p95)} ms",
        )
    )
    both = ours["peak_rss_mib"].get("both")
    goals.append(
        Goal(
            f"both our servers together < {fmt(MEMORY_GOAL_MIB, 0)} MiB (1.5 GiB) peak RSS",
            both is not None and both < MEMORY_GOAL_MIB,
            f"{fmt(both)} MiB",
        )
    )
    return goals


def _pass_rows(systems: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for system in systems.values():
        for name, label in PASSES.items():
            summary = system["passes"].get(name)
            if summary is None:
                continue
            rows.append(
                [
                    system["label"],
                    label,
                    fmt(summary["messages"]),
                    fmt(summary["throughput"]),
                    fmt(summary["p50_ms"], 0),
                    fmt(summary["p95_ms"], 0),
                    fmt(summary["p99_ms"], 0),
                    fmt(summary["errors"]),
                ]
            )
    return rows


def _memory_rows(systems: dict[str, dict[str, Any]]) -> list[list[str]]:
    return [
        [system["label"], *(fmt(system["peak_rss_mib"].get(key), 0) for key in MEMORY)]
        for system in systems.values()
    ]


def _ratio_rows(table: dict[str, dict[str, float | None]]) -> list[list[str]]:
    rows = [
        [
            PASSES[name],
            *(fmt(row[k], 2, "x") for k in ("throughput", "p50_ms", "p95_ms", "p99_ms")),
        ]
        for name, row in table.items()
        if name in PASSES
    ]
    return rows


def _error_lines(systems: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for system in systems.values():
        for name, label in PASSES.items():
            kinds = (system["passes"].get(name) or {}).get("error_kinds") or {}
            if kinds:
                detail = ", ".join(f"{kind}: {count}" for kind, count in kinds.items())
                lines.append(f"  {system['label']}, {label}: {detail}")
    return lines


def _machine_lines(machine: dict[str, Any]) -> list[str]:
    load = machine.get("load_average")
    return [
        f"  CPU:    {machine.get('cpu_model')} ({machine.get('cores')} cores)",
        f"  RAM:    {fmt(machine.get('ram_mib'), 0)} MiB",
        f"  Load:   {' '.join(f'{x:.2f}' for x in load) if load else '-'} (1/5/15 min, at start)",
        f"  Python: {machine.get('python')}  Rasa: {machine.get('rasa')}  "
        f"Rasa SDK: {machine.get('rasa_sdk')}",
    ]


def render(results: dict[str, Any]) -> str:
    """The whole printed report."""
    systems = results["systems"]
    ours, reference = systems["ours"], systems["reference"]
    headers = ["system", "pass", "messages", "msg/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    parts = [
        "Load (latency from request sent to response read; msg/s counts error-free answers)",
        format_table(headers, _pass_rows(systems), left=2),
        "",
        "Peak resident memory, MiB (VmRSS every 0.5 s, child processes included)",
        format_table(["system", *MEMORY.values()], _memory_rows(systems)),
        "",
        f"{ours['label']} / {reference['label']} (throughput: higher is better; "
        "latency and memory: lower is better)",
        format_table(["pass", "msg/s", "p50", "p95", "p99"], _ratio_rows(results["ratios"])),
        "",
        format_table(
            ["memory", *MEMORY.values()],
            [["peak RSS", *(fmt(results["ratios"]["peak_rss"][k], 2, "x") for k in MEMORY)]],
        ),
    ]
    errors = _error_lines(systems)
    if errors:
        parts += ["", "Errors by kind", *errors]
    parts += ["", "Goals (reported only; they do not fail the run)"]
    parts += [
        f"  [{'PASS' if g['passed'] else 'FAIL'}] {g['name']}: {g['detail']}"
        for g in results["goals"]
    ]
    parts += ["", "Machine", *_machine_lines(results["machine"])]
    if results.get("notes"):
        parts += ["", "Notes", *(f"  - {note}" for note in results["notes"])]
    return "\n".join(parts)
