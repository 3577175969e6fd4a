"""Operations: what Prometheus scrapes (`GET /metrics`) and what a load balancer asks
(`GET /ready`), both on the Rasa server (bot.server adds the routes). Counts only: no
resident id, no text, so both carry no personal data; README, "Metrics and readiness".

Measured, because an operator must see a resident waiting before the resident complains:

- `assistant_messages_received_total{channel,language}`: residents' messages in, by the
  language the message was detected in (the parse result's `language`, `und` when the
  detector could not tell) - which languages the center is asked in.
- `assistant_messages_sent_total{channel,language}`: the assistant's messages out (its
  answers, the apology when it failed), by the conversation's language after the turn
  (the `language` slot; `und` while the conversation has none, as after a first "hello"
  on REST, which has no platform hint) - which languages it answers in.
  `unknown` in either when the language cannot be known: an event refused before Rasa
  read it, a turn Rasa did not finish. Both are taken from the turn as Rasa saves it
  (bot.server), so counting reads nothing again.
- `assistant_answer_seconds{channel}`: from the event reaching the server (kept in the
  intake; REST: the request read) to the reply handed to the platform (REST: answered).
  A message relayed to the consultants with nothing said back, and an event picked up
  again after a restart, are not timed: neither is an answer's latency.
- `assistant_refused_total{channel,reason}`: events refused because a queue was full
  (`too_many`: the resident's, `busy`: the channel's). `assistant_failed_total{channel}`:
  messages that got the apology instead of an answer.
- Read at scrape time: `assistant_intake_backlog{channel}` (kept webhook events not
  finished: residents waiting, across instances) and `assistant_tickets_open{status}`
  (the desk's tickets `waiting` for a consultant and `assigned` to one) and
  `assistant_undelivered{channel}` (replies the platform refused so far, kept in the
  outbox to be sent again), from DATABASE_URL, across instances. A database
  that does not answer leaves its series out of that scrape (logged once, until it
  answers again): /metrics itself never fails because a database did.

Readiness is true only when this server can answer a resident: the model is loaded, the
tracker store, the lock store and DATABASE_URL answer. Every blocking call of both routes
runs in a thread of `Probes`, bounded by PROBE_SECONDS, so neither route hangs on a
database that hangs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from rasa.core.channels.channel import UserMessage
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.database import engine
from bot.languages import ANSWERED, DETECTED, UNKNOWN

logger = logging.getLogger(__name__)

# How long one check of a store may take before it counts as not answering (seconds):
# a load balancer polls every few seconds and must get its answer before its own timeout.
PROBE_SECONDS = 2.0
# From a quick answer (50 ms) to a platform outage being retried (10 s and more).
ANSWER_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0)
# Labels are bounded: a language outside the contract's codes is counted as this.
NOT_KNOWN = "unknown"
LANGUAGES = frozenset((*ANSWERED, *DETECTED, UNKNOWN))
# Arrivals not answered yet and turns saved but not counted yet: one whose handling broke
# off is never answered, so the oldest are dropped past this.
MAX_PENDING = 10_000

Value = TypeVar("Value")


def _label(language: Any) -> str:
    return language if language in LANGUAGES else NOT_KNOWN


def _keep(pending: OrderedDict, key: Any, value: Any) -> None:
    """Adds to a bounded map of things pending, forgetting the oldest past MAX_PENDING."""
    pending.pop(key, None)
    pending[key] = value
    while len(pending) > MAX_PENDING:
        pending.popitem(last=False)


class Metrics:
    """The counters and the histogram, on a registry (the process's own by default)."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.received = Counter(
            "assistant_messages_received",
            "Residents' messages in, by the language the message was detected in.",
            ["channel", "language"],
            registry=registry,
        )
        self.sent = Counter(
            "assistant_messages_sent",
            "The assistant's messages out, by the conversation's language.",
            ["channel", "language"],
            registry=registry,
        )
        self.answer_seconds = Histogram(
            "assistant_answer_seconds",
            "From the event reaching the server to the reply handed to the platform.",
            ["channel"],
            buckets=ANSWER_BUCKETS,
            registry=registry,
        )
        self.refused_total = Counter(
            "assistant_refused",
            "Events refused because a queue was full (too_many: the resident's; busy: all).",
            ["channel", "reason"],
            registry=registry,
        )
        self.failed = Counter(
            "assistant_failed",
            "Messages that got the apology instead of an answer.",
            ["channel"],
            registry=registry,
        )
        self._arrivals: OrderedDict[tuple[str, int], float] = OrderedDict()
        # conversation -> (message id, detected, answered) of the turn Rasa saved last
        self._turns: OrderedDict[str, tuple[str | None, str, str]] = OrderedDict()

    def arrived(self, channel: str, event: int, at: float) -> None:
        """A webhook event was kept (`event`: its intake id), having reached the server at
        `at` (time.monotonic()): its answer is timed from then."""
        _keep(self._arrivals, (channel, event), at)

    def turn_saved(self, tracker: Any) -> None:
        """Rasa saved a conversation at the end of a turn (bot.server hooks this into
        MessageProcessor.save_tracker): the languages of its last message, taken from the
        tracker in hand, for `answered` to count. Reading them back from the tracker store
        instead took about 7 ms of the server's CPU a message (SQLite, a conversation of
        30 events), a fifth of what a whole turn takes."""
        latest = tracker.latest_message
        detected = _label((latest.parse_data or {}).get("language")) if latest else NOT_KNOWN
        answered = _label(tracker.get_slot("language") or UNKNOWN)  # `und`: none yet
        message_id = latest.message_id if latest else None
        _keep(self._turns, tracker.sender_id, (message_id, detected, answered))

    def _arrival(self, channel: str, job: Any) -> float | None:
        return self._arrivals.pop((channel, getattr(job, "intake", None)), None)

    def refused(self, channel: str, reason: str, *, job: Any = None) -> None:
        """An event refused before Rasa read it: received, in a language nobody knows."""
        self._arrival(channel, job)
        self.received.labels(channel, NOT_KNOWN).inc()
        self.refused_total.labels(channel, reason).inc()

    def answered(
        self,
        channel: str,
        message: UserMessage,
        sent: int,
        *,
        job: Any = None,
        since: float | None = None,
        failed: bool = False,
    ) -> None:
        """A resident's message handled and `sent` messages handed to the platform (the
        apology if `failed`), timed from the arrival of the job's event, or from `since`;
        counted in the languages of its turn as Rasa saved it (`unknown` when Rasa did
        not get as far, or saved another message of the conversation since)."""
        started = self._arrival(channel, job) if since is None else since
        if started is not None and sent:
            self.answer_seconds.labels(channel).observe(time.monotonic() - started)
        if failed:
            self.failed.labels(channel).inc()
        turn = self._turns.pop(message.sender_id, None)
        mine = turn is not None and turn[0] == message.message_id
        detected, answered = (turn[1], turn[2]) if mine else (NOT_KNOWN, NOT_KNOWN)
        self.received.labels(channel, detected).inc()
        if sent:
            self.sent.labels(channel, answered).inc(sent)


class Probes:
    """Runs the routes' blocking calls in threads of their own, each bounded by `seconds`.

    A call that timed out may hang on in its thread (a database that never answers); the
    same call is not started again while it does, so a hanging store holds one thread,
    never the whole pool, and each later probe of it fails at once."""

    def __init__(self, seconds: float = PROBE_SECONDS, threads: int = 8) -> None:
        self.seconds = seconds
        self._pool = concurrent.futures.ThreadPoolExecutor(threads, "operations")
        self._running: dict[str, concurrent.futures.Future] = {}

    async def run(self, name: str, call: Callable[[], Value]) -> Value:
        """`call()`'s result; TimeoutError when it takes too long or still hangs from before."""
        running = self._running.get(name)
        if running is not None and not running.done():
            raise TimeoutError(f"{name} still hangs since an earlier probe")
        future = self._pool.submit(call)
        self._running[name] = future
        return await asyncio.wait_for(asyncio.wrap_future(future), self.seconds)


class Failing:
    """Logs that a store does not answer once, and once that it answers again."""

    def __init__(self) -> None:
        self._names: set[str] = set()

    def failed(self, name: str, error: BaseException) -> None:
        if name not in self._names:
            self._names.add(name)
            logger.warning("operations: %s does not answer (%s)", name, type(error).__name__)

    def answered(self, name: str) -> None:
        if name in self._names:
            self._names.discard(name)
            logger.info("operations: %s answers again", name)


class StoreGauges(Collector):
    """The series read from the stores, measured by `measure` before each scrape (bounded
    by the probes) and yielded by `collect` as they were measured."""

    def __init__(self, probes: Probes) -> None:
        self.probes = probes
        self.failing = Failing()
        self._families: list[Metric] = []

    async def measure(self, channels: Iterable[Any], tickets: Any) -> None:
        """Reads the platform channels that are on (`intake`, `outbox`) and the
        desk's ticket store (None: no desk)."""
        backlog = GaugeMetricFamily(
            "assistant_intake_backlog",
            "Kept webhook events not finished yet (all instances).",
            labels=["channel"],
        )
        undelivered = GaugeMetricFamily(
            "assistant_undelivered",
            "Replies not delivered yet, kept in the outbox to be sent again (all instances).",
            labels=["channel"],
        )
        for channel in channels:
            if getattr(channel, "settings", None) is None or not hasattr(type(channel), "intake"):
                continue  # REST, or a platform channel that is off
            name = channel.name()
            count = await self._read(
                f"the intake of {name}", lambda c=channel: c.intake.backlog(c.name())
            )
            if count is not None:
                backlog.add_metric([name], count)
            waiting = await self._read(
                f"the outbox of {name}", lambda c=channel: c.outbox.count(c.name())
            )
            if waiting is not None:
                undelivered.add_metric([name], waiting)
        families: list[Metric] = [backlog, undelivered]
        if tickets is not None:
            open_tickets = await self._read("the desk's tickets", tickets.queue)
            if open_tickets is not None:
                family = GaugeMetricFamily(
                    "assistant_tickets_open",
                    "The desk's open tickets: waiting for a consultant, or assigned to one.",
                    labels=["status"],
                )
                for status in ("waiting", "assigned"):
                    family.add_metric([status], sum(t.status == status for t in open_tickets))
                families.append(family)
        self._families = families

    async def _read(self, name: str, call: Callable[[], Value]) -> Value | None:
        try:
            value = await self.probes.run(name, call)
        except Exception as error:  # noqa: BLE001 - left out of this scrape, logged once
            self.failing.failed(name, error)
            return None
        self.failing.answered(name)
        return value

    def collect(self) -> Iterator[Metric]:
        yield from self._families

    def describe(self) -> Iterator[Metric]:
        return iter(())  # measured before each scrape, nothing to describe ahead


def _select_one(database: sa.engine.Engine) -> bool:
    with database.connect() as db:
        db.execute(sa.text("SELECT 1"))
    return True


def _tracker_store_answers(store: Any) -> bool:
    """A SELECT 1 on a SQL tracker store's engine; for another store, a retrieve of a
    conversation nobody has (each store's cheapest read), on a loop of this thread:
    Rasa's stores do blocking I/O inside their coroutines."""
    store = getattr(store, "_tracker_store", store)  # Rasa's FailSafeTrackerStore hides errors
    if isinstance(getattr(store, "engine", None), sa.engine.Engine):
        return _select_one(store.engine)
    asyncio.run(store.retrieve("operations:ready"))
    return True


def _lock_store_answers(store: Any) -> bool:
    """Redis: PING; any other lock store: a lock nobody holds (in memory: a dict read)."""
    red = getattr(store, "red", None)
    if red is not None:
        return bool(red.ping())
    store.get_lock("operations:ready")
    return True


class Readiness:
    """Whether this server can answer a resident now: every check true."""

    def __init__(self, database_url: str, probes: Probes) -> None:
        self.database_url = database_url
        self.probes = probes
        self.failing = Failing()

    async def check(self, agent: Any) -> dict[str, bool]:
        """{"model": ..., "tracker_store": ..., "lock_store": ..., "database": ...}."""
        model = agent is not None and bool(agent.is_ready())
        tracker_store = getattr(agent, "tracker_store", None)
        lock_store = getattr(agent, "lock_store", None)
        tracker, lock, database = await asyncio.gather(
            self._probe("tracker_store", tracker_store, _tracker_store_answers),
            self._probe("lock_store", lock_store, _lock_store_answers),
            self._probe("database", self.database_url, lambda url: _select_one(engine(url))),
        )
        return {"model": model, "tracker_store": tracker, "lock_store": lock, "database": database}

    async def _probe(self, name: str, store: Any, answers: Callable[[Any], bool]) -> bool:
        if store is None:
            return False
        try:
            ok = await self.probes.run(name, lambda: answers(store))
        except Exception as error:  # noqa: BLE001 - not ready; logged once
            self.failing.failed(f"the {name.replace('_', ' ')}", error)
            return False
        self.failing.answered(f"the {name.replace('_', ' ')}")
        return bool(ok)


# Counters without their `_created` twins: Prometheus does not read them in the text format,
# and they would double what every scrape carries.
disable_created_metrics()
METRICS = Metrics()
PROBES = Probes()
STORE_GAUGES = StoreGauges(PROBES)
REGISTRY.register(STORE_GAUGES)


def _ticket_store() -> Any:
    """The desk's ticket store, when the desk is on."""
    from bot.channels.desk import LINK  # the channels import this module

    return LINK.desk.store if LINK.desk is not None else None


def add_routes(app: Sanic, database_url: str) -> None:
    """`GET /metrics` and `GET /ready` on the Rasa server's app. They are not Rasa's HTTP
    API: no token (Prometheus and load balancers poll them), and the README's reverse proxy
    does not make them public."""
    readiness = Readiness(database_url, PROBES)

    @app.get("/metrics", name="operations_metrics")
    async def metrics(request: Request) -> HTTPResponse:
        channels = getattr(request.app.ctx, "input_channels", None) or []
        await STORE_GAUGES.measure(channels, _ticket_store())
        # the text format the scraper asks for (Prometheus 2: 0.0.4; 3: 1.0.0, OpenMetrics)
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return response.raw(encode(REGISTRY), content_type=content_type)

    @app.get("/ready", name="operations_ready")
    async def ready(request: Request) -> HTTPResponse:
        checks = await readiness.check(getattr(request.app.ctx, "agent", None))
        ok = all(checks.values())
        return response.json({"ready": ok, **checks}, status=200 if ok else 503)
