"""The consultant desk's latency, beside the assistant's own answers in the same run.

The real assistant runs with a consultants' Telegram group on the fake platforms. Twenty
Telegram residents at once, each: asks three guidebook questions (the assistant's answer,
until its first message arrives: the baseline), asks for a consultant (the ticket, not measured), then writes three messages,
0.5-2 s apart (resident -> group: from the POST of the update until the fake Bot API gets
the relay `#n` + text); a consultant answers each with `/reply <n> <text>` (consultant ->
resident: from the POST of the group update until the resident's chat gets the reply).
DESK_TELEGRAM_RATE is raised for the run, so that Telegram's real per-group limit
(about 20 a minute, which the desk respects by queueing) does not stand in for the desk's
own latency. Target: p95 of both at most 1.2 times the assistant's answer p95.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.channels import MODEL, percentile, post_telegram
from bench.tables import table
from tests import fakes, harness

RESIDENTS = 20
MESSAGES = 3
PAUSE = (0.5, 2.0)
GROUP = -1008000000001
TARGET_RATIO = 1.2
QUESTIONS = ["how do I renew my visa", "where do I pay resident tax", "garbage day?"]


class DeskBench:
    def __init__(self, base: str, platforms: fakes.FakePlatforms) -> None:
        self.base = base
        self.platforms = platforms
        self.session: aiohttp.ClientSession | None = None
        self.waiting: dict[tuple[int, str], asyncio.Future] = {}
        self.tickets: dict[int, int] = {}
        self._update = 3_000_000

    def heard(self, call: fakes.Call) -> None:
        if call.method != "sendMessage" or call.status != 200:
            return
        key = (int(call.body["chat_id"]), call.body.get("text") or "")
        for (chat, wanted), future in list(self.waiting.items()):
            if chat == key[0] and wanted in key[1] and not future.done():
                del self.waiting[(chat, wanted)]
                future.set_result(call.at)

    async def post(self, update: dict) -> None:
        await post_telegram(self.session, self.base, update)

    async def timed(self, update: dict, chat: int, wanted: str) -> float:
        done = asyncio.get_running_loop().create_future()
        self.waiting[(chat, wanted)] = done
        start = time.monotonic()
        await self.post(update)
        return await asyncio.wait_for(done, 60) - start

    def update(self, chat: int, text: str) -> dict:
        self._update += 1
        return fakes.telegram_message(chat, text, update_id=self._update)

    async def resident(self, n: int) -> dict[str, list[float]]:
        chat = 6_000_000 + n
        pauses = random.Random(n)
        out: dict[str, list[float]] = {"assistant": [], "to group": [], "to resident": []}
        await asyncio.sleep(pauses.uniform(0, PAUSE[1]))
        await self.timed(self.update(chat, "hello"), chat, "")
        for question in QUESTIONS:
            await asyncio.sleep(pauses.uniform(*PAUSE))
            out["assistant"].append(await self.timed(self.update(chat, question), chat, ""))
        await asyncio.sleep(pauses.uniform(*PAUSE))
        done = asyncio.get_running_loop().create_future()
        self.waiting[(chat, "#")] = done
        await self.post(self.update(chat, "/human"))
        await asyncio.wait_for(done, 60)
        told = [
            c for c in self.platforms.calls_to("sendMessage", chat_id=chat) if "#" in c.body["text"]
        ]
        number = int(told[-1].body["text"].split("#")[1].split()[0].rstrip(".。"))
        for m in range(MESSAGES):
            await asyncio.sleep(pauses.uniform(*PAUSE))
            text = f"resident {n} message {m}"
            out["to group"].append(
                await self.timed(self.update(chat, text), GROUP, f"#{number}\n{text}")
            )
            await asyncio.sleep(pauses.uniform(*PAUSE))
            reply = f"consultant answer {n}.{m}"
            update = fakes.telegram_group_message(GROUP, f"/reply {number} {reply}")
            self._update += 1
            update["update_id"] = self._update
            out["to resident"].append(await self.timed(update, chat, reply))
        return out

    async def run(self) -> dict[str, list[float]]:
        self.platforms.on_call = self.heard
        await self.platforms.serve()
        results: dict[str, list[float]] = {"assistant": [], "to group": [], "to resident": []}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as self.session:
            await self.resident(99)  # warm every path once
            for run in await asyncio.gather(*(self.resident(n) for n in range(RESIDENTS))):
                for key, values in run.items():
                    results[key].extend(values)
        await self.platforms.close()
        return results


def run() -> bool:
    print("\n== Consultant desk: relay latency beside the assistant's answers ==")
    if not MODEL.exists():
        print("no trained model: run `make train` first")
        return False
    platforms = fakes.FakePlatforms()
    tmp = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    env = {
        **harness.channel_env(platforms),
        "CONSULTANT_TELEGRAM_CHAT_ID": str(GROUP),
        "DESK_TELEGRAM_RATE": "600/60",
    }
    process, base, _ = harness.start(tmp, "miyagi", env)
    try:
        results = asyncio.run(DeskBench(base, platforms).run())
    finally:
        harness.stop(process)
    base_p95 = percentile(results["assistant"], 0.95)
    rows, met = [], True
    for key, label in (
        ("assistant", "assistant's answer (baseline)"),
        ("to group", "resident -> consultants' group"),
        ("to resident", "consultant -> resident"),
    ):
        values = results[key]
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        ratio = p95 / base_p95
        ok = key == "assistant" or ratio <= TARGET_RATIO
        met &= ok
        rows.append(
            [
                label,
                len(values),
                f"{p50 * 1000:.0f}",
                f"{p95 * 1000:.0f}",
                "1.00" if key == "assistant" else f"{ratio:.2f}",
                "" if key == "assistant" else ("met" if ok else "NOT met"),
            ]
        )
    print(
        f"{RESIDENTS} Telegram residents at once, {MESSAGES} messages each way, "
        f"{PAUSE[0]}-{PAUSE[1]} s apart; fake platforms on loopback."
    )
    print(table(["path", "messages", "p50 ms", "p95 ms", "p95/assistant", "target"], rows))
    print(f"Target: p95 at most {TARGET_RATIO} x the assistant's: {'met' if met else 'NOT met'}")
    return met
