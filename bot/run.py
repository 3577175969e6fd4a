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

from bot import state
from bot.conversations import prefix_existing, tracker_store_url
from bot.guidebook import GuidebookError, load_guidebook
from bot.prune import prune
from bot.settings import ROOT, ConfigurationError, LineSettings, Settings, TelegramSettings

MODEL = ROOT / "models" / "assistant.tar.gz"


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


def prepare_conversations(settings: Settings, endpoints: Path) -> None:
    """Earlier versions' conversation ids get their channel prefix; with RETENTION_DAYS,
    what is older is deleted (bot/prune.py)."""
    url = tracker_store_url(endpoints)
    if url is not None:
        prefix_existing(url)
    counts = prune(settings, endpoints)
    if counts:
        print(
            f"Retention {settings.retention_days} days: deleted "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
        )


def start_action_server(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        # Through bot.server (rasa's own command line) for the same quiet start.
        [sys.executable, "-m", "bot.server", "run", "actions", "--actions", "actions.actions"]
        + ["--port", str(port)],
        cwd=ROOT,
    )


def rasa_command(args: argparse.Namespace) -> list[str]:
    """`rasa run` (or `rasa shell`). The HTTP API token and the address to listen on are
    added by bot.server from the environment, so that the token never shows in `ps`."""
    if args.shell:
        return [sys.executable, "-m", "bot.server", "shell", "--model", str(MODEL)] + [
            "--endpoints",
            args.endpoints,
        ]
    return [
        sys.executable,
        "-m",
        "bot.server",  # `rasa run` with a fix for speed, the token and the limits
        "run",
        "--model",
        str(MODEL),
        "--port",
        str(args.port),
        "--endpoints",
        args.endpoints,
        "--credentials",
        "credentials.yml",
    ]


def local_address(settings: Settings) -> str:
    """Where this machine reaches the servers it starts."""
    address = settings.bind_address
    return "127.0.0.1" if address in ("0.0.0.0", "::", "") else address


def ready_message(settings: Settings, channels: list[str], host: str, port: int) -> str:
    """What the operator needs once both servers are up: where to talk, what is open."""
    base = f"http://{host}:{port}"
    token = settings.rasa_api_token is not None
    lines = [
        f"\nThe assistant of center '{settings.center}' is ready (listening on "
        f"{settings.bind_address})."
    ]
    auth = ' -H "Authorization: Bearer $RASA_API_TOKEN"' if channels else ""
    if channels and not token:
        lines.append("  REST channel: off while LINE or Telegram is on (set RASA_API_TOKEN).")
    else:
        lines.append(
            f"  Talk to it: curl -s {base}/webhooks/rest/webhook{auth} "
            '-d \'{"sender": "me", "message": "hello"}\''
        )
    for name in channels:
        label = "LINE" if name == "line" else name.title()
        lines.append(f"  {label}: webhook {base}/webhooks/{name}/webhook (public, behind HTTPS)")
    lines.append(
        f"  HTTP API: {base}/status with the token"
        if token
        else "  HTTP API: off (no RASA_API_TOKEN)"
    )
    lines.append("  Or in a terminal: make shell.   Stop: Ctrl-C.")
    return "\n".join(lines) + "\n"


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def stop_seconds() -> float:
    """How long a stopping server may take: the channels wait for replies in flight (a
    whole PLATFORM_RETRY_SECONDS), then Rasa closes its connections."""
    waits = [s.stop_seconds for s in (LineSettings.from_env(), TelegramSettings.from_env()) if s]
    return max(waits, default=0.0) + 15.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="talk in this terminal")
    parser.add_argument(
        "--check", action="store_true", help="check the guidebook and channels, start nothing"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5005)))
    parser.add_argument(
        "--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055))
    )
    parser.add_argument(
        "--endpoints",
        help="Rasa endpoints file (default: endpoints.yml, or endpoints.cluster.yml "
        "with DEPLOYMENT=cluster)",
    )
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        sys.exit(f"Cannot start: {error}")
    args.endpoints = args.endpoints or str(settings.endpoints_file)
    # endpoints.cluster.yml calls the action server at ACTION_ENDPOINT_URL: this
    # machine's own unless the operator runs them elsewhere.
    os.environ.setdefault(
        "ACTION_ENDPOINT_URL", f"http://{local_address(settings)}:{args.actions_port}/webhook"
    )
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

    prepare_conversations(settings, Path(args.endpoints))
    state.upgrade(settings.database_url)  # the desk's and the intake's tables (Alembic)
    # systemd and docker stop with SIGTERM: stop as on Ctrl-C, letting replies finish.
    signal.signal(signal.SIGTERM, _interrupt)
    actions = start_action_server(args.actions_port)
    processes = [actions]
    try:
        host = local_address(settings)
        if not _wait_for(f"http://{host}:{args.actions_port}/health", 120, actions):
            sys.exit("The action server did not start: see the messages above.")
        rasa = subprocess.Popen(rasa_command(args), cwd=ROOT)
        processes.append(rasa)
        if not args.shell:
            if _wait_for(f"http://{host}:{args.port}/", 300, rasa):
                print(ready_message(settings, channels, host, args.port), flush=True)
        return rasa.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=stop_seconds())
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
