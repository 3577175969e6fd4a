"""The outbox: messages to residents that the platform still refused after
PLATFORM_RETRY_SECONDS, kept in DATABASE_URL and sent again later, never dropped.

- `OutboxStore.keep(...)`: the undelivered parts of a turn (or of a consultant's reply),
  in the channel's own form (LINE message objects, Telegram texts and keyboards, as JSON).
- `due(...)` + `claim(...)`: what is due again, taken by one instance at a time (one
  UPDATE whose WHERE clause lets one win); the next try waits longer each time
  (OUTBOX_RETRY_SECONDS, doubling, at most 8 times that), for GIVE_UP_HOURS at most.
  Once one goes through, the platform is back: the channel sends the rest at once
  (`claim(..., at_once=True)`). A message being tried by one instance is never taken by
  another (`trying_until`), so no reply goes out twice because two instances tried it.
- `delivered(...)`, `left(...)`: what the next try got through.
- `pending()`: what the consultants see in `/queue` (bot.desk): how many replies wait,
  for whom, since when.

The channels (bot.channels.base) keep and resend; nothing here knows a platform.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.database import engine, now

# The first try again waits this long; each next one twice as long, up to 8 times this.
RETRY_FIRST = dt.timedelta(seconds=30)
LONGEST = 8
GIVE_UP_HOURS = 24.0  # a reply that no try got through in a day is given up (and logged)

metadata = sa.MetaData()
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("conversation", sa.String(200), nullable=False),
    sa.Column("parts", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_at", sa.DateTime, nullable=False),
    sa.Column("trying_until", sa.DateTime),  # an instance is trying it until then
    sa.Column("delivered_at", sa.DateTime),
    sa.Column("given_up_at", sa.DateTime),
    sa.Index("ix_outbox_due", "channel", "delivered_at", "next_at"),
)


@dataclass(frozen=True)
class Undelivered:
    id: int
    channel: str
    conversation: str  # bot.conversations id: line:U..., telegram:123
    parts: list[Any]
    created_at: dt.datetime
    attempts: int


class OutboxStore:
    """The outbox table on DATABASE_URL (migrated by bot.state.upgrade)."""

    def __init__(self, database_url: str | sa.engine.Engine, first: dt.timedelta = RETRY_FIRST):
        self.engine = (
            database_url if isinstance(database_url, sa.engine.Engine) else engine(database_url)
        )
        self.first = first

    def keep(self, channel: str, conversation: str, parts: list[Any]) -> int:
        at = now()
        with self.engine.begin() as db:
            result = db.execute(
                outbox.insert().values(
                    channel=channel,
                    conversation=conversation,
                    parts=json.dumps(parts, ensure_ascii=False),
                    created_at=at,
                    attempts=0,
                    next_at=at + self.first,
                )
            )
        return int(result.inserted_primary_key[0])

    def due(self, channel: str, limit: int = 100) -> list[Undelivered]:
        """Undelivered messages of a channel whose next try is due, oldest first."""
        with self.engine.connect() as db:
            rows = db.execute(
                outbox.select()
                .where(
                    outbox.c.channel == channel,
                    outbox.c.delivered_at.is_(None),
                    outbox.c.given_up_at.is_(None),
                    outbox.c.next_at <= now(),
                )
                .order_by(outbox.c.id)
                .limit(limit)
            ).all()
        return [_undelivered(r) for r in rows]

    def claim(self, item: Undelivered, hold: float, at_once: bool = False) -> bool:
        """Takes a message for one try of at most `hold` seconds, when it is due (or
        `at_once`: the platform is back); False when another instance is trying it or
        took it first (its attempts moved on). A process that dies while trying leaves it
        to be tried again once `hold` has passed."""
        at = now()
        wait = min(self.first * 2 ** (item.attempts + 1), self.first * LONGEST)
        conditions = [
            outbox.c.id == item.id,
            outbox.c.delivered_at.is_(None),
            outbox.c.given_up_at.is_(None),
            outbox.c.attempts == item.attempts,
            sa.or_(outbox.c.trying_until.is_(None), outbox.c.trying_until < at),
        ]
        if not at_once:
            conditions.append(outbox.c.next_at <= at)
        with self.engine.begin() as db:
            result = db.execute(
                outbox.update()
                .where(*conditions)
                .values(
                    attempts=item.attempts + 1,
                    next_at=at + wait,
                    trying_until=at + dt.timedelta(seconds=hold),
                )
            )
        return result.rowcount == 1

    def delivered(self, item_id: int) -> None:
        with self.engine.begin() as db:
            db.execute(
                outbox.update()
                .where(outbox.c.id == item_id)
                .values(delivered_at=now(), trying_until=None, parts="")
            )

    def left(self, item: Undelivered, parts: list[Any]) -> bool:
        """What a try did not get through; True when it is given up (older than
        GIVE_UP_HOURS)."""
        give_up = now() - item.created_at > dt.timedelta(hours=GIVE_UP_HOURS)
        values: dict[str, Any] = {
            "parts": json.dumps(parts, ensure_ascii=False),
            "trying_until": None,
        }
        if give_up:
            values["given_up_at"] = now()
        with self.engine.begin() as db:
            db.execute(outbox.update().where(outbox.c.id == item.id).values(**values))
        return give_up

    def pending(self, channel: str | None = None) -> list[Undelivered]:
        """Everything not delivered and not given up, oldest first (the desk's /queue)."""
        query = outbox.select().where(
            outbox.c.delivered_at.is_(None), outbox.c.given_up_at.is_(None)
        )
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(outbox.c.id)).all()
        return [_undelivered(r) for r in rows]

    def count(self, channel: str | None = None) -> int:
        """How many wait (health, metrics)."""
        query = (
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.delivered_at.is_(None), outbox.c.given_up_at.is_(None))
        )
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        with self.engine.connect() as db:
            return int(db.execute(query).scalar_one())

    def forget(self, days: float = 7.0) -> int:
        """Deletes what was delivered or given up more than `days` ago."""
        limit = now() - dt.timedelta(days=days)
        with self.engine.begin() as db:
            return db.execute(
                outbox.delete().where(
                    sa.or_(outbox.c.delivered_at < limit, outbox.c.given_up_at < limit)
                )
            ).rowcount


def _undelivered(row: Any) -> Undelivered:
    parts = json.loads(row.parts) if row.parts else []
    return Undelivered(row.id, row.channel, row.conversation, parts, row.created_at, row.attempts)
