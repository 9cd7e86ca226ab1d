"""Starts the action server and the Rasa server together; Ctrl-C stops both.

python -m bot.serve           # web chat on http://localhost:5005/chat, REST (make run)
python -m bot.serve --shell   # talk in this terminal (make shell)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.processes import wait_until_up
from bot.settings import PROJECT_ROOT, Settings

MODEL = PROJECT_ROOT / "models" / "helping-hands.tar.gz"
RASA = str(Path(sys.executable).parent / "rasa")


def start_action_server(settings: Settings) -> subprocess.Popen:
    return subprocess.Popen(
        [RASA, "run", "actions", "--actions", "actions", "--port", str(settings.action_port)],
        cwd=PROJECT_ROOT,
    )


def rasa_server_command(settings: Settings) -> list[str]:
    command = [RASA, "run", "--model", str(MODEL), "--port", str(settings.rasa_port)]
    command += ["--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
    for origin in settings.allowed_origins:
        command += ["--cors", origin]
    return command


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _next_steps(settings: Settings) -> str:
    base = f"http://localhost:{settings.rasa_port}"
    url = f"{base}/webhooks/rest/webhook"
    return (
        "\nHelping Hands is running.\n"
        f"  Open the web chat:     {base}/chat\n"
        f'  Embed it in a site:    <script src="{base}/chat/widget.js"></script>\n'
        f"  Talk to it over REST:  curl -s {url} -H 'Content-Type: application/json' "
        '-d \'{"sender": "demo", "message": "hi"}\'\n'
        "  Or in a terminal:      make shell\n"
        "  Stop:                  Ctrl-C\n"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="chat in this terminal")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if settings.problems():
        print("\n".join(settings.problems()), file=sys.stderr)
        return 2
    os.chdir(PROJECT_ROOT)
    actions = start_action_server(settings)
    health = f"http://localhost:{settings.action_port}/health"
    if not wait_until_up(health, actions, 120):
        _stop(actions)
        print("The action server did not start; see the messages above.", file=sys.stderr)
        return 1
    if args.shell:
        shell = subprocess.Popen(
            [RASA, "shell", "--model", str(MODEL), "--endpoints", "endpoints.yml"]
        )
        try:
            return shell.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            _stop(shell, actions)
    server = subprocess.Popen(rasa_server_command(settings))
    try:
        if wait_until_up(f"http://localhost:{settings.rasa_port}/", server, 300):
            print(_next_steps(settings), flush=True)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(server, actions)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
