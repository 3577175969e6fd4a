"""Starts the assistant: the action server (5055) and the Rasa server (5005), or a shell.

`make run` calls this after installing and training. It checks the guidebook of the
configured center first, so that a broken answer file stops the start with a clear
message instead of failing in a conversation, then runs both servers until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.guidebook import GuidebookError, load_guidebook
from bot.settings import ROOT, ConfigurationError, LineSettings, Settings, TelegramSettings

MODEL = ROOT / "models" / "assistant.tar.gz"


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _wait_for(url: str, seconds: float, process: subprocess.Popen) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def check_guidebook(settings: Settings) -> None:
    try:
        load_guidebook(settings.guidebook_dir, settings.center)
    except GuidebookError as error:
        sys.exit(f"The guidebook cannot be used: {error}")


def check_channels() -> list[str]:
    """The platform channels that are on; a half-configured one stops the start."""
    try:
        line, telegram = LineSettings.from_env(), TelegramSettings.from_env()
    except ConfigurationError as error:
        sys.exit(f"Cannot start: {error}")
    return [name for name, on in (("line", line), ("telegram", telegram)) if on]


def start_action_server(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        # Through bot.server (rasa's own command line) for the same quiet start.
        [sys.executable, "-m", "bot.server", "run", "actions", "--actions", "actions.actions"]
        + ["--port", str(port)],
        cwd=ROOT,
    )


def rasa_command(args: argparse.Namespace) -> list[str]:
    if args.shell:
        return [_bin("rasa"), "shell", "--model", str(MODEL), "--endpoints", args.endpoints]
    return [
        sys.executable,
        "-m",
        "bot.server",  # `rasa run` with a fix for speed (see bot/server.py)
        "run",
        "--model",
        str(MODEL),
        "--enable-api",
        "--port",
        str(args.port),
        "--endpoints",
        args.endpoints,
        "--credentials",
        "credentials.yml",
        "--cors",
        "*",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="talk in this terminal")
    parser.add_argument(
        "--check", action="store_true", help="check the guidebook and channels, start nothing"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--endpoints", default="endpoints.yml", help="Rasa endpoints file")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    check_guidebook(settings)
    channels = check_channels()
    if args.check:
        print(
            f"Center '{settings.center}': guidebook checked; channels: "
            + ", ".join(["rest", *channels])
            + "."
        )
        return 0
    if not MODEL.exists():
        sys.exit(f"No trained model at {MODEL}: run `make train` first.")

    actions = start_action_server(args.actions_port)
    processes = [actions]
    try:
        if not _wait_for(f"http://127.0.0.1:{args.actions_port}/health", 120, actions):
            sys.exit("The action server did not start: see the messages above.")
        rasa = subprocess.Popen(rasa_command(args), cwd=ROOT)
        processes.append(rasa)
        if not args.shell:
            if _wait_for(f"http://127.0.0.1:{args.port}/", 300, rasa):
                print(
                    f"\nThe assistant of center '{settings.center}' is ready.\n"
                    f"  Talk to it: POST http://localhost:{args.port}/webhooks/rest/webhook\n"
                    "    e.g. curl -s localhost:5005/webhooks/rest/webhook "
                    '-d \'{"sender": "me", "message": "hello"}\'\n'
                    + "".join(
                        f"  {name.upper() if name == 'line' else name.title()}: webhook "
                        f"http://localhost:{args.port}/webhooks/{name}/webhook (behind HTTPS)\n"
                        for name in channels
                    )
                    + "  Or in a terminal: make shell.   Stop: Ctrl-C.\n",
                    flush=True,
                )
        return rasa.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
