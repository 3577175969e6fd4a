"""The assistant's own tables on DATABASE_URL and their migrations (Alembic, in
bot/migrations/): the consultant desk's (bot/desk/schema.py) and the durable intake's
(bot/channels/intake.py). Rasa's tracker store and the unanswered-question log keep
their own tables.

`upgrade(database_url)` brings a database to the newest schema: run by `bot.run` at every
start (so by `make run`), by `make report` and `make prune`, and by the tests on SQLite
and PostgreSQL. It is idempotent; a database from before the intake (whose version table
was called desk_alembic_version) is carried over.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from bot.channels import intake
from bot.desk import schema as desk

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "assistant_alembic_version"
_OLD_VERSION_TABLE = "desk_alembic_version"
METADATA = [desk.metadata, intake.metadata]

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

    engine = sa.create_engine(database_url, future=True)
    try:
        names = set(sa.inspect(engine).get_table_names())
        if _OLD_VERSION_TABLE in names and VERSION_TABLE not in names:
            with engine.begin() as db:
                db.execute(sa.text(f"ALTER TABLE {_OLD_VERSION_TABLE} RENAME TO {VERSION_TABLE}"))
    finally:
        engine.dispose()
    command.upgrade(alembic_config(database_url), "head")
    _upgraded.add(database_url)


def ensure(database_url: str) -> None:
    """`upgrade`, once per process and database (for what opens the tables lazily)."""
    if database_url not in _upgraded:
        upgrade(database_url)
