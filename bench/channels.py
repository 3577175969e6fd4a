"""Webhook-to-reply latency through LINE and Telegram, beside the plain REST channel.

The real assistant (`python -m bot.run`) runs with both channels pointed at the fake
platforms of tests/fakes.py. Twenty simulated residents talk at once, each through a
script of messages in its own language with a pause between messages (people type),
after an opening that is not measured (a LINE follow, Telegram's /start, /start on REST);
every resident plays its script over REST, LINE and Telegram at the same time, message
by message in a rotating order, so that the three channels meet the same moments of
load on this shared machine.

Latency of one message:
- REST: from the POST until the answer is back (the answer is the response body).
- LINE: from the POST of the signed webhook until the fake LINE API receives the reply.
- Telegram: from the POST of the update until the fake Bot API receives the turn's last
  message (a turn can be several sendMessage calls).
The fakes are served by the same event loop as the simulated residents, so a REST answer
and a platform call are timed on arrival by the same loop, under the same conditions.
Target: each channel's p95 at most 1.2 times REST's, and under 300 ms.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import aiohttp

from bench.tables import table
from bot.settings import ROOT
from tests import fakes, harness

MODEL = ROOT / "models" / "assistant.tar.gz"
RESIDENTS = 20
ROUNDS = 3
PAUSE = (0.5, 2.0)  # seconds a resident takes to write the next message
TARGET_RATIO, TARGET_MS = 1.2, 300.0
CHANNELS = ["rest", "line", "telegram"]
OPENING = "/start"

SCRIPTS = [
    ["hello", "I lost my residence card", "how do I join health insurance", "thanks"],
    ["こんにちは", "引っ越しの手続きを教えて", "ゴミの出し方は？", "ありがとう"],
    ["oi", "como faço pra renovar o visto", "preciso pagar imposto?", "obrigado"],
    ["xin chào", "tôi muốn gia hạn visa", "cách đóng bảo hiểm y tế", "cảm ơn"],
    ["你好", "在留卡丢了怎么办", "怎么交国民年金", "谢谢"],
    ["안녕하세요", "재류카드를 잃어버렸어요", "건강보험 가입은 어떻게 해요", "감사합니다"],
    ["hello po", "paano po mag renew ng visa", "saan po magbabayad ng tax", "salamat po"],
    ["नमस्ते", "मेरो कार्ड हरायो", "स्वास्थ्य बीमा कसरी गर्ने", "धन्यवाद"],
]


def arrival_key(call: fakes.Call) -> tuple[str, str] | None:
    """What a platform call answers: a LINE reply token or a Telegram chat."""
    if call.method == "message/reply":
        return ("line", call.body.get("replyToken", ""))
    if call.method == "sendMessage":
        return ("telegram", str(call.body.get("chat_id")))
    return None


class Arrivals:
    """What the fake platforms received, as futures the residents can wait for."""

    def __init__(self) -> None:
        self.waiting: dict[tuple[str, str], tuple[int, asyncio.Future]] = {}
        self.counts: dict[tuple[str, str], int] = defaultdict(int)
        self.totals: dict[tuple[str, str], int] = defaultdict(int)

    def expect(self, key: tuple[str, str], count: int = 1) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.counts[key] = 0
        self.waiting[key] = (count, future)
        return future

    def heard(self, call: fakes.Call) -> None:
        key = arrival_key(call)
        if key is None or call.status != 200:
            return
        self.totals[key] += 1
        if key not in self.waiting:
            return
        self.counts[key] += 1
        count, future = self.waiting[key]
        if self.counts[key] >= count and not future.done():
            del self.waiting[key]
            future.set_result(call.at)


class Bench:
    def __init__(self, base: str, platforms: fakes.FakePlatforms) -> None:
        self.base = base
        self.platforms = platforms
        self.session: aiohttp.ClientSession | None = None
        self.arrivals: Arrivals | None = None
        self.telegram_counts: dict[tuple[int, int], int] = {}
        self._update = 1_000_000

    async def rest(self, resident: str, text: str) -> float:
        start = time.monotonic()
        async with self.session.post(
            f"{self.base}/webhooks/rest/webhook",
            json={"sender": resident, "message": text},
            headers=harness.AUTH,
        ) as response:
            await response.read()
            assert response.status == 200
        return time.monotonic() - start

    async def line(self, resident: str, text: str | None, kind: str = "message") -> float:
        event = fakes.line_event(resident, text, kind=kind)
        done = self.arrivals.expect(("line", event["replyToken"]))
        start = time.monotonic()
        assert await post_webhook(self.session, self.base, "line", fakes.line_body(event)) == 200
        return await asyncio.wait_for(done, 30) - start

    async def telegram(self, chat: int, text: str, messages: int) -> float:
        self._update += 1
        update = fakes.telegram_message(chat, text, update_id=self._update)
        done = self.arrivals.expect(("telegram", str(chat)), messages)
        start = time.monotonic()
        await post_telegram(self.session, self.base, update)
        return await asyncio.wait_for(done, 30) - start

    async def count_telegram_messages(self, script: list[str], chat: int) -> list[int]:
        """How many messages each step of a script gets on Telegram (the assistant is
        deterministic: the same script gets the same answers)."""
        await self.telegram(chat, OPENING, 1)
        await asyncio.sleep(0.5)
        counts = []
        for text in script:
            before = self.arrivals.totals[("telegram", str(chat))]
            await self.telegram(chat, text, 1)
            await asyncio.sleep(0.5)  # the rest of the turn
            counts.append(self.arrivals.totals[("telegram", str(chat))] - before)
        return counts

    async def say(self, channel: str, n: int, round_: int, text: str, messages: int) -> float:
        """One message of resident `n` through a channel; its latency in seconds."""
        if channel == "rest":
            return await self.rest(f"rest-{round_}-{n}", text)
        if channel == "line":
            user = f"U{round_:02d}{n:030d}"
            if text == OPENING:
                return await self.line(user, None, kind="follow")
            return await self.line(user, text)
        return await self.telegram(5_000_000 + round_ * 1000 + n, text, messages)

    async def resident(self, n: int, round_: int, counts: list[int]) -> dict[str, list[float]]:
        """Resident `n` plays its script on all three channels, message by message in a
        rotating order, so that every channel meets the same moments of load."""
        script = SCRIPTS[n % len(SCRIPTS)]
        pauses = random.Random(n * 100 + round_)
        latencies: dict[str, list[float]] = defaultdict(list)
        await asyncio.sleep(pauses.uniform(0, PAUSE[1]))  # residents do not start in step
        # The opening, not measured: LINE residents add the account as a friend first,
        # Telegram residents press Start; REST gets the same /start.
        for channel in CHANNELS:
            await self.say(channel, n, round_, OPENING, 1)
            await asyncio.sleep(pauses.uniform(*PAUSE))
        for step, text in enumerate(script):
            shift = (n + step) % len(CHANNELS)
            for channel in CHANNELS[shift:] + CHANNELS[:shift]:
                latency = await self.say(channel, n, round_, text, counts[step])
                latencies[channel].append(latency)
                await asyncio.sleep(pauses.uniform(*PAUSE))
        return latencies

    async def run(self) -> dict[str, list[float]]:
        self.arrivals = Arrivals()
        self.platforms.on_call = self.arrivals.heard
        await self.platforms.serve()
        results: dict[str, list[float]] = defaultdict(list)
        connector = aiohttp.TCPConnector(limit=100)
        async with aiohttp.ClientSession(connector=connector) as self.session:
            counts = [
                await self.count_telegram_messages(script, 4_000_000 + i)
                for i, script in enumerate(SCRIPTS)
            ]
            for warm in range(len(SCRIPTS)):  # warm the REST and LINE paths too
                await self.rest(f"warm-{warm}", SCRIPTS[warm][1])
                await self.line(f"Uwarm{warm:028d}", SCRIPTS[warm][1])
            for round_ in range(ROUNDS):
                runs = await asyncio.gather(
                    *(self.resident(n, round_, counts[n % len(SCRIPTS)]) for n in range(RESIDENTS))
                )
                for run in runs:
                    for channel, values in run.items():
                        results[channel].extend(values)
        await self.platforms.close()
        return results


async def post_webhook(session: aiohttp.ClientSession, base: str, channel: str, body: bytes) -> int:
    """Posts a webhook body to the assistant as the platform does (LINE signs it, Telegram
    sends the webhook secret); the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if channel == "line":
        headers["X-Line-Signature"] = fakes.line_signature(body)
    else:
        headers["X-Telegram-Bot-Api-Secret-Token"] = fakes.TELEGRAM_SECRET
    async with session.post(
        f"{base}/webhooks/{channel}/webhook", data=body, headers=headers
    ) as response:
        await response.read()
        return response.status


async def post_telegram(session: aiohttp.ClientSession, base: str, update: dict) -> None:
    """Sends an update to the assistant's Telegram webhook as Telegram does."""
    assert await post_webhook(session, base, "telegram", json.dumps(update).encode()) == 200


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run() -> bool:
    print("\n== Channels: webhook-to-reply latency, 20 residents at once ==")
    if not MODEL.exists():
        print("no trained model: run `make train` first")
        return False
    platforms = fakes.FakePlatforms()  # served by the benchmark's own loop, below
    tmp = Path(tempfile.mkdtemp(prefix="bench-channels-"))
    process, base, _ = harness.start(tmp, "miyagi", harness.channel_env(platforms))
    try:
        results = asyncio.run(Bench(base, platforms).run())
    finally:
        harness.stop(process)
    rest_p95 = percentile(results["rest"], 0.95)
    rows, met = [], True
    for channel in ("rest", "line", "telegram"):
        values = results[channel]
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        ratio = p95 / (rest_p95 * 1000)
        ok = channel == "rest" or (ratio <= TARGET_RATIO and p95 < TARGET_MS)
        met &= ok
        rows.append(
            [
                channel if channel != "rest" else "REST (baseline)",
                len(values),
                f"{p50:.0f}",
                f"{p95:.0f}",
                f"{max(values) * 1000:.0f}",
                f"{statistics.mean(values) * 1000:.0f}",
                "1.00" if channel == "rest" else f"{ratio:.2f}",
                "" if channel == "rest" else ("met" if ok else "NOT met"),
            ]
        )
    print(
        f"{RESIDENTS} residents at once, each writing {len(SCRIPTS[0])} messages on every "
        f"channel in turn, {PAUSE[0]}-{PAUSE[1]} s apart; {ROUNDS} rounds; fake platforms "
        "on loopback."
    )
    print(
        table(
            ["channel", "messages", "p50 ms", "p95 ms", "max ms", "mean ms", "p95/REST", "target"],
            rows,
        )
    )
    print(f"Target: p95 at most {TARGET_RATIO} x REST's and under {TARGET_MS:.0f} ms.")
    return met


if __name__ == "__main__":
    run()
