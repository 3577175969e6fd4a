"""The cluster deployment's settings and Rasa's stores configured by URL (bot/stores.py),
on the machine's PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import state
from bot.conversations import tracker_store_url
from bot.settings import ROOT, ConfigurationError, Settings
from bot.stores import DatabaseTrackerStore, RedisLocks, redis_arguments
from tests.databases import POSTGRES, postgres_database

CLUSTER = {
    "DEPLOYMENT": "cluster",
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PSEUDONYM_KEY": "one-key-for-all-instances",
}


def test_a_single_machine_keeps_the_embedded_endpoints() -> None:
    assert Settings.from_env({}).endpoints_file == ROOT / "endpoints.yml"
    assert Settings.from_env(CLUSTER).endpoints_file == ROOT / "endpoints.cluster.yml"


@pytest.mark.parametrize(
    "change, named",
    [
        ({"DATABASE_URL": "sqlite:///x.db"}, "not SQLite"),
        ({"DATABASE_URL": ""}, "not SQLite"),
        ({"REDIS_URL": ""}, "needs REDIS_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL: must be a redis://"),
        ({"PSEUDONYM_KEY": ""}, "needs PSEUDONYM_KEY"),
        ({"DEPLOYMENT": "many"}, "DEPLOYMENT: Input should be 'single' or 'cluster'"),
    ],
)
def test_a_cluster_needs_shared_stores(change, named) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env({**CLUSTER, **change})


def test_the_cluster_endpoints_name_the_shared_stores(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@db.internal/assistant")
    assert tracker_store_url(ROOT / "endpoints.cluster.yml") == (
        "postgresql://postgres@db.internal/assistant"
    )


def test_redis_urls_become_the_lock_stores_arguments() -> None:
    found = redis_arguments("rediss://user:p%40ss@cache.internal:6380/2")
    assert found["host"] == "cache.internal" and found["port"] == 6380 and found["db"] == 2
    assert found["username"] == "user" and found["password"] == "p@ss" and found["use_ssl"]
    assert redis_arguments("redis://127.0.0.1")["db"] == 0
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_arguments("127.0.0.1:6379")


def test_the_tracker_store_keeps_conversations_on_postgresql() -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    with postgres_database("trackers") as name:
        url = f"{POSTGRES}/{name}"
        first = DatabaseTrackerStore(domain=domain, host=url)
        tracker = DialogueStateTracker("line:U1", domain.slots)
        tracker.update(UserUttered("hello"))
        asyncio.run(first.save(tracker))
        other = DatabaseTrackerStore(domain=domain, host=url)  # another instance
        found = asyncio.run(other.retrieve("line:U1"))
        assert found is not None and found.latest_message.text == "hello"
        with other.engine.connect() as db:  # connections carry a statement time limit
            assert db.execute(sa.text("SHOW statement_timeout")).scalar() == "15s"
        first.engine.dispose()
        other.engine.dispose()


def test_two_instances_never_hold_one_conversations_lock() -> None:
    config = EndpointConfig(url="redis://127.0.0.1:6379/0", key_prefix=uuid.uuid4().hex[:8])
    one, two = RedisLocks(config), RedisLocks(config)  # two servers
    order: list[str] = []

    async def second() -> None:
        async with two.lock("line:U2", wait_time_in_seconds=0.01):
            order.append("two")

    async def scenario() -> None:
        async with one.lock("line:U2", wait_time_in_seconds=0.01):
            waiting = asyncio.create_task(second())
            while len(one.get_lock("line:U2").tickets) < 2:  # the other is in line
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # it keeps waiting while the first holds the lock
            order.append("one")
        await waiting

    asyncio.run(scenario())
    assert order == ["one", "two"]
    assert one.get_lock("line:U2") is None  # both finished: the lock is gone


def test_instances_that_start_together_migrate_one_after_the_other() -> None:
    with postgres_database("migrate") as name:
        url = f"{POSTGRES}/{name}"
        errors: list[BaseException] = []

        def upgrade() -> None:
            try:
                state.upgrade(url)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=upgrade) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        engine = sa.create_engine(url)
        assert {"desk_tickets", "intake_events"} <= set(sa.inspect(engine).get_table_names())
        engine.dispose()
