"""Durable intake: every verified webhook event is written to DATABASE_URL before the
platform gets its 200, and handled from there.

- `IntakeStore.add(...)`: keeps an event under its platform id (LINE `webhookEventId`,
  Telegram `update_id`), unique per channel: a redelivery, to this instance or another,
  is refused by the database itself. The caller answers the platform only after this.
- The event is claimed by the instance that took it (`owner`), for `lease` seconds; the
  owner renews its claims on the events it still holds (`renew`) and marks each event
  `done` once the resident has the answer (or the apology).
- A finished event keeps only its key (for redeliveries), for KEEP_DAYS.
- `IntakeStore.ahead(...)`: a resident's unfinished events that came before one: the
  channels answer those first, whichever instance holds them (order per resident).
- `IntakeStore.recent(...)`: how many events a resident sent lately (RESIDENT_RATE).
- `IntakeStore.unclaimed(...)`: events nobody finished whose claim ran out (a process
  killed mid-way, a deploy), oldest first; `claim(...)` takes them, one UPDATE each whose
  WHERE clause lets only one instance win. The channels pick them up at start and every
  few seconds after.

An event whose handling was cut short is handled again: a resident may see an answer
twice after a crash, never none.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.database import engine, now

logger = logging.getLogger(__name__)

metadata = sa.MetaData()
KEEP_DAYS = 7.0  # how long the key of a finished event is kept against redeliveries

events = sa.Table(
    "intake_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("event_key", sa.String(128), nullable=False),
    sa.Column("conversation", sa.String(200), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("owner", sa.String(64)),
    sa.Column("lease_until", sa.DateTime),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("done_at", sa.DateTime),
    sa.UniqueConstraint("channel", "event_key", name="uq_intake_events_key"),
    sa.Index("ix_intake_events_open", "channel", "done_at", "lease_until"),
    sa.Index("ix_intake_events_resident", "channel", "conversation", "received_at"),
)


@dataclass(frozen=True)
class Event:
    id: int
    channel: str
    key: str
    conversation: str
    payload: Any
    attempts: int
    owner: str | None = None
    lease_until: dt.datetime | None = None

    @classmethod
    def of(cls, row: Any) -> Event:
        payload = json.loads(row.payload) if row.payload else None
        return cls(
            row.id,
            row.channel,
            row.event_key,
            row.conversation,
            payload,
            row.attempts,
            row.owner,
            row.lease_until,
        )

    @property
    def expired(self) -> bool:
        """Its claim ran out: whoever held it stopped (killed, deployed over)."""
        return self.lease_until is None or self.lease_until < now()


class IntakeStore:
    """The intake table on DATABASE_URL (migrated by bot.migrations.upgrade)."""

    def __init__(self, database_url: str | sa.engine.Engine, lease: float = 60.0) -> None:
        self.engine = (
            database_url if isinstance(database_url, sa.engine.Engine) else engine(database_url)
        )
        self.lease = dt.timedelta(seconds=lease)
        self.owner = uuid.uuid4().hex  # this process; a restart is a new owner

    def add(self, channel: str, key: str, conversation: str, payload: Any) -> int | None:
        """Keeps an event, claimed by this process; its id, or None when the platform sent
        it before (to any instance)."""
        at = now()
        try:
            with self.engine.begin() as db:
                result = db.execute(
                    events.insert().values(
                        channel=channel,
                        event_key=str(key),
                        conversation=conversation,
                        payload=json.dumps(payload, ensure_ascii=False),
                        received_at=at,
                        owner=self.owner,
                        lease_until=at + self.lease,
                        attempts=1,
                    )
                )
        except IntegrityError:
            return None
        return int(result.inserted_primary_key[0])

    def done(self, event_id: int) -> None:
        """The event is handled: its words are dropped, its key stays (redeliveries)."""
        with self.engine.begin() as db:
            db.execute(
                events.update().where(events.c.id == event_id).values(done_at=now(), payload="")
            )

    def renew(self, ids: Iterable[int]) -> int:
        """Extends this process's claims on the events it still holds (`ids`: queued or
        being handled). An event it let go of, because marking it done failed, is left to
        run out and be handled again, never held forever."""
        ids = list(ids)
        if not ids:
            return 0
        with self.engine.begin() as db:
            result = db.execute(
                events.update()
                .where(
                    events.c.owner == self.owner,
                    events.c.done_at.is_(None),
                    events.c.id.in_(ids),
                )
                .values(lease_until=now() + self.lease)
            )
        return result.rowcount

    def unclaimed(self, channel: str, limit: int = 500) -> list[Event]:
        """Unfinished events of a channel whose claim ran out, oldest first."""
        with self.engine.connect() as db:
            rows = db.execute(
                events.select()
                .where(
                    events.c.channel == channel,
                    events.c.done_at.is_(None),
                    events.c.lease_until < now(),
                )
                .order_by(events.c.id)
                .limit(limit)
            ).all()
        return [Event.of(r) for r in rows]

    def ahead(self, event_id: int) -> list[Event]:
        """The same resident's unfinished events that came before this one, oldest first:
        they are answered first, whichever instance holds them."""
        this = events.alias("this")
        with self.engine.connect() as db:
            rows = db.execute(
                events.select()
                .join(
                    this,
                    sa.and_(
                        this.c.id == event_id,
                        events.c.channel == this.c.channel,
                        events.c.conversation == this.c.conversation,
                    ),
                )
                .where(events.c.done_at.is_(None), events.c.id < event_id)
                .order_by(events.c.id)
            ).all()
        return [Event.of(r) for r in rows]

    def recent(self, channel: str, conversation: str, seconds: float) -> int:
        """How many events of the resident came in the last `seconds`, kept or refused
        (the per-resident rate, shared by every instance)."""
        since = now() - dt.timedelta(seconds=seconds)
        query = (
            sa.select(sa.func.count())
            .select_from(events)
            .where(
                events.c.channel == channel,
                events.c.conversation == conversation,
                events.c.received_at >= since,
            )
        )
        with self.engine.connect() as db:
            return int(db.execute(query).scalar_one())

    def claim(self, event: Event) -> bool:
        """Takes an event whose claim ran out; False when another instance was faster."""
        at = now()
        with self.engine.begin() as db:
            result = db.execute(
                events.update()
                .where(
                    events.c.id == event.id,
                    events.c.done_at.is_(None),
                    events.c.lease_until < at,
                )
                .values(owner=self.owner, lease_until=at + self.lease, attempts=event.attempts + 1)
            )
        return result.rowcount == 1

    def backlog(self, channel: str | None = None) -> int:
        """Events not finished yet (health, metrics)."""
        query = sa.select(sa.func.count()).select_from(events).where(events.c.done_at.is_(None))
        if channel is not None:
            query = query.where(events.c.channel == channel)
        with self.engine.connect() as db:
            return int(db.execute(query).scalar_one())

    def forget(self, days: float = KEEP_DAYS) -> int:
        """Deletes finished events older than `days`: a platform redelivers within hours,
        so their keys are not needed longer (their words went when they were done)."""
        limit = now() - dt.timedelta(days=days)
        with self.engine.begin() as db:
            return db.execute(
                events.delete().where(events.c.done_at.is_not(None), events.c.received_at < limit)
            ).rowcount
