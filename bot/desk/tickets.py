"""Tickets: a resident waiting for, or talking with, a consultant (bot/desk/schema.py).

`TicketStore` is the only code that reads or writes the desk's tables. Every change a
consultant can race another on is one atomic UPDATE with its condition in the WHERE
clause (two consultants taking one ticket at once: the database lets one win), and the
unique `open_conversation` keeps one open ticket per resident, on SQLite and PostgreSQL
alike. Times are naive UTC.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.database import engine, now
from bot.desk.schema import media, messages, posts, tickets
from bot.languages import UNKNOWN

WAITING, ASSIGNED, CLOSED = "waiting", "assigned", "closed"
OPEN = (WAITING, ASSIGNED)
# Highest first: someone in danger, then the sensitive topics, then the rest.
PRIORITIES = ("urgent", "high", "normal")
# The largest photo or file passed on between platforms (Telegram lets a bot download 20 MB).
MEDIA_BYTES = 20 * 1024 * 1024
# A kept photo or file is served this many days after its ticket closed, no longer.
MEDIA_DAYS = 30


@dataclass(frozen=True)
class Ticket:
    number: int
    conversation: str
    center: str
    language: str
    topic: str | None
    priority: str
    reason: str
    status: str
    consultant: str | None
    opened_at: dt.datetime
    announced_at: dt.datetime
    taken_at: dt.datetime | None
    first_reply_at: dt.datetime | None
    closed_at: dt.datetime | None
    telegram_thread: int | None

    @classmethod
    def of(cls, row: Any) -> Ticket:
        m = row._mapping
        return cls(
            number=m["id"],
            conversation=m["conversation"],
            center=m["center"],
            language=m["language"],
            topic=m["topic"],
            priority=m["priority"],
            reason=m["reason"],
            status=m["status"],
            consultant=m["consultant"],
            opened_at=m["opened_at"],
            announced_at=m["announced_at"],
            taken_at=m["taken_at"],
            first_reply_at=m["first_reply_at"],
            closed_at=m["closed_at"],
            telegram_thread=m["telegram_thread"],
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class Message:
    ticket: int
    at: dt.datetime
    direction: str  # resident, consultant, assistant
    kind: str
    text: str
    author: str | None
    delivered: bool


@dataclass(frozen=True)
class Media:
    """A photo or file, with its bytes: what one platform's chat needs from another's."""

    kind: str  # photo, file, video, voice, audio, sticker, animation
    data: bytes
    mime: str = "application/octet-stream"
    filename: str = ""

    @property
    def is_image(self) -> bool:
        """A photo any platform shows as a picture (LINE: JPEG or PNG only)."""
        return self.kind == "photo" and self.mime in ("image/jpeg", "image/png")


class TicketStore:
    """Tickets on DATABASE_URL (the schema must be upgraded first: schema.upgrade)."""

    def __init__(self, database_url: str | sa.engine.Engine) -> None:
        self.engine = (
            database_url if isinstance(database_url, sa.engine.Engine) else engine(database_url)
        )

    # -- tickets ------------------------------------------------------------------------

    def open(
        self,
        conversation: str,
        *,
        center: str,
        language: str,
        topic: str | None,
        priority: str,
        reason: str,
        at: dt.datetime | None = None,
    ) -> tuple[Ticket, bool]:
        """The resident's open ticket, or a new one; True when it was opened now. An open
        ticket is raised to a higher priority if this one is higher (an emergency)."""
        if priority not in PRIORITIES:
            raise ValueError(f"unknown priority {priority!r}")
        at = at or now()
        try:
            with self.engine.begin() as db:
                result = db.execute(
                    tickets.insert().values(
                        conversation=conversation,
                        open_conversation=conversation,
                        center=center,
                        language=language,
                        topic=topic,
                        priority=priority,
                        reason=reason,
                        status=WAITING,
                        opened_at=at,
                        announced_at=at,
                    )
                )
                number = result.inserted_primary_key[0]
            return self.get(number), True
        except IntegrityError:
            pass  # the resident has an open ticket already
        current = self.open_for(conversation)
        if current is None:  # closed in between: try again
            return self.open(
                conversation,
                center=center,
                language=language,
                topic=topic,
                priority=priority,
                reason=reason,
                at=at,
            )
        if PRIORITIES.index(priority) < PRIORITIES.index(current.priority):
            with self.engine.begin() as db:
                db.execute(
                    tickets.update().where(tickets.c.id == current.number).values(priority=priority)
                )
            current = self.get(current.number)
        return current, False

    def get(self, number: int) -> Ticket | None:
        with self.engine.connect() as db:
            row = db.execute(tickets.select().where(tickets.c.id == number)).first()
        return Ticket.of(row) if row else None

    def open_for(self, conversation: str) -> Ticket | None:
        """The resident's open ticket, if any."""
        with self.engine.connect() as db:
            row = db.execute(
                tickets.select().where(tickets.c.open_conversation == conversation)
            ).first()
        return Ticket.of(row) if row else None

    def queue(self) -> list[Ticket]:
        """Open tickets: highest priority first, then the longest waiting."""
        order = sa.case({p: i for i, p in enumerate(PRIORITIES)}, value=tickets.c.priority)
        with self.engine.connect() as db:
            rows = db.execute(
                tickets.select()
                .where(tickets.c.status.in_(OPEN))
                .order_by(order, tickets.c.opened_at, tickets.c.id)
            ).all()
        return [Ticket.of(r) for r in rows]

    def take(self, number: int, consultant: str, at: dt.datetime | None = None) -> bool:
        """Assigns a waiting ticket; False when it is not waiting (someone was faster, it
        is closed, or there is no such ticket)."""
        with self.engine.begin() as db:
            result = db.execute(
                tickets.update()
                .where(tickets.c.id == number, tickets.c.status == WAITING)
                .values(status=ASSIGNED, consultant=consultant, taken_at=at or now())
            )
        return result.rowcount == 1

    def close(self, number: int, by: str, at: dt.datetime | None = None) -> bool:
        """Closes an open ticket; False when it was not open."""
        with self.engine.begin() as db:
            result = db.execute(
                tickets.update()
                .where(tickets.c.id == number, tickets.c.status.in_(OPEN))
                .values(status=CLOSED, open_conversation=None, closed_at=at or now(), closed_by=by)
            )
        return result.rowcount == 1

    def announced(self, number: int, at: dt.datetime | None = None) -> None:
        with self.engine.begin() as db:
            db.execute(
                tickets.update().where(tickets.c.id == number).values(announced_at=at or now())
            )

    def unseen(self, older_than: dt.timedelta, at: dt.datetime | None = None) -> list[Ticket]:
        """Waiting tickets last announced longer ago than `older_than`."""
        limit = (at or now()) - older_than
        with self.engine.connect() as db:
            rows = db.execute(
                tickets.select()
                .where(tickets.c.status == WAITING, tickets.c.announced_at <= limit)
                .order_by(tickets.c.id)
            ).all()
        return [Ticket.of(r) for r in rows]

    def claim_reminder(
        self, number: int, older_than: dt.timedelta, at: dt.datetime | None = None
    ) -> bool:
        """Takes a due reminder of a waiting ticket for this instance: one UPDATE whose
        WHERE clause lets one instance win, so that several servers remind once."""
        at = at or now()
        with self.engine.begin() as db:
            result = db.execute(
                tickets.update()
                .where(
                    tickets.c.id == number,
                    tickets.c.status == WAITING,
                    tickets.c.announced_at <= at - older_than,
                )
                .values(announced_at=at)
            )
        return result.rowcount == 1

    def set_language(self, number: int, language: str) -> bool:
        """The resident's language, learnt after the ticket opened without one (`und`);
        False when the ticket has one already."""
        with self.engine.begin() as db:
            result = db.execute(
                tickets.update()
                .where(tickets.c.id == number, tickets.c.language == UNKNOWN)
                .values(language=language)
            )
        return result.rowcount == 1

    def set_thread(self, number: int, thread: int) -> None:
        """The Telegram forum topic of the ticket."""
        with self.engine.begin() as db:
            db.execute(
                tickets.update().where(tickets.c.id == number).values(telegram_thread=thread)
            )

    def by_thread(self, thread: int) -> Ticket | None:
        with self.engine.connect() as db:
            row = db.execute(
                tickets.select()
                .where(tickets.c.telegram_thread == thread)
                .order_by(tickets.c.id.desc())
            ).first()
        return Ticket.of(row) if row else None

    def all(self, center: str | None = None) -> list[Ticket]:
        """Every ticket (of one center), oldest first: for `make report`."""
        query = tickets.select().order_by(tickets.c.id)
        if center is not None:
            query = query.where(tickets.c.center == center)
        with self.engine.connect() as db:
            return [Ticket.of(r) for r in db.execute(query).all()]

    # -- messages -----------------------------------------------------------------------

    def add_message(
        self,
        number: int,
        direction: str,
        text: str,
        *,
        kind: str = "text",
        author: str | None = None,
        delivered: bool = True,
        at: dt.datetime | None = None,
    ) -> None:
        """Keeps a relayed message; the first consultant message sets first_reply_at."""
        at = at or now()
        with self.engine.begin() as db:
            db.execute(
                messages.insert().values(
                    ticket_id=number,
                    at=at,
                    direction=direction,
                    kind=kind,
                    text=text,
                    author=author,
                    delivered=delivered,
                )
            )
            if direction == "consultant":
                db.execute(
                    tickets.update()
                    .where(tickets.c.id == number, tickets.c.first_reply_at.is_(None))
                    .values(first_reply_at=at)
                )

    def messages(self, number: int) -> list[Message]:
        with self.engine.connect() as db:
            rows = db.execute(
                messages.select()
                .where(messages.c.ticket_id == number)
                .order_by(messages.c.at, messages.c.id)
            ).all()
        return [
            Message(r.ticket_id, r.at, r.direction, r.kind, r.text, r.author, bool(r.delivered))
            for r in rows
        ]

    # -- media --------------------------------------------------------------------------

    def keep_media(self, number: int, item: Media, at: dt.datetime | None = None) -> str:
        """Keeps a photo or file of a ticket; returns the unguessable token it is served by."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as db:
            db.execute(
                media.insert().values(
                    ticket_id=number,
                    token=token,
                    at=at or now(),
                    kind=item.kind,
                    mime=item.mime,
                    filename=item.filename[:255],
                    data=item.data,
                )
            )
        return token

    def media(self, token: str, at: dt.datetime | None = None) -> Media | None:
        """A kept photo or file by its token, while its ticket is open and for MEDIA_DAYS
        after it closed (a link in a chat stops working then; RETENTION_DAYS deletes it)."""
        since = (at or now()) - dt.timedelta(days=MEDIA_DAYS)
        query = (
            sa.select(media.c.kind, media.c.data, media.c.mime, media.c.filename)
            .join(tickets, tickets.c.id == media.c.ticket_id)
            .where(
                media.c.token == token,
                sa.or_(tickets.c.closed_at.is_(None), tickets.c.closed_at >= since),
            )
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return Media(row.kind, bytes(row.data), row.mime, row.filename) if row else None

    # -- personal data ------------------------------------------------------------------

    def prune(self, days: int, at: dt.datetime | None = None) -> int:
        """Deletes tickets closed more than `days` ago, with their messages, posts and
        media (RETENTION_DAYS); returns how many tickets went. Open tickets stay."""
        limit = (at or now()) - dt.timedelta(days=days)
        old = sa.select(tickets.c.id).where(tickets.c.status == CLOSED, tickets.c.closed_at < limit)
        with self.engine.begin() as db:
            for table in (messages, posts, media):
                db.execute(table.delete().where(table.c.ticket_id.in_(old)))
            return db.execute(tickets.delete().where(tickets.c.id.in_(old))).rowcount

    # -- group posts --------------------------------------------------------------------

    def remember_post(self, number: int, platform: str, chat: str, message: str) -> None:
        """A message in a consultants' group (a card, a relayed message) of a ticket."""
        try:
            with self.engine.begin() as db:
                db.execute(
                    posts.insert().values(
                        ticket_id=number, platform=platform, chat=str(chat), message=str(message)
                    )
                )
        except IntegrityError:
            pass  # already known

    def ticket_of_post(self, platform: str, chat: str, message: str) -> Ticket | None:
        """The ticket a group message belongs to, for a reply to it."""
        with self.engine.connect() as db:
            row = db.execute(
                sa.select(posts.c.ticket_id).where(
                    posts.c.platform == platform,
                    posts.c.chat == str(chat),
                    posts.c.message == str(message),
                )
            ).first()
        return self.get(row.ticket_id) if row else None
