"""At most so many messages in any so many seconds, to one chat: the consultants'
Telegram group (DESK_TELEGRAM_RATE). Telegram counts a group's messages over a minute,
whichever server sent them, so with several instances the window is kept in Redis.

- `MovingWindow`: one process's window.
- `SharedWindow`: the same window in Redis (REDIS_URL): a sorted set of send times per
  chat, checked and reserved in one Lua script on Redis's own clock, so instances on
  several machines count together. A Redis that does not answer falls back to the
  process's own window for that message (logged): consultants' messages are late at
  worst, never lost.
- `window(...)`: the shared one when REDIS_URL is set, else the process's own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from typing import Any

from bot.settings import Settings

logger = logging.getLogger(__name__)


class MovingWindow:
    """At most `count` messages in any `seconds`: a message that would be one too many
    waits until the oldest leaves the window; callers go one at a time, in order.

    A leaky bucket (aiolimiter) lets twice its rate through in a burst's first minute, and
    Telegram answers 429; `limits`, whose moving window this is, needs a newer `packaging`
    than Rasa 3.6 allows. A send counts from when it finished, so the window holds
    wherever Telegram counts it."""

    def __init__(self, count: int, seconds: float) -> None:
        self.count = count
        self.seconds = seconds
        self._sent: deque[float] = deque()
        self._turn = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self._turn.acquire()
        try:
            await self._wait()
        except BaseException:  # cancelled while waiting: the next caller's turn
            self._turn.release()
            raise

    async def _wait(self) -> None:
        while True:
            now = time.monotonic()
            while self._sent and now - self._sent[0] >= self.seconds:
                self._sent.popleft()
            if len(self._sent) < self.count:
                return
            await asyncio.sleep(self.seconds - (now - self._sent[0]))

    async def __aexit__(self, *_: Any) -> None:
        self._sent.append(time.monotonic())
        self._turn.release()


# Reserves a place in the window now, or says how long to wait (seconds); on Redis's clock.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local seconds = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - seconds)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(seconds) + 60)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + seconds - now)
"""
# A send counts from when it finished: its place moves to Redis's time now.
_FINISH = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
return 1
"""


class SharedWindow(MovingWindow):
    """The moving window of one chat, shared by every instance through Redis."""

    def __init__(self, redis_url: str, key: str, count: int, seconds: float) -> None:
        super().__init__(count, seconds)
        import redis.asyncio

        self.key = f"assistant:window:{key}"
        self._redis = redis.asyncio.from_url(
            redis_url, socket_timeout=5.0, socket_connect_timeout=5.0
        )
        self._reserve = self._redis.register_script(_RESERVE)
        self._finish = self._redis.register_script(_FINISH)
        self._member: str | None = None

    async def _wait(self) -> None:
        member = uuid.uuid4().hex
        while True:
            try:
                wait = float(await self._reserve([self.key], [self.seconds, self.count, member]))
            except Exception as error:  # noqa: BLE001 - this process's own window instead
                logger.warning(
                    "telegram: the shared send window is not reachable (%s); "
                    "counting this process's messages only",
                    type(error).__name__,
                )
                self._member = None
                await super()._wait()
                return
            if wait <= 0:
                self._member = member
                return
            await asyncio.sleep(wait)

    async def __aexit__(self, *_: Any) -> None:
        member, self._member = self._member, None
        if member is not None:
            try:
                await self._finish([self.key], [member])
            except Exception:  # noqa: BLE001 - it still counts from its start
                logger.warning("telegram: the shared send window is not reachable")
        await super().__aexit__()


def window(key: str, count: int, seconds: float) -> MovingWindow:
    """The window of a chat: shared through REDIS_URL when it is set."""
    redis_url = Settings.from_env().redis_url
    if redis_url:
        return SharedWindow(redis_url, key, count, seconds)
    return MovingWindow(count, seconds)
