"""The questions the assistant could not answer, kept in the SQL database for the staff.

Each row: when, the center, the message's language, its text (first 2,000 characters)
and the three nearest guidebook topics with their confidences. No resident id is kept.
`make report` (python -m bot.report) prints them grouped by language and nearest topic.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
)

MAX_TEXT = 2000

metadata = MetaData()
unanswered = Table(
    "unanswered_questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("center", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("guesses", Text, nullable=False),  # JSON: [[topic, confidence], ...]
)


@dataclass(frozen=True)
class Question:
    created_at: dt.datetime
    center: str
    language: str
    text: str
    guesses: list[tuple[str, float]]

    @property
    def nearest(self) -> str:
        return self.guesses[0][0] if self.guesses else "-"


class UnansweredLog:
    """Writes and reads unanswered questions (SQLite by default, any SQLAlchemy URL)."""

    def __init__(self, database_url: str):
        self.engine = create_engine(database_url, future=True)
        metadata.create_all(self.engine)

    def record(
        self, center: str, language: str, text: str, guesses: list[tuple[str, float]]
    ) -> None:
        row = {
            "created_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            "center": center,
            "language": language or "und",
            "text": (text or "")[:MAX_TEXT],
            "guesses": json.dumps([[t, round(float(c), 3)] for t, c in guesses[:3]]),
        }
        with self.engine.begin() as connection:
            connection.execute(unanswered.insert().values(**row))

    def prune(self, days: int, now: dt.datetime | None = None) -> int:
        """Deletes the questions older than `days`; returns how many."""
        now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        cutoff = now - dt.timedelta(days=days)
        with self.engine.begin() as connection:
            result = connection.execute(unanswered.delete().where(unanswered.c.created_at < cutoff))
        return int(result.rowcount or 0)

    def questions(self, center: str | None = None) -> list[Question]:
        query = select(unanswered).order_by(unanswered.c.created_at)
        if center:
            query = query.where(unanswered.c.center == center)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            Question(
                r["created_at"],
                r["center"],
                r["language"],
                r["text"],
                [(t, c) for t, c in json.loads(r["guesses"])],
            )
            for r in rows
        ]


@lru_cache(maxsize=4)
def log_for(database_url: str) -> UnansweredLog:
    return UnansweredLog(database_url)
