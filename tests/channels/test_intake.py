"""The durable intake on SQLite and PostgreSQL: an event is kept once under its platform
id, whoever receives it; claims run out and are taken by one instance only; a finished
event keeps its key, not its words."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from bot import state
from bot.channels import intake as intake_module
from bot.channels.intake import IntakeStore
from tests.databases import ENGINES, database_url


@pytest.fixture(params=ENGINES)
def url(request, tmp_path) -> str:
    with database_url(request.param, tmp_path, "intake") as url:
        state.upgrade(url)
        yield url


def test_an_event_is_kept_once_whichever_instance_gets_it(url) -> None:
    first, second = IntakeStore(url), IntakeStore(url)
    event = {"webhookEventId": "01ABC", "message": {"text": "hello"}}
    kept = first.add("line", "01ABC", "Uaaa", event)
    assert kept is not None
    assert second.add("line", "01ABC", "Uaaa", event) is None  # the redelivery, elsewhere
    assert first.add("telegram", "01ABC", "42", {"update_id": 1}) is not None  # per channel
    assert first.backlog("line") == 1


def test_a_claim_that_runs_out_is_taken_by_one_instance_only(url, monkeypatch) -> None:
    crashed = IntakeStore(url, lease=30)
    kept = crashed.add("line", "ev-1", "Ubbb", {"n": 1})
    crashed.add("line", "ev-2", "Ubbb", {"n": 2})
    others = [IntakeStore(url, lease=30) for _ in range(4)]
    assert others[0].unclaimed("line") == []  # the claim still holds
    later = intake_module.now() + dt.timedelta(seconds=31)
    monkeypatch.setattr(intake_module, "now", lambda: later)
    found = others[0].unclaimed("line")
    assert [e.payload["n"] for e in found] == [1, 2]  # oldest first
    wins = []
    barrier = threading.Barrier(len(others))

    def race(store: IntakeStore) -> None:
        barrier.wait()
        wins.append(store.claim(found[0]))

    threads = [threading.Thread(target=race, args=(s,)) for s in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == len(others) and wins.count(True) == 1  # every claim ran; one won
    assert found[0].id == kept and found[0].attempts == 1


def test_the_owner_renews_its_claims_and_done_drops_the_words(url, monkeypatch) -> None:
    store = IntakeStore(url, lease=30)
    kept = store.add("telegram", "77", "42", {"update_id": 77, "message": {"text": "secret"}})
    other = store.add("telegram", "78", "42", {"update_id": 78})
    later = intake_module.now() + dt.timedelta(seconds=20)
    monkeypatch.setattr(intake_module, "now", lambda: later)
    assert store.renew([kept]) == 1  # only what it still holds: 78 was let go of
    monkeypatch.setattr(intake_module, "now", lambda: later + dt.timedelta(seconds=11))
    assert [e.id for e in store.unclaimed("telegram")] == [other]  # 78 runs out, 77 holds
    monkeypatch.setattr(intake_module, "now", lambda: later + dt.timedelta(seconds=20))
    # 77, renewed at +20 s, holds until +50 s
    assert [e.id for e in store.unclaimed("telegram")] == [other]
    store.done(kept)
    store.done(other)
    assert store.backlog() == 0 and store.renew([kept, other]) == 0
    with store.engine.connect() as db:
        row = db.execute(
            intake_module.events.select().where(intake_module.events.c.event_key == "77")
        ).one()
    assert row.payload == "" and row.done_at is not None  # the key stays, the words go
    assert store.add("telegram", "77", "42", {}) is None  # still a duplicate
    monkeypatch.setattr(intake_module, "now", lambda: later + dt.timedelta(days=8))
    assert store.forget() == 2


def test_a_residents_earlier_unfinished_events_come_first(url) -> None:
    one, other = IntakeStore(url), IntakeStore(url)
    first = one.add("line", "e1", "line:Ua", {"n": 1})
    one.add("line", "x1", "line:Ub", {"n": 9})  # another resident
    one.add("telegram", "t1", "line:Ua", {"n": 8})  # another channel
    second = other.add("line", "e2", "line:Ua", {"n": 2})
    third = one.add("line", "e3", "line:Ua", {"n": 3})
    ahead = other.ahead(third)
    assert [e.id for e in ahead] == [first, second]
    assert ahead[0].owner == one.owner and not ahead[0].expired
    one.done(first)
    assert [e.id for e in one.ahead(third)] == [second]
    assert one.ahead(first) == []


def test_a_residents_recent_events_are_counted_by_every_instance(url, monkeypatch) -> None:
    one, other = IntakeStore(url), IntakeStore(url)
    for n in range(3):
        (one if n % 2 else other).add("telegram", f"u{n}", "telegram:7", {"n": n})
    one.add("telegram", "u9", "telegram:8", {"n": 9})
    assert one.recent("telegram", "telegram:7", 60) == 3
    later = intake_module.now() + dt.timedelta(seconds=61)
    monkeypatch.setattr(intake_module, "now", lambda: later)
    assert other.recent("telegram", "telegram:7", 60) == 0
