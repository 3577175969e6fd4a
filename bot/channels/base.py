"""What the LINE and Telegram channels share; nothing here knows either platform.

- `TurnCollector`: what Rasa says in one turn, kept whole (Rasa's own collector cuts
  texts at blank lines; a platform decides itself how to split).
- `Inbox`: the webhook hands each event over (once it is kept: bot.channels.intake) and
  answers the platform; one worker per busy conversation then handles that resident's
  events one after the other, in order, up to QUEUE_PER_RESIDENT waiting per resident and
  QUEUE_TOTAL in all.
- `split_text`: cuts a text to a platform's limit at a paragraph, line, sentence or space.
- `Courier`: a thread with an event loop of its own for the calls to a platform API.
- `retrying`: tenacity's retry loop for a platform call: waits with full jitter, and no
  new attempt after PLATFORM_RETRY_SECONDS.
- `tag`: a short, stable, keyed pseudonym of a platform user id for the logs.
- `same_secret`, `read_json`: what a webhook checks and reads of a request from outside.
- `WebhookChannel`: the Rasa input channel both are: routes, durable intake (each
  resident's events answered in order, across instances), the per-resident rate, inbox,
  courier, the outbox of undelivered replies, the apology when the assistant fails
  (bot.channels.notices), counters, shutdown.
- `webhook_tool`: `make line-webhook` / `make telegram-webhook`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Generic, TypeVar

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_before_delay,
    wait_random_exponential,
)

from bot import state
from bot.channels.desk import END_PAYLOAD, LINK
from bot.channels.intake import Event, IntakeStore
from bot.channels.notices import Notices, renderer
from bot.channels.outbox import OutboxStore
from bot.conversations import platform_id
from bot.nlu.danger import danger_net
from bot.operations import METRICS
from bot.settings import ConfigurationError, DeskSettings, Settings

logger = logging.getLogger(__name__)

# The longest conversation id and event key the intake keeps (its columns' sizes).
MAX_CONVERSATION, MAX_KEY = 200, 128
# A kept event whose handling was cut short this many times is given up (logged).
MAX_ATTEMPTS = 5
# The longest wait between two attempts (seconds); the first waits up to FIRST_WAIT.
FIRST_WAIT, LONGEST_WAIT = 0.5, 16.0

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
        self.asks: list[dict[str, Any]] = []  # an action asking the desk for a ticket

    def name(self) -> str:  # type: ignore[override] - the channel's own name, per instance
        return self.channel

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("desk"), dict):
            self.asks.append(custom["desk"])
            return
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


def retrying(
    deadline: float,
    retryable: Callable[[BaseException], bool],
    first_wait: float = FIRST_WAIT,
    wait_asked: Callable[[BaseException], float | None] = lambda _: None,
) -> AsyncRetrying:
    """tenacity's loop for one platform call: retried while `retryable(error)`, after a
    random wait of up to first_wait, 2 x first_wait, 4 x ... (at most LONGEST_WAIT: full
    jitter, so residents who failed together do not retry together), or after what the
    platform asked for (`wait_asked`, e.g. Telegram's retry_after); no attempt starts
    once `deadline` seconds have passed. The last error is raised."""
    jitter = wait_random_exponential(multiplier=first_wait, max=LONGEST_WAIT)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = wait_asked(error) if error is not None else None
        return asked if asked is not None else jitter(state)

    return AsyncRetrying(
        stop=stop_before_delay(deadline),
        wait=wait,
        retry=retry_if_exception(retryable),
        reraise=True,
    )


def _storable(key: str) -> str:
    """The platform's event id as the intake keeps it: as it is, or, when it is longer
    than MAX_KEY or holds a NUL (no platform sends such ids), its SHA-256, still unique."""
    key = str(key)
    if len(key) <= MAX_KEY and "\x00" not in key:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _urgent(job: Any) -> bool:
    """A resident's message that reads as an emergency (bot.nlu.danger): never held
    back by a limit, whatever the queues and the resident's rate."""
    if getattr(job, "group", False):
        return False
    return danger_net().check(getattr(job, "text", "") or "") is not None


@lru_cache(maxsize=1)
def _pseudonym_key() -> bytes:
    return Settings.from_env().pseudonym_secret()


def tag(user_id: str) -> str:
    """A short, stable pseudonym of a platform user id: enough to follow one resident in
    the logs. A keyed HMAC (PSEUDONYM_KEY, or the key kept in .secrets/ on first start):
    without the key, no list of possible ids can be hashed to find who it is."""
    return hmac.new(_pseudonym_key(), user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a secret a request presents (a header, a query
    parameter) with the expected one. Sanic hands over header bytes that are not UTF-8 as
    surrogates; compared as bytes, with those kept as they are, they simply do not match
    (instead of an encoding error, a 500)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def read_json(body: bytes) -> Any:
    """A request body's JSON. ValueError when it is not JSON the assistant can keep and
    read: not UTF-8, nested deeper than the parser recurses, or holding a string that is
    not text (a lone surrogate, which JSON's \\u escapes can spell but no database,
    tokenizer or log line takes)."""
    try:
        data = json.loads(body.decode("utf-8"))
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError as error:
        raise ValueError("the JSON is nested too deeply") from error
    return data


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
    per_conversation: int = 20
    total: int = 2000
    _queues: dict[str, deque[Job]] = field(default_factory=dict)
    _workers: set[asyncio.Task] = field(default_factory=set)
    _waiting: int = 0

    def put(self, conversation: str, job: Job, urgent: bool = False) -> str | None:
        """Queues a job and starts the conversation's worker if it has none; None when
        queued, else why not: "too_many" (this resident's queue is full) or "busy". An
        `urgent` job (an emergency) is queued past both limits."""
        queue = self._queues.get(conversation)
        if not urgent and queue is not None and len(queue) >= self.per_conversation:
            return "too_many"
        if not urgent and self._waiting >= self.total:
            return "busy"
        self._waiting += 1
        if queue is not None:
            queue.append(job)
            return None
        self._queues[conversation] = deque([job])
        worker = asyncio.create_task(self._work(conversation))
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)
        return None

    def busy(self, conversation: str) -> bool:
        """Whether the conversation has a worker (events queued or being handled)."""
        return conversation in self._queues

    def has_room(self, conversation: str) -> bool:
        """Whether `put` would take a job of this conversation now."""
        queue = self._queues.get(conversation)
        full = queue is not None and len(queue) >= self.per_conversation
        return not full and self._waiting < self.total

    @property
    def waiting(self) -> int:
        """Jobs queued or being handled."""
        return self._waiting

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
                self._waiting -= 1
        finally:
            self._waiting -= len(queue)
            del self._queues[conversation]

    async def drain(self, seconds: float) -> int:
        """Waits up to `seconds` for queued jobs (at shutdown), then cancels the rest and
        reports them; returns how many were left unfinished."""
        if not self._workers:
            return 0
        _, pending = await asyncio.wait(set(self._workers), timeout=seconds)
        left = self._waiting
        for worker in pending:
            worker.cancel()
        if pending:
            logger.error(
                "%s: stopped after %.0f s with %d events of %d conversations unfinished: "
                "those residents got no answer",
                self.name,
                seconds,
                left,
                len(pending),
            )
        return left if pending else 0


class WebhookChannel(InputChannel, Generic[Job]):
    """A platform's webhook as a Rasa input channel: `GET /` health, `POST /webhook`, an
    inbox for the events, a courier for the platform calls, and a clean shutdown.

    Subclasses check and accept a call (`accept_call`, which hands each job to `queue`),
    say what the assistant is told about a job (`message_for`) and send a turn's messages
    (`deliver`). Nothing is silent: when Rasa or the action server fails, or answers
    nothing, the resident gets the `failure` notice; when the inbox is full, `too_many` or
    `busy` (at most once a minute per resident). Each is logged and counted (health)."""

    # The channel's settings (read from the environment) and its platform API client.
    settings_class: Any = None
    api_class: Any = None
    # Seconds between two refusals told to one resident.
    REFUSAL_QUIET = 60.0
    # What the platform calls the one who writes, in the logs ("user", "chat").
    PARTY = "conversation"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # credentials.yml holds no secret: the channel is configured by the environment.
        return cls(cls.settings_class.from_env())

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.api = self.api_class(settings) if settings else None
        self.courier = Courier(f"{self.name()}-api") if settings else None
        self._intake: IntakeStore | None = None
        self._outbox: OutboxStore | None = None
        self._held: set[int] = set()  # kept events this process has queued, not finished
        self._again: set[int] = set()  # those taken over from an instance that stopped
        self._recovery: asyncio.Task | None = None
        self._resending: asyncio.Task | None = None
        self._platform_back = False  # a reply went through since the last outbox round
        common = Settings.from_env()
        self.resident_rate = common.resident_rate
        self.lease = common.intake_lease_seconds
        self.outbox_every = common.outbox_retry_seconds
        self.inbox: Inbox[Job] = Inbox(
            self.handle,
            name=self.name(),
            per_conversation=settings.queue_per_resident if settings else 20,
            total=settings.queue_total if settings else 2000,
        )
        self.notices = Notices()
        self.counts: Counter[str] = Counter()  # failed, refused
        self._refused: dict[str, float] = {}
        self._tasks: set[asyncio.Task] = set()
        self._on_new_message: Callable[[UserMessage], Awaitable[Any]] | None = None
        # the consultants' groups, read once (the channels check every event against them)
        self.desk_settings = DeskSettings.from_env()
        LINK.register(self)

    def room(self, desk: Any) -> Any:
        """The consultants' group on this platform (bot.desk.desk.Room), if configured."""
        return None

    async def send_texts(self, platform_id: str, texts: list[str]) -> bool:
        """Sends texts to a resident outside a turn (the desk's relay); True if delivered."""
        raise NotImplementedError

    async def handle_group(self, job: Job) -> None:
        """A message in the consultants' group (channels that have rooms)."""
        raise NotImplementedError

    async def message_for(self, job: Job, collector: OutputChannel) -> UserMessage:
        raise NotImplementedError

    async def deliver(self, job: Job, messages: list[Outgoing]) -> list[Any]:
        """Sends a turn's messages; returns the parts the platform still refused after
        PLATFORM_RETRY_SECONDS, in the channel's own JSON form (kept in the outbox)."""
        raise NotImplementedError

    async def resend(self, platform_id: str, parts: list[Any]) -> list[Any]:
        """Sends kept parts again (no reply token: a push); returns those still refused."""
        raise NotImplementedError

    def accept_call(self, request: Request) -> HTTPResponse:
        raise NotImplementedError

    def routes(self, webhook: Blueprint) -> None:
        """Routes of the channel's own beside the health check and the webhook."""

    @property
    def intake(self) -> IntakeStore:
        """The durable intake on DATABASE_URL (its table migrated on first use)."""
        if self._intake is None:
            common = Settings.from_env()
            state.ensure(common.database_url)
            self._intake = IntakeStore(common.database_url, lease=common.intake_lease_seconds)
        return self._intake

    @property
    def outbox(self) -> OutboxStore:
        """Replies not delivered yet, on DATABASE_URL."""
        if self._outbox is None:
            common = Settings.from_env()
            state.ensure(common.database_url)
            self._outbox = OutboxStore(
                common.database_url, first=dt.timedelta(seconds=common.outbox_retry_seconds)
            )
        return self._outbox

    def keep_undelivered(self, conversation: str, parts: list[Any]) -> None:
        """Keeps what the platform refused, to be sent again later (`resend_due`). Called
        after every send: an empty `parts` says the platform takes messages."""
        if not parts:
            self._platform_back = True
            return
        try:
            self.outbox.keep(self.name(), conversation, parts)
        except Exception:  # noqa: BLE001 - the log is all that is left
            logger.exception(
                "%s: %d undelivered messages to %s could not be kept",
                self.name(),
                len(parts),
                tag(conversation),
            )
            return
        logger.warning(
            "%s: %d messages to %s %s kept to be sent again",
            self.name(),
            len(parts),
            self.PARTY,
            tag(conversation),
        )

    def job_from(self, payload: Any) -> tuple[str, Job] | None:
        """The conversation and the job of a kept event (the platform's own JSON), or
        None when the assistant has no part in it."""
        raise NotImplementedError

    def take(self, key: str, payload: Any) -> bool:
        """Keeps a verified event (the platform's JSON, under its platform id), then queues
        its job. A redelivery, to this instance or another, is dropped by the database.
        False when the event could not be kept: the platform must be told to send it
        again (503)."""
        taken = self.job_from(payload)
        if taken is None:
            return True
        conversation, job = taken
        if len(conversation) > MAX_CONVERSATION or "\x00" in conversation:
            # no platform sends such an id: a signed body that is not theirs, dropped
            logger.warning("%s: an event for an impossible %s id dropped", self.name(), self.PARTY)
            return True
        arrived = time.monotonic()
        try:
            kept = self.intake.add(self.name(), _storable(key), conversation, payload)
        except Exception:  # noqa: BLE001 - the database, its migration: resent on 503
            logger.exception(
                "%s: an event could not be kept; the platform will resend it", self.name()
            )
            return False
        if kept is None:
            logger.info("%s: event %s redelivered, already taken", self.name(), key)
            return True
        logger.info(
            "%s: %s from %s %s queued",
            self.name(),
            getattr(job, "message_type", "event"),
            self.PARTY,
            tag(conversation),
        )
        job = replace(job, intake=kept)
        if not getattr(job, "group", False) and self._too_fast(conversation, job):
            self._refuse(conversation, job, "too_many")
            return True
        self._held.add(kept)
        METRICS.arrived(self.name(), kept, arrived)
        self.queue(conversation, job)
        return True

    def _too_fast(self, conversation: str, job: Job) -> bool:
        """Whether the resident wrote more than RESIDENT_RATE allows, counted in the intake
        (so across instances). A message that reads as an emergency is never held back."""
        most, seconds = self.resident_rate
        try:
            if self.intake.recent(self.name(), conversation, seconds) <= most:
                return False
        except SQLAlchemyError:  # the database is failing: the message goes on
            logger.exception("%s: the resident's rate could not be read", self.name())
            return False
        return not _urgent(job)

    def queue(self, conversation: str, job: Job) -> None:
        """Hands a job to the inbox; a full inbox gets the resident a polite refusal."""
        refusal = self.inbox.put(conversation, job)
        if refusal is not None and _urgent(job):  # an emergency is never refused
            refusal = self.inbox.put(conversation, job, urgent=True)
        if refusal is not None:
            self._refuse(conversation, job, refusal)

    def _refuse(self, conversation: str, job: Job, refusal: str) -> None:
        """The event is not handled: marked done, counted, and the resident told to wait
        and write again (`too_many`, `busy`; at most once a minute)."""
        self._finished(job)
        self.counts["refused"] += 1
        METRICS.refused(self.name(), refusal, job=job)
        logger.warning(
            "%s: an event of conversation %s refused (%s: %d waiting)",
            self.name(),
            tag(conversation),
            refusal,
            self.inbox.waiting,
        )
        now = time.monotonic()
        if now - self._refused.get(conversation, -self.REFUSAL_QUIET) < self.REFUSAL_QUIET:
            return
        self._refused[conversation] = now
        if len(self._refused) > 10_000:
            self._refused = {c: t for c, t in self._refused.items() if now - t < 60}
        task = asyncio.create_task(self._tell(job, refusal))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell(self, job: Job, key: str) -> None:
        message = await self.message_for(job, TurnCollector(self.name()))
        await self.deliver(job, [Outgoing(await self.notices.text(key, message))])

    def _backlog(self) -> int | None:
        """Kept events not finished yet; None (not an error page) when the database does
        not answer."""
        try:
            return self.intake.backlog(self.name())
        except Exception:  # noqa: BLE001 - the health route says so instead
            logger.exception("%s: the intake's database does not answer", self.name())
            return None

    def _undelivered(self) -> int | None:
        """Kept replies not delivered yet; None when the database does not answer."""
        try:
            return self.outbox.count(self.name())
        except Exception:  # noqa: BLE001 - the health route says so instead
            logger.exception("%s: the outbox's database does not answer", self.name())
            return None

    def _finished(self, job: Job) -> None:
        if getattr(job, "intake", None) is not None:
            self._held.discard(job.intake)  # no longer renewed, whatever happens below
            self._again.discard(job.intake)
            try:
                self.intake.done(job.intake)
            except SQLAlchemyError:  # it will be handled again: an answer twice, not none
                logger.exception("%s: an event could not be marked done", self.name())

    async def handle(self, job: Job) -> None:
        """One kept event, handled (see `answer`), then marked done in the intake. A
        process that stops before that leaves it to be picked up again (`recover`), and
        so does a shutdown that cancels it."""
        cancelled = False
        try:
            await self._wait_for_turn(job)
            await self.answer(job)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if not cancelled:
                self._finished(job)

    async def _wait_for_turn(self, job: Job) -> None:
        """A resident's events are answered in the order they came, whichever instance took
        them: an earlier event still held by another live instance is waited for; one whose
        claim ran out (its instance was killed) is taken and answered here, first. After
        two leases it goes on regardless: a stuck instance never holds a resident up."""
        if getattr(job, "intake", None) is None:
            return
        deadline = time.monotonic() + 2 * self.lease
        pause = 0.02
        while True:
            ahead = [e for e in self.intake.ahead(job.intake) if e.id not in self._held]
            if not ahead:
                return
            first = ahead[0]
            if first.expired and self.intake.claim(first):
                if not self._exhausted(first):
                    await self._take_over(first)
                continue
            if time.monotonic() > deadline:
                logger.warning(
                    "%s: an earlier event of %s %s is still held elsewhere; going on",
                    self.name(),
                    self.PARTY,
                    tag(first.conversation),
                )
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    def _exhausted(self, event: Event) -> bool:
        """An event whose handling was cut short MAX_ATTEMPTS times (one that kills the
        process, say) is given up: marked done and logged, so that it stops nobody."""
        if event.attempts < MAX_ATTEMPTS:
            return False
        logger.error(
            "%s: an event of %s %s was given up after %d attempts",
            self.name(),
            self.PARTY,
            tag(event.conversation),
            event.attempts,
        )
        self.intake.done(event.id)
        return True

    def _picked_up(self, event: Event) -> tuple[str, Job] | None:
        """A kept event taken over from an instance that stopped, as a job held by this
        one; None (and done) when the assistant has no part in it, or it cannot be read
        again."""
        try:
            found = self.job_from(event.payload)
        except Exception:  # noqa: BLE001 - an event it cannot read again is dropped
            logger.exception("%s: a kept event cannot be read", self.name())
            found = None
        if found is None:
            self.intake.done(event.id)
            return None
        conversation, job = found
        logger.warning(
            "%s: an event of %s %s picked up again (attempt %d)",
            self.name(),
            self.PARTY,
            tag(conversation),
            event.attempts + 1,
        )
        self._held.add(event.id)
        self._again.add(event.id)
        return conversation, replace(job, intake=event.id)

    async def _take_over(self, event: Event) -> None:
        """Handles, here and now, an earlier event taken over (see `_wait_for_turn`)."""
        found = self._picked_up(event)
        if found is not None:
            await self.handle(found[1])

    async def recover(self) -> int:
        """Takes the kept events nobody finished whose claim ran out (a process killed,
        a deploy), oldest first, and queues them; renews this process's own claims.
        Returns how many were taken."""
        self.intake.renew(self._held)
        taken = 0
        for event in self.intake.unclaimed(self.name()):
            if self.inbox.busy(event.conversation):
                continue  # the resident's worker takes it over in turn (_wait_for_turn)
            if not self.inbox.has_room(event.conversation):
                continue  # left for a later round, never refused
            if not self.intake.claim(event):
                continue  # another instance was faster
            if self._exhausted(event):
                continue
            found = self._picked_up(event)
            if found is None:
                continue
            self.queue(*found)
            taken += 1
        return taken

    async def _recover_forever(self) -> None:
        """At start and every third of a lease: this process's claims renewed, the events
        nobody finished picked up; once an hour, the keys of old finished events dropped."""
        every = max(0.5, Settings.from_env().intake_lease_seconds / 3)
        last_forget = float("-inf")
        while True:
            try:
                await self.recover()
                if time.monotonic() - last_forget > 3600:
                    self.intake.forget()
                    self.outbox.forget()
                    last_forget = time.monotonic()
            except Exception:  # noqa: BLE001 - the next round tries again
                logger.exception("%s: picking up unfinished events failed", self.name())
            await asyncio.sleep(every)

    async def _resend_forever(self) -> None:
        """Every OUTBOX_RETRY_SECONDS: the kept replies that are due are sent again."""
        while True:
            await asyncio.sleep(self.outbox_every)
            try:
                await self.resend_due()
            except Exception:  # noqa: BLE001 - the next round tries again
                logger.exception("%s: sending kept replies again failed", self.name())

    async def resend_due(self) -> int:
        """Sends the kept replies that are due again, oldest first, each taken by one
        instance. While the platform still refuses, a round stops at the first failure;
        once one goes through (or a fresh reply did since the last round), the platform is
        back and every kept reply of the channel is sent at once. Returns how many were
        delivered."""
        at_once, self._platform_back = self._platform_back, False
        items = deque(self.outbox.pending(self.name()) if at_once else self.outbox.due(self.name()))
        tried: set[int] = set()
        delivered = 0
        while items:
            item = items.popleft()
            tried.add(item.id)
            if not self.outbox.claim(item, self.settings.stop_seconds, at_once):
                continue
            _, recipient = platform_id(item.conversation)
            left = await self.resend(recipient, item.parts)
            if not left:
                self.outbox.delivered(item.id)
                delivered += 1
                logger.info(
                    "%s: kept messages to %s %s delivered (try %d)",
                    self.name(),
                    self.PARTY,
                    tag(item.conversation),
                    item.attempts + 1,
                )
                if not at_once:  # the platform is back: the rest at once
                    at_once = True
                    items = deque(i for i in self.outbox.pending(self.name()) if i.id not in tried)
                continue
            if self.outbox.left(item, left):
                logger.error(
                    "%s: messages to %s %s given up after %d tries",
                    self.name(),
                    self.PARTY,
                    tag(item.conversation),
                    item.attempts + 1,
                )
            if not delivered:
                break  # still refused: the next round tries again
        return delivered

    async def answer(self, job: Job) -> None:
        """One event: the assistant's answer, or the apology, sent to the resident; while
        the resident's ticket is open, the desk's relay instead (bot.channels.desk)."""
        if getattr(job, "group", False):
            await self.handle_group(job)
            return
        collector = TurnCollector(self.name())
        message = await self.message_for(job, collector)
        desk = LINK.desk
        trouble = None
        try:
            if desk is not None and desk.open_ticket(message.sender_id) is not None:
                texts = await LINK.during_ticket(message, self._on_new_message)
                if texts:
                    left = await self.deliver(job, [Outgoing(t) for t in texts])
                    self.keep_undelivered(message.sender_id, left)
                METRICS.answered(self.name(), message, len(texts), job=job)
                return
            recorded = None
            if getattr(job, "intake", None) in self._again:
                recorded = await self._answered_before(message)
            if recorded is None:
                await self._on_new_message(message)
            else:  # Rasa had handled it before its instance stopped: its answer, again
                collector = recorded
            messages = list(collector.messages)
            for ask in collector.asks[-1:]:
                messages += await self._ticket(message, ask)
        except Exception as error:  # noqa: BLE001 - the resident is told; the log has it
            logger.exception("%s: the assistant failed on a message", self.name())
            trouble, messages = type(error).__name__, []
        if trouble is None and not messages:
            trouble = "no message"
        if trouble is not None:
            self.counts["failed"] += 1
            logger.error(
                "%s: no answer for conversation %s (%s); the resident gets the apology",
                self.name(),
                tag(message.sender_id),
                trouble,
            )
            messages = [Outgoing(await self.notices.text("failure", message))]
        self.keep_undelivered(message.sender_id, await self.deliver(job, messages))
        METRICS.answered(self.name(), message, len(messages), job=job, failed=bool(trouble))

    async def _answered_before(self, message: UserMessage) -> TurnCollector | None:
        """When an event taken over from a stopped instance had been handled by Rasa there
        (the instance stopped after Rasa's turn, before the resident had the answer), the
        answer Rasa recorded for it, found by the message's platform id; None when Rasa
        never saw it. So a message is handled by Rasa once, and only its answer is sent
        again."""
        tracker = await LINK.tracker(message.sender_id)
        if tracker is None or message.message_id is None:
            return None
        collector, found = TurnCollector(self.name()), False
        for event in tracker.events:
            if isinstance(event, UserUttered):
                if found:
                    break
                found = event.message_id == message.message_id
            elif found and isinstance(event, BotUttered):
                said = {"text": event.text, **(event.data or {})}
                await collector.send_response(message.sender_id, said)
        if not found:
            return None
        logger.info(
            "%s: an event of %s %s was handled before its instance stopped: its answer sent",
            self.name(),
            self.PARTY,
            tag(message.sender_id),
        )
        return collector

    async def _ticket(self, message: UserMessage, ask: dict[str, Any]) -> list[Outgoing]:
        """What the resident is told when an action asked the desk for a ticket."""
        if LINK.desk is None:  # the action server sees a desk this server does not have
            return [Outgoing(await self.notices.text("desk_off", message))]
        language = await self.notices.conversation_language(message)
        # One text per reply language of the ticket (English and Easy Japanese while the
        # resident's language is not decided), each with the end button in its language.
        buttons = renderer().guidebook.messages
        return [
            Outgoing(
                told.text,
                (Choice(buttons[told.language]["buttons"]["end_consultation"], END_PAYLOAD),),
            )
            for told in await LINK.open(message, ask, language)
        ]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self._on_new_message = on_new_message
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if self.settings is None:
                return response.json({"status": "off"})
            return response.json(
                {
                    "status": "ok",
                    "waiting": self.inbox.waiting,
                    "backlog": self._backlog(),
                    "undelivered": self._undelivered(),
                    "failed": self.counts["failed"],
                    "refused": self.counts["refused"],
                }
            )

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.settings is None:
                variables = " and ".join(self.settings_class.VARIABLES)
                error = f"the {self.name()} channel is off: set {variables}"
                return response.json({"error": error}, status=404)
            return self.accept_call(request)

        self.routes(webhook)

        @webhook.listener("after_server_start")
        async def started(app: Any, *_: Any) -> None:
            self.notices.app = app
            LINK.start(app)
            if self.settings is not None and self._recovery is None:
                self._recovery = asyncio.create_task(self._recover_forever())
                self._resending = asyncio.create_task(self._resend_forever())

        @webhook.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            if self.settings is None:
                return
            seconds = self.settings.stop_seconds
            logger.info(
                "%s: stopping; waiting up to %.0f s for replies in flight", self.name(), seconds
            )
            await LINK.stop()
            await self.inbox.drain(seconds)  # claims are still renewed meanwhile
            for loop in (self._recovery, self._resending):
                if loop is not None:
                    loop.cancel()
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=self.settings.timeout)
            if self.api.undelivered:
                logger.error(
                    "%s: %d replies were refused past the retry deadline since the start "
                    "(kept in the outbox, sent again by the next instance to run)",
                    self.name(),
                    self.api.undelivered,
                )
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
