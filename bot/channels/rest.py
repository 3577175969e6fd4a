"""The REST channel: `POST /webhooks/rest/webhook` with `{"sender": ..., "message": ...}`.

For a quick start on one machine (`make run`, curl, `make shell`), for the tests and for
`make bench`. It answers in Rasa's own REST format (a list of `{"recipient_id", "text",
"buttons"}`), with three differences that keep residents apart and the channel closed:

- Its conversations are `rest:<sender>`: a REST client cannot write into a LINE
  (`line:<id>`) or Telegram (`telegram:<id>`) resident's conversation, whatever sender it
  claims. `input_channel` in the body is ignored.
- When a platform channel (LINE or Telegram) is configured, the channel is for the
  operator only: it needs `RASA_API_TOKEN` (`Authorization: Bearer <token>` or
  `?token=<token>`), and is off when no token is set.
- A message is cut to MAX_MESSAGE_CHARACTERS before anything reads or keeps it.
- A request that is not a JSON object with a `sender` and a text `message` gets 400 and a
  clear error, instead of an empty answer.
- When the assistant fails or answers nothing, the answer is the same apology the
  platform channels give (bot.channels.notices), logged and counted (`GET /`: `failed`).
- A REST client cannot be reached later, so asking for a consultant opens no ticket:
  the answer says how to reach the center (`desk_off`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import read_json, same_secret
from bot.channels.notices import Notices
from bot.conversations import conversation_id
from bot.operations import METRICS
from bot.settings import LineSettings, Settings, TelegramSettings

logger = logging.getLogger(__name__)

MAX_SENDER = 128
# A message is kept and read up to this many characters (LINE's own limit for a text):
# 100,000 characters are answered like 10,000, and the tracker store keeps no more.
MAX_MESSAGE_CHARACTERS = 5000


@dataclass(frozen=True)
class RestAccess:
    """Who may use the channel: everyone (no platform channel), the token holder, or nobody."""

    open: bool
    token: str | None

    @classmethod
    def from_env(cls) -> RestAccess:
        platforms = LineSettings.from_env() is not None or TelegramSettings.from_env() is not None
        token = Settings.from_env().rasa_api_token
        return cls(open=not platforms, token=token.get_secret_value() if token else None)

    @property
    def on(self) -> bool:
        return self.open or self.token is not None

    def allows(self, request: Request) -> bool:
        if self.open:
            return True
        given = presented_token(request)
        return bool(self.token and given) and same_secret(given, self.token)


def presented_token(request: Request) -> str:
    """The token a request presents: `Authorization: Bearer <token>` or `?token=`."""
    header = request.headers.get("Authorization") or ""
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.args.get("token") or ""


USAGE = 'send a JSON object: {"sender": "<id>", "message": "<text>"}'


def _parse(request: Request) -> tuple[str, str, dict | None]:
    """Sender, message and metadata of a request; ValueError with what is wrong."""
    try:
        body = read_json(request.body) if request.body else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ValueError(USAGE)
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not 0 < len(sender.strip()) <= MAX_SENDER:
        raise ValueError(f"`sender` must be a text of 1 to {MAX_SENDER} characters")
    if not isinstance(message, str):
        raise ValueError("`message` must be a text")
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError("`metadata` must be a JSON object")
    return sender.strip(), message, metadata


class RestInput(InputChannel):
    """Rasa's REST channel, with its own conversations and access rules (see above)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(RestAccess.from_env())

    def __init__(self, access: RestAccess) -> None:
        self.access = access
        self.notices = Notices()
        self.failed = 0

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not self.access.on:
                return response.json({"status": "off"})
            return response.json({"status": "ok", "failed": self.failed})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            if not self.access.on:
                error = "the REST channel is off while LINE or Telegram is on: set RASA_API_TOKEN"
                return response.json({"error": error}, status=404)
            if not self.access.allows(request):
                return response.json({"error": "a valid RASA_API_TOKEN is needed"}, status=401)
            try:
                sender, message, metadata = _parse(request)
            except ValueError as error:
                return response.json({"error": str(error)}, status=400)
            collector = CollectingOutputChannel()
            user_message = UserMessage(
                message[:MAX_MESSAGE_CHARACTERS],
                collector,
                conversation_id(self.name(), sender),
                input_channel=self.name(),
                metadata=metadata,
            )
            trouble = None
            try:
                await on_new_message(user_message)
            except Exception as error:  # noqa: BLE001 - the client is told; the log has it
                logger.exception("rest: the assistant failed on a message")
                trouble = type(error).__name__
            messages = collector.messages
            if any(isinstance((m.get("custom") or {}).get("desk"), dict) for m in messages):
                # a REST client cannot be reached later: no ticket, how to reach a person
                self.notices.app = request.app
                messages = [m for m in messages if not (m.get("custom") or {}).get("desk")]
                messages.append({"text": await self.notices.text("desk_off", user_message)})
            failed = trouble is not None or not messages
            if failed:
                self.failed += 1
                logger.error("rest: no answer (%s); the apology is sent", trouble or "no message")
                self.notices.app = request.app
                messages = [{"text": await self.notices.text("failure", user_message)}]
            METRICS.answered(self.name(), user_message, len(messages), since=started, failed=failed)
            return response.json([{**m, "recipient_id": sender} for m in messages])

        return webhook
