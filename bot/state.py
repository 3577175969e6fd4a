"""The assistant's own tables on DATABASE_URL and their migrations (Alembic, in
bot/migrations/): the consultant desk's (bot/desk/schema.py), the durable intake's
(bot/channels/intake.py) and the outbox's (bot/channels/outbox.py). Rasa's tracker store
and the unanswered-question log keep their own tables.

`upgrade(database_url)` brings a database to the newest schema: run by `bot.run` at every
start (so by `make run`), by `make report` and `make prune`, and by the tests on SQLite
and PostgreSQL. It is idempotent; a database from before the intake (whose version table
was called desk_alembic_version) is carried over.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bot.channels import intake, outbox
from bot.desk import schema as desk

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "assistant_alembic_version"
_OLD_VERSION_TABLE = "desk_alembic_version"
# The PostgreSQL advisory lock key that instances migrating together take in turn.
_MIGRATION_LOCK = 0x7A5A_0001
METADATA = [desk.metadata, intake.metadata, outbox.metadata]

_upgraded: set[str] = set()


def alembic_config(database_url: str):  # -> alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """Applies every migration the database lacks (idempotent)."""
    from alembic import command

    with _one_at_a_time(database_url):
        _carry_over(database_url)
        command.upgrade(alembic_config(database_url), "head")
    _upgraded.add(database_url)


def _carry_over(database_url: str) -> None:
    engine = sa.create_engine(database_url, future=True)
    try:
        names = set(sa.inspect(engine).get_table_names())
        if _OLD_VERSION_TABLE in names and VERSION_TABLE not in names:
            with engine.begin() as db:
                db.execute(sa.text(f"ALTER TABLE {_OLD_VERSION_TABLE} RENAME TO {VERSION_TABLE}"))
    finally:
        engine.dispose()


@contextmanager
def _one_at_a_time(database_url: str) -> Iterator[None]:
    """On PostgreSQL, instances that start together migrate one after the other (a
    session advisory lock); SQLite's own write lock does that for a file."""
    engine = sa.create_engine(database_url, future=True)
    try:
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.connect() as db:
            db.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
            try:
                yield
            finally:
                db.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
    finally:
        engine.dispose()


def ensure(database_url: str) -> None:
    """`upgrade`, once per process and database (for what opens the tables lazily)."""
    if database_url not in _upgraded:
        upgrade(database_url)
