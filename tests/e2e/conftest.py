"""Starts the real assistant (bot.run: action server + Rasa server) once for the e2e tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests import fakes, harness

MODEL = ROOT / "models" / "assistant.tar.gz"


class Assistant:
    """Talks to the running assistant over its REST channel and HTTP API."""

    def __init__(self, base: str):
        self.base = base
        self.log: Path | None = None
        self.actions_port = 0
        self.process = None

    def webhook(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict | str]:
        """POSTs a raw body to a channel webhook; returns the status and the answer."""
        request = urllib.request.Request(
            self.base + path, data=body, headers={**harness.AUTH, **headers}
        )
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
            headers={"Content-Type": "application/json", **harness.AUTH},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def say(self, sender: str, text: str, **metadata) -> list[dict]:
        body = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        return self.post("/webhooks/rest/webhook", body)

    def get(self, path: str) -> dict:
        request = urllib.request.Request(self.base + path, headers=harness.AUTH)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def parse(self, text: str) -> dict:
        return self.post("/model/parse", {"text": text})

    def tracker(self, conversation: str) -> dict:
        """A conversation's tracker by its id (`rest:<sender>`, `line:<id>`...)."""
        return self.get(f"/conversations/{urllib.parse.quote(conversation, safe=':')}/tracker")

    def slot(self, sender: str, name: str):
        """A slot of the REST resident `sender`."""
        return self.tracker(f"rest:{sender}")["slots"].get(name)


def _assistant(tmp_path_factory, center: str, extra_env: dict | None = None):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    tmp = tmp_path_factory.mktemp(f"assistant-{center}")
    process, base, actions_port = harness.start(tmp, center, extra_env)
    assistant = Assistant(base)
    assistant.actions_port = actions_port
    assistant.process = process
    assistant.log = tmp / "assistant.log"
    yield assistant
    harness.stop(process)


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, platforms) -> Assistant:
    """The assistant of the Miyagi International Association (the default center), with
    its LINE and Telegram channels talking to the fake platforms."""
    yield from _assistant(tmp_path_factory, "miyagi", harness.channel_env(platforms))


@pytest.fixture(scope="session")
def musashino(tmp_path_factory) -> Assistant:
    """The same assistant started with CENTER=musashino."""
    yield from _assistant(tmp_path_factory, "musashino")
