"""make bench: a bounded load test of Helping Hands against Rasa's starter assistant.

    python -m bot.bench                      # full run, about 8 minutes (make bench)
    python -m bot.bench --duration 5         # a quick smoke run

Everything runs on 127.0.0.1 and stops by itself. The run:
1. builds the reference, Rasa's starter assistant (`rasa init --no-prompt`, which trains it), in
   a temporary folder, unless --starter names one already built;
2. for each system, ours then the reference: starts its action server and Rasa server on free
   ports, waits until both answer, then sends a warm-up (discarded), a single-user pass
   (--sequential messages one after another), a realistic pass (--users users, one message
   every --interval seconds each) and a saturation pass (--users users back to back), each
   lasting --duration seconds, while sampling the servers' resident memory; then stops them;
3. prints the table, our figures as ratios to the reference's, the goals and the machine, and
   writes it all to build/bench/results.json. Server logs go to build/bench/logs/.
The goals are reported, never enforced: the exit status is 0 whenever the run completes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

import yaml

from bot.bench import machine, report
from bot.bench.load import Target, run_pass
from bot.bench.memory import PeakMemory
from bot.bench.servers import (
    LOOPBACK,
    RASA,
    Process,
    ServerFailed,
    free_port,
    stopped_at_exit,
    wait_until_ready,
)
from bot.bench.stats import summarise
from bot.bench.systems import (
    LOG_DIR,
    OUT_DIR,
    RATE_LIMIT_OFF,
    System,
    build_starter,
    ours,
    reference,
)

SETTLE_SECONDS = 2.0


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The description as written, and every option's default."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.bench",
        description=__doc__,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=60, help="seconds per load pass")
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated users")
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds of warm-up (at most --duration)"
    )
    parser.add_argument(
        "--interval", type=float, default=5, help="seconds between a user's messages (realistic)"
    )
    parser.add_argument(
        "--sequential", type=int, default=50, help="messages in the single-user pass"
    )
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument(
        "--max-messages", type=int, default=100_000, help="most messages in any one pass"
    )
    parser.add_argument(
        "--startup-timeout", type=float, default=300, help="seconds for a server to be ready"
    )
    parser.add_argument(
        "--starter",
        type=Path,
        help="reuse the starter assistant built with `rasa init` in this folder, instead of "
        "building a new one in a temporary folder",
    )
    parser.add_argument(
        "--output", type=Path, default=OUT_DIR / "results.json", help="where to write the JSON"
    )
    args = parser.parse_args(argv)
    for name in ("duration", "interval", "timeout", "startup_timeout"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    for name in ("users", "sequential", "max_messages"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup cannot be negative")
    args.warmup = min(args.warmup, args.duration)
    return args


async def measure(target: Target, system: System, args: argparse.Namespace) -> dict[str, Any]:
    """The warm-up and the three passes against a running system."""
    passes: dict[str, Any] = {}

    async def one(
        name: str | None, users: int, seconds: float, budget: int, interval: float | None = None
    ) -> None:
        outcomes, elapsed = await run_pass(
            target, system.conversations, users, seconds, budget, args.timeout, interval
        )
        if name is not None:
            passes[name] = asdict(summarise(outcomes, elapsed))
            summary = passes[name]
            say(
                f"  {report.PASSES[name]}: {summary['messages']} messages, {summary['errors']} errors, "
                f"{report.fmt(summary['throughput'])} msg/s, p95 {report.fmt(summary['p95_ms'], 0)} ms"
            )
        await asyncio.sleep(SETTLE_SECONDS)

    if args.warmup > 0:
        say(f"  warm-up: {args.users} users for {args.warmup:g} s (not counted)")
        await one(None, args.users, args.warmup, args.max_messages)
    say(f"  single user: {args.sequential} messages one after another")
    await one("single_user", 1, args.sequential * args.timeout, args.sequential)
    say(
        f"  realistic: {args.users} users, one message every {args.interval:g} s, {args.duration:g} s"
    )
    await one("realistic", args.users, args.duration, args.max_messages, args.interval)
    say(f"  saturation: {args.users} users back to back, {args.duration:g} s")
    await one("saturation", args.users, args.duration, args.max_messages)
    return passes


def run_system(system: System, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Start the system's two servers, measure, stop them: its passes and peak memory."""
    action_port = free_port()
    rasa_port = free_port()
    while rasa_port == action_port:
        rasa_port = free_port()
    endpoints = workdir / f"{system.key}-endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump(
            {
                **system.endpoints,
                "action_endpoint": {"url": f"http://{LOOPBACK}:{action_port}/webhook"},
            }
        ),
        encoding="utf-8",
    )
    actions = Process(
        f"{system.label} action server",
        [RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)],
        system.cwd,
        system.env,
        LOG_DIR / f"{system.key}-actions.log",
    )
    rasa_command = [RASA, "run", "--model", str(system.model), "-i", LOOPBACK]
    rasa_command += ["--port", str(rasa_port), "--credentials", "credentials.yml"]
    rasa_command += ["--endpoints", str(endpoints)]
    rasa = Process(
        f"{system.label} Rasa server",
        rasa_command,
        system.cwd,
        system.env,
        LOG_DIR / f"{system.key}-rasa.log",
    )
    memory = PeakMemory().start()
    try:
        with stopped_at_exit(actions, rasa):
            say(f"{system.label}: starting the action server on port {action_port}")
            actions.start()
            memory.watch("actions", actions.pid)
            wait_until_ready(
                actions, f"http://{LOOPBACK}:{action_port}/health", args.startup_timeout
            )
            say(f"{system.label}: starting the Rasa server on port {rasa_port}")
            rasa.start()
            memory.watch("rasa", rasa.pid)
            ready = f"http://{LOOPBACK}:{rasa_port}/webhooks/rest/"
            wait_until_ready(rasa, ready, args.startup_timeout)
            say(f"{system.label}: ready; measuring")
            target = Target(rasa_port, system.fallback_texts)
            passes = asyncio.run(measure(target, system, args))
    finally:
        memory.stop()
    return {"label": system.label, "passes": passes, "peak_rss_mib": memory.peaks_mib()}


def notes(args: argparse.Namespace, starter_built: bool) -> list[str]:
    return [
        f"Our Rasa server ran with HH_RATE_LIMIT_MESSAGES={RATE_LIMIT_OFF}: the per-sender limit "
        "(normally a burst of 20 per 60 s, then one message every 3 s) is out of reach, so "
        "saturation measures the bot, not the limiter. The realistic pass (one message per "
        f"sender every {args.interval:g} s) would stay under the normal limit anyway.",
        "Each simulated conversation has its own random sender id. Order per system: warm-up "
        "(not counted), single user, realistic, saturation.",
        "Errors count non-2xx answers, exceptions, timeouts, replies that are not a JSON list, "
        "and our channel's fallback replies (rate_limited, internal_error, no_answer), which it "
        "sends with status 200 when the bot could not really answer.",
        "Tracker stores: ours as in endpoints.yml (bot.stores.ExpiringInMemoryTrackerStore); the "
        "starter's default in-memory store. Both use their own credentials.yml REST channel.",
        "The load generator runs on the same machine as the servers and shares its cores."
        + ("" if starter_built else f" The starter was reused from {args.starter}."),
    ]


@contextlib.contextmanager
def exit_on_termination() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP end the run through the finally blocks that stop the servers."""

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    # Ctrl-C raises KeyboardInterrupt even if whatever started us ignored SIGINT.
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine.describe(), "settings": {}}
    results["settings"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    with tempfile.TemporaryDirectory(prefix="hh-bench-") as temp:
        workdir = Path(temp)
        our_system = ours()
        if args.starter:
            starter, build_seconds = args.starter.resolve(), None
        else:
            say("building Rasa's starter assistant (rasa init --no-prompt; it trains, 1-3 min)")
            starter, build_seconds = build_starter(workdir)
            say(f"starter built in {build_seconds:.0f} s")
        reference_system = reference(starter)
        results["starter_build_seconds"] = build_seconds
        systems = {
            "ours": run_system(our_system, workdir, args),
            "reference": run_system(reference_system, workdir, args),
        }
    results["systems"] = systems
    results["ratios"] = report.ratios(systems["ours"], systems["reference"])
    results["goals"] = [
        asdict(g) for g in report.evaluate_goals(systems["ours"], systems["reference"])
    ]
    results["notes"] = notes(args, starter_built=build_seconds is not None)
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        with exit_on_termination():
            results = run(args)
    except ServerFailed as error:
        say(str(error))
        return 1
    except KeyboardInterrupt:
        say("interrupted; every server has been stopped")
        return 130
    except SystemExit:
        say("terminated; every server has been stopped")
        raise
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(report.render(results))
    print(f"\nResults: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
