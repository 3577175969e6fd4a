"""Starts the real assistant (bot.run: action server + Rasa server) once for the e2e tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests import fakes

MODEL = ROOT / "models" / "assistant.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Assistant:
    """Talks to the running assistant over its REST channel and HTTP API."""

    def __init__(self, base: str):
        self.base = base
        self.log: Path | None = None

    def webhook(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict | str]:
        """POSTs a raw body to a channel webhook; returns the status and the answer."""
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def line(self, *events: dict, signature: str | None = "sign", body: bytes | None = None):
        """Sends LINE webhook events, signed with the channel secret unless told otherwise."""
        body = body if body is not None else fakes.line_body(*events)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if signature == "sign":
            headers["X-Line-Signature"] = fakes.line_signature(body)
        elif signature is not None:
            headers["X-Line-Signature"] = signature
        return self.webhook("/webhooks/line/webhook", body, headers)

    def telegram(
        self,
        update: dict | None,
        *,
        secret: str | None = fakes.TELEGRAM_SECRET,
        content_type: str = "application/json",
        body: bytes | None = None,
    ):
        """Sends a Telegram update with the webhook secret unless told otherwise."""
        body = body if body is not None else json.dumps(update).encode()
        headers = {"Content-Type": content_type}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return self.webhook("/webhooks/telegram/webhook", body, headers)

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

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return json.loads(response.read())

    def parse(self, text: str) -> dict:
        return self.post("/model/parse", {"text": text})

    def slot(self, sender: str, name: str):
        with urllib.request.urlopen(f"{self.base}/conversations/{sender}/tracker", timeout=30) as r:
            return json.loads(r.read())["slots"].get(name)


def _start(tmp: Path, center: str, extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
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
        **(extra_env or {}),
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


def _assistant(tmp_path_factory, center: str, extra_env: dict | None = None):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    tmp = tmp_path_factory.mktemp(f"assistant-{center}")
    process, base = _start(tmp, center, extra_env)
    assistant = Assistant(base)
    assistant.log = tmp / "assistant.log"
    yield assistant
    _stop(process)


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
    }


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, platforms) -> Assistant:
    """The assistant of the Miyagi International Association (the default center), with
    its LINE and Telegram channels talking to the fake platforms."""
    yield from _assistant(tmp_path_factory, "miyagi", channel_env(platforms))


@pytest.fixture(scope="session")
def musashino(tmp_path_factory) -> Assistant:
    """The same assistant started with CENTER=musashino."""
    yield from _assistant(tmp_path_factory, "musashino")
