"""Fresh databases for the SQL tests: a SQLite file, or a new PostgreSQL database on the
machine's server (127.0.0.1:5432, trust auth), dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
ENGINES = ["sqlite", "postgresql"]


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """The name of a new, empty PostgreSQL database."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as error:  # pragma: no cover - the machine has it
        pytest.fail(f"PostgreSQL at {POSTGRES} is needed: {error}")
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def database_url(engine: str, tmp_path: Path, prefix: str) -> Iterator[str]:
    """A SQLAlchemy URL of a new, empty database of the engine."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / f'{prefix}.db'}"
        return
    with postgres_database(prefix) as name:
        yield f"{POSTGRES}/{name}"
