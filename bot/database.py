"""Engines for DATABASE_URL, one per database and process, shared by the assistant's own
stores (the desk's tickets, the durable intake).

SQLAlchemy 1.4 (Rasa's) opens a new SQLite connection for every statement of a file
database: 3 ms an event written where a kept connection takes 0.5. So SQLite gets a pool
of connections, in write-ahead-log mode synced at checkpoints: a commit survives the
process being killed, without an fsync on every webhook event. Other databases
(PostgreSQL in production) get their pool checked before use, and a time limit on
connecting and on every statement (`connect_args`): a database that hangs fails the call
(the webhook answers 503, the platform sends the event again) instead of holding it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import sqlalchemy as sa

# How long connecting, and one statement, may take before they fail (seconds).
CONNECT_TIMEOUT = 5
STATEMENT_TIMEOUT = 15


def connect_args(url: sa.engine.URL) -> dict[str, Any]:
    """The driver's time limits for a database URL (PostgreSQL's psycopg2; SQLite waits
    up to its own 5 s for a lock)."""
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg2":
        return {}
    return {
        "connect_timeout": CONNECT_TIMEOUT,
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT * 1000}",
    }


def now() -> dt.datetime:
    """The time as the assistant's tables keep it: UTC, without a zone (SQLite has none)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@cache
def engine(database_url: str) -> sa.engine.Engine:
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(
            database_url, future=True, pool_pre_ping=True, connect_args=connect_args(url)
        )
    shared = sa.create_engine(
        database_url,
        future=True,
        poolclass=sa.pool.QueuePool,
        connect_args={"check_same_thread": False},
    )
    sa.event.listen(shared, "connect", _write_ahead_log)
    return shared


def _write_ahead_log(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
