"""What the LINE and Telegram channels share; nothing here knows either platform.

- `TurnCollector`: what Rasa says in one turn, kept whole (Rasa's own collector cuts
  texts at blank lines; a platform decides itself how to split).
- `Inbox`: the webhook hands each event over and answers the platform at once; one worker
  per busy conversation then handles that resident's events one after the other, in order.
- `SeenEvents`: ids of recent events, so that a redelivered event is handled once.
- `split_text`: cuts a text to a platform's limit at a paragraph, line, sentence or space.
- `Courier`: a thread with an event loop of its own for the calls to a platform API.
- `RETRY_DELAYS`: how long to wait between attempts when a platform API fails.
- `tag`: a short, stable, keyed pseudonym of a platform user id for the logs.
- `WebhookChannel`: the Rasa input channel both are: routes, inbox, courier, shutdown.
- `webhook_tool`: `make line-webhook` / `make telegram-webhook`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import logging
import os
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import ConfigurationError, Settings

logger = logging.getLogger(__name__)

# Seconds to wait before each retry of a failed platform call (about 30 s in all).
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)

# Where a text is best cut, best first: paragraph, line, sentence, clause, word.
_CUTS = ("\n\n", "\n", "。", "． ", ". ", "! ", "? ", "！", "？", "; ", "、", ", ", "，", " ")


@dataclass(frozen=True)
class Choice:
    """A button: what the resident sees and what the assistant receives when it is tapped."""

    title: str
    payload: str


@dataclass(frozen=True)
class Outgoing:
    """One message of the assistant, before a channel renders it for its platform."""

    text: str
    choices: tuple[Choice, ...] = ()


class TurnCollector(OutputChannel):
    """Collects the assistant's messages of one turn for a channel to send afterwards."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.messages: list[Outgoing] = []

    def name(self) -> str:  # type: ignore[override] - the channel's own name, per instance
        return self.channel

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        text = (message.get("text") or "").strip()
        choices = tuple(
            Choice(str(b.get("title") or b["payload"]), str(b["payload"]))
            for b in (message.get("buttons") or message.get("quick_replies") or [])
            if b.get("payload")
        )
        if message.get("image"):
            text = f"{text}\n{message['image']}".strip()
        if text or choices:
            self.messages.append(Outgoing(text, choices))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


def utf16_length(text: str) -> int:
    """Length as LINE and Telegram count it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _prefix_within(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int) -> list[str]:
    """The text in pieces of at most `limit` UTF-16 code units, cut where a reader would."""
    pieces: list[str] = []
    rest = text.strip()
    while rest and utf16_length(rest) > limit:
        end = max(1, _prefix_within(rest, limit))
        window = rest[:end]
        cut = end
        for mark in _CUTS:
            at = window.rfind(mark)
            if at >= end // 2:
                cut = at + len(mark)
                break
        piece = rest[:cut].strip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def merge_texts(texts: list[str], most: int, limit: int) -> list[str]:
    """Joins neighbouring texts (with a blank line) until there are at most `most`,
    as far as the joined texts stay within `limit`; shortest pairs first."""
    texts = list(texts)
    while len(texts) > most:
        pairs = [
            (utf16_length(texts[i]) + utf16_length(texts[i + 1]) + 2, i)
            for i in range(len(texts) - 1)
        ]
        size, i = min(pairs)
        if size > limit:
            break
        texts[i : i + 2] = [texts[i] + "\n\n" + texts[i + 1]]
    return texts


@lru_cache(maxsize=1)
def _pseudonym_key() -> bytes:
    return Settings.from_env().pseudonym_secret()


def tag(user_id: str) -> str:
    """A short, stable pseudonym of a platform user id: enough to follow one resident in
    the logs. A keyed HMAC (PSEUDONYM_KEY, or the key kept in .secrets/ on first start):
    without the key, no list of possible ids can be hashed to find who it is."""
    return hmac.new(_pseudonym_key(), user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


class SeenEvents:
    """The ids of the most recent events (LINE webhookEventId, Telegram update_id)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[Hashable, None] = OrderedDict()

    def first_time(self, event_id: Hashable) -> bool:
        """True the first time an id is seen; False for a redelivery or duplicate."""
        if event_id in self._ids:
            self._ids.move_to_end(event_id)
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return True


Result = TypeVar("Result")


class Courier:
    """Runs a channel's platform calls on an event loop in a thread of its own.

    The Rasa server's loop also runs the model, for one resident after another, in steps
    of 10-20 ms; an answer that is ready would wait for those steps between each of its
    network operations. On its own loop it leaves as soon as the thread gets the GIL
    (bot.server shortens Python's switch interval to 1 ms). Under `make bench` load the
    channels' p95 was 1.2-1.5 times REST's without it, 1.0-1.2 times with it. The
    platform clients are created and used on this loop only.
    """

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, work: Coroutine[Any, Any, Result]) -> Result:
        """Runs a coroutine on the courier's loop and waits for its result."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    def send(self, work: Coroutine[Any, Any, Any]) -> None:
        """Runs a coroutine on the courier's loop without waiting for it."""
        asyncio.run_coroutine_threadsafe(work, self._loop)

    async def close(self, last: Coroutine[Any, Any, Any] | None = None) -> None:
        """Runs a last coroutine (closing the clients), then stops the thread."""
        if last is not None:
            await self.run(last)
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 5.0)


Job = TypeVar("Job")


@dataclass
class Inbox(Generic[Job]):
    """Per-conversation queues: events of one resident are handled in order, one at a time;
    different residents are handled side by side."""

    handle: Callable[[Job], Awaitable[None]]
    name: str = "inbox"
    _queues: dict[str, deque[Job]] = field(default_factory=dict)
    _workers: set[asyncio.Task] = field(default_factory=set)

    def put(self, conversation: str, job: Job) -> None:
        """Queues a job; starts the conversation's worker if it has none."""
        queue = self._queues.get(conversation)
        if queue is not None:
            queue.append(job)
            return
        self._queues[conversation] = deque([job])
        worker = asyncio.create_task(self._work(conversation))
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)

    @property
    def waiting(self) -> int:
        """Jobs queued or being handled."""
        return sum(len(queue) for queue in self._queues.values())

    async def _work(self, conversation: str) -> None:
        queue = self._queues[conversation]
        try:
            while queue:
                try:
                    await self.handle(queue[0])
                except Exception:  # noqa: BLE001 - one failed event must not stop the others
                    logger.exception(
                        "%s: an event of conversation %s failed", self.name, tag(conversation)
                    )
                queue.popleft()
        finally:
            del self._queues[conversation]

    async def drain(self, seconds: float) -> None:
        """Waits up to `seconds` for queued jobs (at shutdown), then cancels the rest."""
        if not self._workers:
            return
        done, pending = await asyncio.wait(set(self._workers), timeout=seconds)
        for worker in pending:
            worker.cancel()
        if pending:
            logger.warning("%s: stopped with %d conversations unfinished", self.name, len(pending))


class WebhookChannel(InputChannel, Generic[Job]):
    """A platform's webhook as a Rasa input channel: `GET /` health, `POST /webhook`, an
    inbox for the events, a courier for the platform calls, and a clean shutdown.
    Subclasses check and accept a call (`accept_call`) and handle one job (`handle`)."""

    # The channel's settings (read from the environment) and its platform API client.
    settings_class: Any = None
    api_class: Any = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # credentials.yml holds no secret: the channel is configured by the environment.
        return cls(cls.settings_class.from_env())

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.api = self.api_class(settings) if settings else None
        self.courier = Courier(f"{self.name()}-api") if settings else None
        self.seen = SeenEvents()
        self.inbox: Inbox[Job] = Inbox(self.handle, name=self.name())
        self._on_new_message: Callable[[UserMessage], Awaitable[Any]] | None = None

    async def handle(self, job: Job) -> None:
        raise NotImplementedError

    def accept_call(self, request: Request) -> HTTPResponse:
        raise NotImplementedError

    async def tell_assistant(self, message: UserMessage) -> None:
        await self._on_new_message(message)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self._on_new_message = on_new_message
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if self.settings is None:
                return response.json({"status": "off"})
            return response.json(
                {"status": "ok", "waiting": self.inbox.waiting, "undelivered": self.api.undelivered}
            )

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.settings is None:
                variables = " and ".join(self.settings_class.VARIABLES)
                error = f"the {self.name()} channel is off: set {variables}"
                return response.json({"error": error}, status=404)
            return self.accept_call(request)

        @webhook.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            await self.inbox.drain(10.0)
            if self.courier:
                await self.courier.close(self.api.close())

        return webhook


def webhook_tool(
    argv: list[str] | None,
    platform: str,
    settings_class: Any,
    register: Callable[[Any, str], Awaitable[str]],
) -> int:
    """`python -m bot.channels.<platform> set-webhook --url https://...`: tells the
    platform where this server's webhook is; prints what the platform answered."""
    parser = argparse.ArgumentParser(description=f"{platform} channel tools")
    commands = parser.add_subparsers(dest="command", required=True)
    set_webhook = commands.add_parser(
        "set-webhook", help=f"register this server's webhook with {platform}"
    )
    set_webhook.add_argument(
        "--url",
        default=os.environ.get("PUBLIC_URL"),
        help="the public HTTPS address of the Rasa server (default: $PUBLIC_URL)",
    )
    args = parser.parse_args(argv)
    try:
        settings = settings_class.from_env()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    if settings is None:
        print(f"Set {' and '.join(settings_class.VARIABLES)} first.", file=sys.stderr)
        return 2
    if not (args.url or "").startswith("https://"):
        print(
            "Give the public HTTPS address of the server: PUBLIC_URL=https://... "
            "(LINE and Telegram only call HTTPS webhooks; Telegram only on ports 443, 80, "
            "88 and 8443).",
            file=sys.stderr,
        )
        return 2
    try:
        print(asyncio.run(register(settings, args.url)))
    except Exception as error:  # noqa: BLE001 - tell the operator what happened, no secret
        text = f"{type(error).__name__}: {error}"
        for secret in settings.secrets:
            text = text.replace(secret, "<secret>")
        print(f"{platform} refused or could not be reached: {text}", file=sys.stderr)
        return 1
    return 0
