"""Rasa's own stores, configured by URL, for several Rasa servers serving the same
residents (`DEPLOYMENT=cluster`, endpoints.cluster.yml; README "Several instances").

- `DatabaseTrackerStore`: Rasa's SQLTrackerStore on DATABASE_URL (PostgreSQL in a
  cluster), so every instance reads and writes one conversation state. Rasa's SQL
  tracker store takes a dialect, host, port, database and user separately; here they
  come from the one URL the rest of the assistant uses, and every connection gets the
  same timeouts as the assistant's own tables (bot.database).
- `RedisLocks`: Rasa's RedisLockStore on REDIS_URL, so that two instances never handle
  one conversation's messages at the same time.

Rasa loads both by their module path (`type: bot.stores.DatabaseTrackerStore`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

import sqlalchemy as sa
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.utils.endpoints import EndpointConfig

from bot.database import connect_args

# How long a Redis command may take before it fails (seconds).
REDIS_TIMEOUT = 5.0


class DatabaseTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on one SQLAlchemy URL (`url:` in the endpoints file)."""

    def __init__(self, domain: Any = None, host: str | None = None, **kwargs: Any) -> None:
        if not host:
            raise ValueError("DatabaseTrackerStore needs `url:` (DATABASE_URL)")
        url = sa.engine.make_url(host)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "",
            username=url.username,
            password=url.password,
            query=dict(url.query) or None,
            **kwargs,
        )
        limits = connect_args(url)
        if limits:  # the same engine, with time limits on connecting and on each statement
            engine_kwargs = create_engine_kwargs(self.engine.url)
            given = engine_kwargs.setdefault("connect_args", {})
            options = " ".join(filter(None, [given.get("options"), limits.pop("options")]))
            given.update(limits, options=options)
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, **engine_kwargs)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def redis_arguments(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments from a redis:// or rediss:// URL."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise ValueError("REDIS_URL must be redis://host:port/db or rediss://...")
    path = parsed.path.strip("/")
    return {
        "host": parsed.hostname,
        "port": parsed.port or 6379,
        "db": int(path) if path else 0,
        "username": unquote(parsed.username) if parsed.username else None,
        "password": unquote(parsed.password) if parsed.password else None,
        "use_ssl": parsed.scheme == "rediss",
        "socket_timeout": REDIS_TIMEOUT,
    }


class RedisLocks(RedisLockStore):
    """Rasa's Redis lock store on one URL (`url:` in the endpoints file: REDIS_URL)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        arguments = redis_arguments(str(endpoint_config.url or ""))
        prefix = endpoint_config.kwargs.get("key_prefix")
        super().__init__(key_prefix=prefix, **arguments)
