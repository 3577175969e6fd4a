"""Conversation ids carry their channel; earlier bare ids are migrated; retention prunes.
On Rasa's own SQL tracker store, in SQLite and in the machine's PostgreSQL."""

from __future__ import annotations

import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations import (
    channel_of_bare_id,
    conversation_id,
    platform_id,
    prefix_existing,
    prune,
    tracker_store_url,
)
from tests.databases import ENGINES, postgres_database

LINE_USER = "U" + "ab" * 16


def test_ids_carry_their_channel() -> None:
    assert conversation_id("line", LINE_USER) == f"line:{LINE_USER}"
    assert conversation_id("telegram", -100123) == "telegram:-100123"
    assert platform_id("rest:me:too") == ("rest", "me:too")
    with pytest.raises(ValueError):
        conversation_id("sms", "1")
    with pytest.raises(ValueError):
        platform_id("U123")
    assert [channel_of_bare_id(s) for s in (LINE_USER, "123", "-4", "me", "U12")] == [
        "line",
        "telegram",
        "telegram",
        "rest",
        "rest",
    ]


@pytest.fixture(params=ENGINES)
def store(request, tmp_path):
    """Rasa's SQL tracker store on an empty database of each engine."""
    if request.param == "sqlite":
        yield SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
        return
    with postgres_database("conversations") as name:
        store = SQLTrackerStore(
            Domain.empty(),
            dialect="postgresql",
            host="127.0.0.1",
            port=5432,
            db=name,
            username="postgres",
        )
        yield store
        store.engine.dispose()


async def _save(store: SQLTrackerStore, sender: str, texts: list[str], at: float) -> None:
    events = [UserUttered(t, timestamp=at + i) for i, t in enumerate(texts)]
    await store.save(DialogueStateTracker.from_events(sender, events))


async def test_bare_ids_get_their_channel_prefix_once(store) -> None:
    now = time.time()
    await _save(store, LINE_USER, ["hello", "tax?"], now)
    await _save(store, "123456", ["hi"], now)
    await _save(store, "someone", ["ola"], now)
    await _save(store, "rest:already", ["kept"], now)
    url = str(store.engine.url.render_as_string(hide_password=False))
    assert prefix_existing(url) == 3
    assert prefix_existing(url) == 0  # a no-op once done
    keys = set(await store.keys())
    assert keys == {f"line:{LINE_USER}", "telegram:123456", "rest:someone", "rest:already"}
    tracker = await store.retrieve(f"line:{LINE_USER}")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hello", "tax?"]


async def test_prune_deletes_only_what_is_older(store) -> None:
    now = time.time()
    await _save(store, "rest:old", ["old text"], now - 40 * 86400)
    await _save(store, "rest:new", ["new text"], now - 2 * 86400)
    url = str(store.engine.url.render_as_string(hide_password=False))
    assert prune(url, 30, now) == 1
    assert await store.retrieve("rest:old") is None
    assert [e.text for e in (await store.retrieve("rest:new")).events] == ["new text"]


def test_the_tracker_store_url_comes_from_the_endpoints_file(tmp_path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "x.db"\n')
    assert tracker_store_url(endpoints) == "sqlite:///x.db"
    endpoints.write_text("tracker_store:\n  type: redis\n")
    assert tracker_store_url(endpoints) is None
