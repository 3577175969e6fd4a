"""The consultants' group's send window (bot/channels/window.py): at most `count` sends in
any `seconds`, in one process and, through Redis, across instances."""

from __future__ import annotations

import asyncio
import time
import uuid

from bot.channels.window import MovingWindow, SharedWindow, window

REDIS = "redis://127.0.0.1:6379/9"


def most_in_any(times: list[float], seconds: float) -> int:
    """The largest number of `times` inside any window of `seconds`."""
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - start < seconds) for i, start in enumerate(times))


async def send_through(limiter: MovingWindow, sent: list[float]) -> None:
    async with limiter:
        sent.append(time.monotonic())


async def test_two_instances_share_one_window() -> None:
    key = f"test:{uuid.uuid4().hex}"
    one, two = SharedWindow(REDIS, key, 3, 0.6), SharedWindow(REDIS, key, 3, 0.6)
    sent: list[float] = []
    await asyncio.gather(*(send_through((one, two)[n % 2], sent) for n in range(9)))
    assert len(sent) == 9  # every message went, none dropped
    # each alone would let 3 through in the first 0.6 s: together, only 3 (with a margin
    # for the two clocks: Redis's and this process's)
    assert most_in_any(sent, 0.5) <= 3


async def test_an_unreachable_redis_falls_back_to_the_processs_window() -> None:
    limiter = SharedWindow("redis://127.0.0.1:1/0", "test:down", 2, 0.5)
    sent: list[float] = []
    await asyncio.gather(*(send_through(limiter, sent) for _ in range(4)))
    assert len(sent) == 4 and most_in_any(sent, 0.45) <= 2


def test_the_window_is_shared_only_with_redis(monkeypatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert type(window("telegram:-1", 20, 60)) is MovingWindow
    monkeypatch.setenv("REDIS_URL", REDIS)
    assert type(window("telegram:-1", 20, 60)) is SharedWindow
