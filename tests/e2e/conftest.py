"""Starts the real assistant (bot.run: action server + Rasa server) once for the e2e tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.settings import ROOT

MODEL = ROOT / "models" / "assistant.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Assistant:
    """Talks to the running assistant over its REST channel and HTTP API."""

    def __init__(self, base: str):
        self.base = base

    def post(self, path: str, body: dict, timeout: float = 60) -> object:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def say(self, sender: str, text: str, **metadata) -> list[dict]:
        body = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        return self.post("/webhooks/rest/webhook", body)

    def parse(self, text: str) -> dict:
        return self.post("/model/parse", {"text": text})

    def slot(self, sender: str, name: str):
        with urllib.request.urlopen(f"{self.base}/conversations/{sender}/tracker", timeout=30) as r:
            return json.loads(r.read())["slots"].get(name)


def _start(tmp: Path, center: str) -> tuple[subprocess.Popen, str]:
    rasa_port, actions_port = free_port(), free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
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
    )
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
            with urllib.request.urlopen(base + "/status", timeout=5) as r:
                if json.loads(r.read()).get("model_file"):
                    break
        except OSError:
            pass
        time.sleep(1)
    else:
        raise RuntimeError(f"the assistant did not start in time: see {tmp / 'assistant.log'}")
    return process, base


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _assistant(tmp_path_factory, center: str):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    process, base = _start(tmp_path_factory.mktemp(f"assistant-{center}"), center)
    yield Assistant(base)
    _stop(process)


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Assistant:
    """The assistant of the Miyagi International Association (the default center)."""
    yield from _assistant(tmp_path_factory, "miyagi")


@pytest.fixture(scope="session")
def musashino(tmp_path_factory) -> Assistant:
    """The same assistant started with CENTER=musashino."""
    yield from _assistant(tmp_path_factory, "musashino")
