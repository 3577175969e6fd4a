"""The desk's tables (SQLAlchemy Core) and their migrations (Alembic, in migrations/).

- `desk_tickets`: one row a ticket; its `id` is the number consultants see (`#<n>`).
  `open_conversation` holds the conversation id while the ticket is open and NULL once it
  is closed: a unique column, so the database itself keeps one open ticket per resident.
- `desk_messages`: every message relayed either way, and the desk's own notes.
- `desk_posts`: which message in a consultants' group belongs to which ticket (a card,
  a relayed message), so that a reply to it reaches that ticket's resident.
- `desk_media`: photos and files relayed across platforms (a LINE resident's photo for
  the Telegram group, a Telegram photo for a LINE chat): LINE shows an image only from an
  HTTPS address, so the bytes are kept here and served under an unguessable `token`.

Their migrations are Alembic's, with the rest of the assistant's tables (bot/state.py).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

tickets = Table(
    "desk_tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation", String(200), nullable=False, index=True),
    Column("open_conversation", String(200), unique=True),
    Column("center", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("topic", String(64)),
    Column("priority", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("consultant", String(200)),
    Column("opened_at", DateTime, nullable=False),
    Column("announced_at", DateTime, nullable=False),
    Column("taken_at", DateTime),
    Column("first_reply_at", DateTime),
    Column("closed_at", DateTime),
    Column("closed_by", String(200)),
    Column("telegram_thread", Integer),
)

messages = Table(
    "desk_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("desk_tickets.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("direction", String(16), nullable=False),  # resident, consultant, assistant
    Column("kind", String(16), nullable=False),  # text, photo, file, ...
    Column("text", Text, nullable=False),
    Column("author", String(200)),
    Column("delivered", Boolean, nullable=False),
)

posts = Table(
    "desk_posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("desk_tickets.id"), nullable=False, index=True),
    Column("platform", String(16), nullable=False),
    Column("chat", String(128), nullable=False),
    Column("message", String(128), nullable=False),
    UniqueConstraint("platform", "chat", "message", name="uq_desk_posts_message"),
)


media = Table(
    "desk_media",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("desk_tickets.id"), nullable=False, index=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("at", DateTime, nullable=False),
    Column("kind", String(16), nullable=False),  # photo, file, video, voice, ...
    Column("mime", String(128), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
