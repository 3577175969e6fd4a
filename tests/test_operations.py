"""bot/operations.py: the counts and the answer histogram, the gauges read from stores that
answer, fail or hang, and the readiness checks. Real stores where the machine has them
(SQLite, PostgreSQL, Redis, Rasa's in-memory stores); a port nobody listens on for a
database that is down; a call that blocks for one that hangs."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Restarted, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot import operations, state
from bot.channels.intake import IntakeStore
from bot.channels.outbox import OutboxStore
from bot.desk.tickets import TicketStore
from bot.operations import Metrics, Probes, Readiness, StoreGauges

DOWN = "postgresql://postgres@127.0.0.1:1/nothing"  # nobody listens on port 1
SLOTS = [TextSlot("language", mappings=[])]


def user(text: str, language: str, message_id: str) -> UserUttered:
    return UserUttered(text, parse_data={"language": language}, message_id=message_id)


def tracker(sender: str, *events: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, list(events), slots=SLOTS)


CONVERSATION = (
    user("xin chao", "vi", "m1"),
    SlotSet("language", "vi"),
    BotUttered("Xin chào"),
    user("ok", "und", "m2"),
    BotUttered("..."),
    user("English please", "en", "m3"),
    SlotSet("language", "en"),
    BotUttered("Hello"),
)


def fresh() -> tuple[Metrics, CollectorRegistry]:
    registry = CollectorRegistry()
    return Metrics(registry), registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def received(registry: CollectorRegistry, channel: str, language: str) -> float:
    return value(registry, "assistant_messages_received_total", channel=channel, language=language)


def sent(registry: CollectorRegistry, channel: str, language: str) -> float:
    return value(registry, "assistant_messages_sent_total", channel=channel, language=language)


def message(sender: str, message_id: str) -> Any:
    return SimpleNamespace(sender_id=sender, message_id=message_id)


async def test_an_answered_message_is_counted_in_its_turns_languages_and_timed() -> None:
    metrics, registry = fresh()
    job = SimpleNamespace(intake=7)
    metrics.arrived("line", 7, time.monotonic() - 3.0)  # reached the server 3 s ago
    metrics.turn_saved(tracker("line:U1", *CONVERSATION[:3]))  # Rasa, at the turn's end
    metrics.answered("line", message("line:U1", "m1"), 2, job=job)
    assert received(registry, "line", "vi") == 1
    assert sent(registry, "line", "vi") == 2
    assert value(registry, "assistant_answer_seconds_count", channel="line") == 1
    assert value(registry, "assistant_answer_seconds_sum", channel="line") >= 3.0
    assert value(registry, "assistant_answer_seconds_bucket", channel="line", le="2.0") == 0
    assert value(registry, "assistant_failed_total", channel="line") == 0
    # the same event answered again (it cannot be, but): its arrival and turn were used up
    metrics.answered("line", message("line:U1", "m1"), 1, job=job)
    assert value(registry, "assistant_answer_seconds_count", channel="line") == 1
    assert received(registry, "line", "vi") == 1 and received(registry, "line", "unknown") == 1


async def test_a_message_that_keeps_the_language_and_one_that_changes_it() -> None:
    metrics, registry = fresh()
    metrics.turn_saved(tracker("telegram:5", *CONVERSATION[:5]))
    metrics.answered("telegram", message("telegram:5", "m2"), 1)
    metrics.turn_saved(tracker("telegram:5", *CONVERSATION))
    metrics.answered("telegram", message("telegram:5", "m3"), 1)
    assert received(registry, "telegram", "und") == 1  # "ok": the detector cannot tell
    assert sent(registry, "telegram", "vi") == 1  # and the conversation stays Vietnamese
    assert received(registry, "telegram", "en") == 1 and sent(registry, "telegram", "en") == 1


async def test_rest_is_timed_from_the_request_and_an_apology_counts_as_failed() -> None:
    metrics, registry = fresh()
    metrics.turn_saved(tracker("rest:me", *CONVERSATION))
    metrics.answered("rest", message("rest:me", "m3"), 1, since=time.monotonic(), failed=True)
    assert value(registry, "assistant_answer_seconds_count", channel="rest") == 1
    assert value(registry, "assistant_failed_total", channel="rest") == 1
    assert sent(registry, "rest", "en") == 1


async def test_a_relay_with_nothing_said_back_and_a_picked_up_event_are_not_timed() -> None:
    metrics, registry = fresh()
    metrics.arrived("telegram", 1, time.monotonic())
    metrics.answered("telegram", message("telegram:5", "m2"), 0, job=SimpleNamespace(intake=1))
    metrics.answered("telegram", message("telegram:5", "m3"), 1, job=SimpleNamespace(intake=2))
    assert value(registry, "assistant_answer_seconds_count", channel="telegram") == 0
    assert received(registry, "telegram", "unknown") == 2  # no turn saved: Rasa failed
    assert sent(registry, "telegram", "unknown") == 1  # the relay said nothing back


async def test_a_refused_event_is_received_in_no_known_language_and_not_timed() -> None:
    metrics, registry = fresh()
    metrics.arrived("line", 3, time.monotonic())
    metrics.refused("line", "too_many", job=SimpleNamespace(intake=3))
    metrics.refused("line", "busy")
    assert value(registry, "assistant_refused_total", channel="line", reason="too_many") == 1
    assert value(registry, "assistant_refused_total", channel="line", reason="busy") == 1
    assert received(registry, "line", "unknown") == 2
    metrics.answered("line", message("line:U9", "x"), 1, job=SimpleNamespace(intake=3))
    assert value(registry, "assistant_answer_seconds_count", channel="line") == 0


def test_another_message_saved_since_is_not_counted_as_this_ones_language() -> None:
    metrics, registry = fresh()
    metrics.turn_saved(tracker("rest:x", *CONVERSATION))  # m3 saved: English
    metrics.answered("rest", message("rest:x", "m2"), 1)
    assert received(registry, "rest", "unknown") == 1 and sent(registry, "rest", "unknown") == 1


def test_languages_outside_the_contract_and_conversations_without_one() -> None:
    metrics, registry = fresh()
    metrics.turn_saved(tracker("rest:a", user("hi", "xx-made-up", "a1"), SlotSet("language", "fr")))
    metrics.answered("rest", message("rest:a", "a1"), 1)
    assert received(registry, "rest", "unknown") == 1 and sent(registry, "rest", "unknown") == 1
    metrics.turn_saved(tracker("rest:b", user("hello", "en", "b1")))  # no language yet
    metrics.answered("rest", message("rest:b", "b1"), 1)
    assert received(registry, "rest", "en") == 1 and sent(registry, "rest", "und") == 1
    metrics.turn_saved(
        tracker("rest:c", user("hi", "en", "c0"), SlotSet("language", "en"), Restarted())
    )
    assert metrics._turns["rest:c"][2] == "und"  # a restart forgets the language
    metrics.turn_saved(tracker("rest:d"))  # saved before any message
    assert metrics._turns["rest:d"][1] == "unknown"


def test_arrivals_and_turns_never_answered_are_forgotten_past_a_bound(monkeypatch) -> None:
    monkeypatch.setattr(operations, "MAX_PENDING", 3)
    metrics, _ = fresh()
    for event in range(5):
        metrics.arrived("line", event, 0.0)
        metrics.turn_saved(tracker(f"rest:{event}", user("hi", "en", "m")))
    assert list(metrics._arrivals) == [("line", 2), ("line", 3), ("line", 4)]
    assert list(metrics._turns) == ["rest:2", "rest:3", "rest:4"]


# -- the probes --------------------------------------------------------------------------


async def test_a_probe_that_hangs_times_out_and_is_not_started_again_while_it_hangs() -> None:
    probes = Probes(seconds=0.2)
    release, calls = threading.Event(), []

    def hangs() -> int:
        calls.append(1)
        release.wait(30)
        return 1

    with pytest.raises((TimeoutError, asyncio.TimeoutError)):
        await probes.run("store", hangs)
    with pytest.raises(TimeoutError, match="still hangs"):
        await probes.run("store", hangs)
    assert len(calls) == 1  # one thread held, not one more per probe
    assert await probes.run("another", lambda: 2) == 2
    release.set()
    while probes._running["store"].running():
        await asyncio.sleep(0.01)
    assert await probes.run("store", lambda: 3) == 3


# -- the gauges read from the stores ---------------------------------------------------------


class Channel:
    """A platform channel as the gauges see it: a name, settings, an intake, an api."""

    intake: Any = None  # the class has one (WebhookChannel.intake is a property)

    def __init__(self, name: str, intake: Any, outbox: Any = None, on: bool = True) -> None:
        self._name = name
        self.intake = intake
        self.outbox = outbox if outbox is not None else intake
        self.settings = object() if on else None

    def name(self) -> str:
        return self._name


class Hanging:
    def __init__(self) -> None:
        self.release = threading.Event()

    def backlog(self, channel: str) -> int:
        self.release.wait(30)
        return 0

    def count(self, channel: str) -> int:
        return self.backlog(channel)

    def queue(self) -> list:
        return self.backlog("")


def scrape(gauges: StoreGauges) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(gauges)
    generate_latest(registry)  # what /metrics answers: no exception
    return registry


@pytest.fixture()
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    state.upgrade(url)
    return url


async def test_the_gauges_read_the_intake_the_channels_and_the_desk(database) -> None:
    intake = IntakeStore(database)
    intake.add("line", "e1", "U1", {"n": 1})
    intake.add("line", "e2", "U2", {"n": 2})
    intake.add("telegram", "e3", "5", {"n": 3})
    tickets = TicketStore(database)
    first, _ = tickets.open(
        "line:U1", center="miyagi", language="en", topic=None, priority="normal", reason="asked"
    )
    tickets.open(
        "telegram:5", center="miyagi", language="vi", topic=None, priority="high", reason="asked"
    )
    tickets.take(first.number, "Aiko")
    outbox = OutboxStore(database)
    outbox.keep("line", "line:U1", [{"type": "text", "text": "a"}])
    outbox.keep("line", "line:U2", [{"type": "text", "text": "b"}])
    channels = [
        Channel("line", intake, outbox),
        Channel("telegram", intake, outbox),
        Channel("off", intake, on=False),
        SimpleNamespace(name=lambda: "rest", settings=None),
    ]
    gauges = StoreGauges(Probes(seconds=5))
    await gauges.measure(channels, tickets)
    registry = scrape(gauges)
    assert value(registry, "assistant_intake_backlog", channel="line") == 2
    assert value(registry, "assistant_intake_backlog", channel="telegram") == 1
    assert registry.get_sample_value("assistant_intake_backlog", {"channel": "off"}) is None
    assert value(registry, "assistant_undelivered", channel="line") == 2
    assert registry.get_sample_value("assistant_undelivered", {"channel": "telegram"}) == 0
    assert value(registry, "assistant_tickets_open", status="waiting") == 1
    assert value(registry, "assistant_tickets_open", status="assigned") == 1


async def test_a_database_that_is_down_leaves_its_gauges_out_logged_once(caplog) -> None:
    down = IntakeStore(DOWN)
    channels = [Channel("line", down, OutboxStore(DOWN))]
    gauges = StoreGauges(Probes(seconds=10))
    caplog.set_level(logging.INFO, logger="bot.operations")
    for _ in range(3):
        await gauges.measure(channels, TicketStore(DOWN))
    registry = scrape(gauges)
    assert registry.get_sample_value("assistant_intake_backlog", {"channel": "line"}) is None
    assert registry.get_sample_value("assistant_tickets_open", {"status": "waiting"}) is None
    assert registry.get_sample_value("assistant_undelivered", {"channel": "line"}) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3  # the intake, the outbox, the tickets: once each in 3 scrapes
    assert "does not answer" in warnings[0].getMessage()


async def test_a_database_that_answers_again_is_measured_again(caplog, database) -> None:
    channel = Channel("line", IntakeStore(DOWN), OutboxStore(DOWN))
    gauges = StoreGauges(Probes(seconds=10))
    caplog.set_level(logging.INFO, logger="bot.operations")
    await gauges.measure([channel], None)
    channel.intake, channel.outbox = IntakeStore(database), OutboxStore(database)
    await gauges.measure([channel], None)
    assert value(scrape(gauges), "assistant_intake_backlog", channel="line") == 0
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_a_database_that_hangs_is_left_out_without_holding_the_scrape() -> None:
    hanging = Hanging()
    gauges = StoreGauges(Probes(seconds=0.2))
    try:
        for _ in range(2):  # the second scrape does not wait again for the hanging call
            await gauges.measure([Channel("line", hanging)], hanging)
            registry = scrape(gauges)
            assert (
                registry.get_sample_value("assistant_intake_backlog", {"channel": "line"}) is None
            )
            assert (
                registry.get_sample_value("assistant_tickets_open", {"status": "waiting"}) is None
            )
            assert registry.get_sample_value("assistant_undelivered", {"channel": "line"}) is None
    finally:
        hanging.release.set()


# -- readiness ---------------------------------------------------------------------------------


def agent(tracker_store: Any, lock_store: Any, ready: bool = True) -> Any:
    return SimpleNamespace(
        is_ready=lambda: ready, tracker_store=tracker_store, lock_store=lock_store
    )


def in_memory_tracker_store() -> InMemoryTrackerStore:
    return InMemoryTrackerStore(Domain.empty())


ALL_TRUE = {"model": True, "tracker_store": True, "lock_store": True, "database": True}


async def test_ready_when_the_model_is_loaded_and_every_store_answers(database) -> None:
    readiness = Readiness(database, Probes(seconds=5))
    wrapped = FailSafeTrackerStore(in_memory_tracker_store())  # as Rasa's agent has it
    assert await readiness.check(agent(wrapped, InMemoryLockStore())) == ALL_TRUE


async def test_ready_with_stores_on_redis_and_postgresql() -> None:
    readiness = Readiness("postgresql://postgres@127.0.0.1:5432/test", Probes(seconds=5))
    sql_store = SimpleNamespace(
        engine=sa.create_engine("postgresql://postgres@127.0.0.1:5432/test")
    )
    redis_lock = RedisLockStore(host="127.0.0.1", port=6379)
    assert await readiness.check(agent(sql_store, redis_lock)) == ALL_TRUE


async def test_not_ready_without_a_model(database) -> None:
    readiness = Readiness(database, Probes(seconds=5))
    checks = await readiness.check(agent(in_memory_tracker_store(), InMemoryLockStore(), False))
    assert checks == {**ALL_TRUE, "model": False}
    checks = await readiness.check(None)  # the server is up, the agent not yet
    assert checks == {"model": False, "tracker_store": False, "lock_store": False, "database": True}


async def test_not_ready_when_a_store_is_down(database, caplog) -> None:
    readiness = Readiness(DOWN, Probes(seconds=10))
    sql_store = FailSafeTrackerStore(
        SimpleNamespace(engine=sa.create_engine(DOWN), domain=None, event_broker=None)
    )
    redis_lock = RedisLockStore(host="127.0.0.1", port=1)
    caplog.set_level(logging.WARNING, logger="bot.operations")
    checks = await readiness.check(agent(sql_store, redis_lock))
    assert checks == {"model": True, "tracker_store": False, "lock_store": False, "database": False}
    await readiness.check(agent(sql_store, redis_lock))
    assert len(caplog.records) == 3  # once each


async def test_not_ready_when_a_store_hangs_and_the_answer_comes_anyway(database) -> None:
    release = threading.Event()

    class HangingTrackerStore:
        async def retrieve(self, sender_id: str) -> None:
            release.wait(30)  # blocking I/O inside a coroutine, as Rasa's stores do

    class HangingLockStore:
        def get_lock(self, conversation_id: str) -> None:
            release.wait(30)

    readiness = Readiness(database, Probes(seconds=0.2))
    try:
        checks = await readiness.check(agent(HangingTrackerStore(), HangingLockStore()))
        assert checks == {**ALL_TRUE, "tracker_store": False, "lock_store": False}
    finally:
        release.set()
