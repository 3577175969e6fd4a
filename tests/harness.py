"""Starts the real assistant (`python -m bot.run`: action server + Rasa server) on free ports,
with its own databases in a temporary directory: for the end-to-end tests and `make bench`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.settings import ROOT
from tests import fakes
from tests.fakes import free_port

# The Rasa HTTP API token of every assistant the tests and benchmarks start.
API_TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def start(
    tmp: Path,
    center: str,
    extra_env: dict | None = None,
    actions_url: str | None = None,
    cluster: dict | None = None,
) -> tuple[subprocess.Popen, str, int]:
    """The process, the Rasa server's address and the action server's port. Rasa calls
    the action server at `actions_url` when given (a dead port: the action server down).
    With `cluster` ({"DATABASE_URL": postgresql://..., "REDIS_URL": redis://...}) it runs
    as one of several instances (DEPLOYMENT=cluster, endpoints.cluster.yml) on those."""
    rasa_port, actions_port = free_port(), free_port()
    actions_url = actions_url or f"http://127.0.0.1:{actions_port}/webhook"
    if cluster is not None:
        endpoints = ROOT / "endpoints.cluster.yml"
    else:
        endpoints = tmp / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "{actions_url}"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp / "tracker.db"}"\n'
        )
    env = dict(
        os.environ,
        CENTER=center,
        PYTHONPATH=str(ROOT),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        RASA_TELEMETRY_ENABLED="false",
        DATABASE_URL=f"sqlite:///{tmp / 'state.db'}",
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_API_TOKEN=API_TOKEN,
        PSEUDONYM_KEY="test-pseudonym-key",
    )
    if cluster is not None:
        env.update(cluster, DEPLOYMENT="cluster", ACTION_ENDPOINT_URL=actions_url)
    env.update(extra_env or {})  # DATABASE_URL too: instances may share one database
    log = (tmp / "assistant.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.run",
            "--port",
            str(rasa_port),
            "--actions-port",
            str(actions_port),
            "--endpoints",
            str(endpoints),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{rasa_port}"
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the assistant stopped: see {tmp / 'assistant.log'}")
        try:
            request = urllib.request.Request(base + "/status", headers=AUTH)
            with urllib.request.urlopen(request, timeout=5) as r:
                if json.loads(r.read()).get("model_file"):
                    break
        except OSError:
            pass
        time.sleep(1)
    else:
        raise RuntimeError(f"the assistant did not start in time: see {tmp / 'assistant.log'}")
    return process, base, actions_port


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def channel_env(platforms: fakes.FakePlatforms) -> dict[str, str]:
    """The contract's variables, pointed at the fake platforms."""
    return {
        "LINE_CHANNEL_SECRET": fakes.LINE_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": fakes.LINE_TOKEN,
        "LINE_API_BASE_URL": platforms.base_url,
        "TELEGRAM_BOT_TOKEN": fakes.TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": fakes.TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": platforms.base_url,
        "PLATFORM_TIMEOUT_SECONDS": "2",
        "PLATFORM_RETRY_SECONDS": "20",
    }
