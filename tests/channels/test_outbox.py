"""The outbox on SQLite and PostgreSQL: undelivered replies are kept, tried again by one
instance at a time, later each time, and given up only after a day; the migrations make
exactly the tables the code describes."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import state
from bot.channels import outbox as outbox_module
from bot.channels.outbox import OutboxStore
from tests.databases import ENGINES, database_url


@pytest.fixture(params=ENGINES)
def url(request, tmp_path) -> str:
    with database_url(request.param, tmp_path, "outbox") as url:
        state.upgrade(url)
        yield url


HOLD = 42  # seconds a try may take (a channel's stop_seconds)


class Clock:
    """The outbox's clock, stopped at the test's start; `later(s)` moves it to s seconds
    after that start."""

    def __init__(self, monkeypatch) -> None:
        self.start = outbox_module.now()
        self.at = self.start
        monkeypatch.setattr(outbox_module, "now", lambda: self.at)

    def later(self, seconds: float) -> None:
        self.at = self.start + dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def test_the_migrations_make_the_tables_the_code_describes(url) -> None:
    described = sa.MetaData()
    for metadata in state.METADATA:
        for table in metadata.tables.values():
            table.to_metadata(described)
    engine = sa.create_engine(url)
    with engine.connect() as db:
        differences = compare_metadata(MigrationContext.configure(db), described)
    engine.dispose()
    real = [
        d for d in differences if not (d[0] == "remove_table" and d[1].name == state.VERSION_TABLE)
    ]
    assert real == []


def test_an_undelivered_reply_is_kept_and_tried_again_later_each_time(url, clock) -> None:
    store = OutboxStore(url, first=dt.timedelta(seconds=30))
    parts = [{"type": "text", "text": "ゴミの出し方は…"}]
    kept = store.keep("line", "line:Ua", parts)
    assert store.due("line") == []  # not before the first wait
    assert store.count("line") == 1 and store.count("telegram") == 0
    clock.later(31)
    (item,) = store.due("line")
    assert item.id == kept and item.parts == parts and item.attempts == 0
    assert store.claim(item, HOLD)
    assert not store.claim(item, HOLD)  # taken: not due again until its next try
    assert store.left(item, parts) is False  # still refused; not given up
    clock.later(31 + 59)
    assert store.due("line") == []  # the second try waits twice as long (60 s)
    clock.later(31 + 61)
    (again,) = store.due("line")
    assert again.attempts == 1 and store.claim(again, HOLD)
    store.delivered(again.id)
    assert store.pending() == [] and store.count() == 0


def test_one_instance_takes_a_due_reply(url, clock) -> None:
    OutboxStore(url).keep("telegram", "telegram:5", [{"text": "hi", "markup": None}])
    clock.later(31)
    stores = [OutboxStore(url) for _ in range(4)]
    (item,) = stores[0].due("telegram")
    wins: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def race(store: OutboxStore) -> None:
        barrier.wait()
        wins.append(store.claim(item, HOLD))

    threads = [threading.Thread(target=race, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 4 and wins.count(True) == 1


def test_a_reply_is_given_up_after_a_day_and_kept_a_week(url, clock) -> None:
    store = OutboxStore(url)
    store.keep("line", "line:Ub", [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])
    clock.later(25 * 3600)
    (item,) = store.due("line")
    assert store.claim(item, HOLD)
    assert store.left(item, [{"type": "text", "text": "b"}]) is True  # given up
    assert store.pending() == [] and store.due("line") == []
    assert store.forget(days=7) == 0
    clock.later(25 * 3600 + 8 * 86400)
    assert store.forget(days=7) == 1


def test_once_the_platform_is_back_the_rest_is_sent_at_once(url, clock) -> None:
    store = OutboxStore(url)
    store.keep("line", "line:Uc", [{"type": "text", "text": "first"}])
    store.keep("line", "line:Ud", [{"type": "text", "text": "second"}])
    clock.later(31)
    first, second = store.due("line")
    assert store.claim(first, HOLD) and store.claim(second, HOLD)  # both tried...
    store.left(first, first.parts)
    store.left(second, second.parts)  # ...both refused
    (fresh,) = [i for i in store.pending("line") if i.id == second.id]
    assert not store.claim(fresh, HOLD)  # not due: its next try is a minute away
    assert store.claim(fresh, HOLD, at_once=True)  # the platform is back: at once
    assert not store.claim(fresh, HOLD, at_once=True)  # and by one instance only


def test_a_reply_being_tried_is_taken_by_no_other_instance(url, clock) -> None:
    store = OutboxStore(url, first=dt.timedelta(seconds=3))
    store.keep("telegram", "telegram:9", [{"text": "hi", "markup": None}])
    clock.later(4)
    (item,) = store.due("telegram")
    assert store.claim(item, HOLD)  # one instance tries, for up to 42 s
    clock.later(4 + 7)  # its next try would be due (6 s), but the try still goes on
    (seen,) = store.due("telegram")
    assert not store.claim(seen, HOLD) and not store.claim(seen, HOLD, at_once=True)
    clock.later(4 + HOLD + 1)  # the instance died while trying: another one may
    assert store.claim(seen, HOLD)
