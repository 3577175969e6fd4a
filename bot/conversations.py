"""Conversation ids and what is kept of conversations.

Every conversation id names its channel: `line:<LINE user id>`, `telegram:<chat id>`,
`rest:<sender>`. A channel only ever writes into its own ids, so a REST request that
claims a LINE resident's id reaches `rest:U...`, never that resident's conversation.

- `conversation_id` / `platform_id`: from a channel and a platform id, and back.
- `prefix_existing`: conversations kept by an earlier version (bare ids) get their
  channel's prefix; run at every start (`bot.run`), a no-op once done.
- `prune`: deletes conversation events and unanswered questions older than
  RETENTION_DAYS (`make prune`, and at every start when RETENTION_DAYS is set).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
import yaml

logger = logging.getLogger(__name__)

CHANNELS = ("line", "telegram", "rest")
# LINE user ids are "U" and 32 hexadecimal digits; Telegram chat ids are integers.
_LINE_USER = re.compile(r"^U[0-9a-f]{32}$")
_TELEGRAM_CHAT = re.compile(r"^-?[0-9]+$")


def conversation_id(channel: str, platform_id: str | int) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return f"{channel}:{platform_id}"


def platform_id(conversation: str) -> tuple[str, str]:
    """(channel, platform id) of a conversation id."""
    channel, _, rest = conversation.partition(":")
    if channel not in CHANNELS or not rest:
        raise ValueError(f"not a conversation id: {conversation!r}")
    return channel, rest


def channel_of_bare_id(sender: str) -> str:
    """The channel that an earlier version's bare id came from."""
    if _LINE_USER.match(sender):
        return "line"
    if _TELEGRAM_CHAT.match(sender):
        return "telegram"
    return "rest"


def tracker_store_url(endpoints: Path) -> str | None:
    """The SQLAlchemy URL of the endpoints file's SQL tracker store (Rasa's, or
    bot.stores.DatabaseTrackerStore with its `url:`), or None."""
    config = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store")
    if not isinstance(config, dict):
        return None
    if config.get("type") == "bot.stores.DatabaseTrackerStore":
        return os.path.expandvars(str(config.get("url") or "")) or None
    if str(config.get("type", "")).upper() != "SQL":
        return None
    from rasa.core.tracker_store import SQLTrackerStore

    url = SQLTrackerStore.get_db_url(
        config.get("dialect", "sqlite"),
        config.get("url"),
        config.get("port"),
        config.get("db", "rasa.db"),
        config.get("username"),
        config.get("password"),
        query=config.get("query"),
    )
    return str(url) if not isinstance(url, str) else url


@contextmanager
def _events(url: str) -> Iterator[tuple[sa.engine.Engine, sa.Table | None]]:
    """An engine on the tracker store and its `events` table (None before Rasa made it)."""
    engine = sa.create_engine(url, future=True)
    try:
        table = None
        if sa.inspect(engine).has_table("events"):
            table = sa.Table("events", sa.MetaData(), autoload_with=engine)
        yield engine, table
    finally:
        engine.dispose()


def prefix_existing(url: str) -> int:
    """Gives bare conversation ids their channel's prefix; returns how many changed."""
    with _events(url) as (engine, events):
        if events is None:
            return 0
        with engine.begin() as connection:
            bare = connection.execute(
                sa.select(events.c.sender_id).where(~events.c.sender_id.contains(":")).distinct()
            ).scalars()
            renamed = 0
            for sender in list(bare):
                new = conversation_id(channel_of_bare_id(sender), sender)
                connection.execute(
                    events.update().where(events.c.sender_id == sender).values(sender_id=new)
                )
                renamed += 1
    if renamed:
        logger.info("conversations: %d conversation ids got their channel prefix", renamed)
    return renamed


def prune(url: str, days: int, now: float | None = None) -> int:
    """Deletes conversation events older than `days`; returns how many."""
    cutoff = (time.time() if now is None else now) - days * 86400
    with _events(url) as (engine, events):
        if events is None:
            return 0
        with engine.begin() as connection:
            result = connection.execute(events.delete().where(events.c.timestamp < cutoff))
    return int(result.rowcount or 0)
