"""`make load`: many residents at once on LINE and Telegram, and what reached them.

The real assistant (tests/harness.py `start`) runs with both channels pointed at the fake
platforms of tests/fakes.py, served by this process's event loop. N residents, half on
LINE and half on Telegram, each in one of the nine answered languages, write M messages
each: a greeting (Easy Japanese residents choose their language with `/lang ja-easy`),
guidebook questions drawn from the held-out sets (bench/data/nlu_heldout/: written apart
from the training data, in residents' own words) and a thank-you. People do not wait for
an answer before writing on: a resident's messages follow each other after a random pause
(PAUSE), sometimes two within 100 ms (QUICK), whatever has been answered, so the order of
one resident's answers really is at stake. A resident's next message is posted once the
platform's previous webhook call got its 200 (as the platforms deliver one chat's
messages), never later than that. The residents' starts are spread so that together they
offer `--rate` messages a second all through the run, with no peak in the middle (`plan`).

Every message has an identity: its platform id (LINE's webhookEventId, Telegram's
update_id), which Rasa keeps with the resident's words (`message_id` in the tracker). After
the run, each resident's tracker says what the assistant answered to which message; the
answer is rendered as the channel renders it (bot.channels.line / telegram `render`: LINE
in calls of up to five messages, Telegram one message a call) and matched with what the
fake platforms received: a LINE reply by its reply token (single-use: the fake refuses a
second use), a LINE push and a Telegram message by the resident and the texts (`score`).

Measured per message: latency from the webhook POST until the platform received the
answer's last call; lost (not all of it arrived by `--deadline` seconds after the last
send); answered twice (more calls than the answer has: a second reply refused by the fake
is listed apart, as the resident never sees it); out of order (part of the answer arrived
before an earlier message of the same resident was fully answered). The run ends once
every kept webhook event is done and every reply delivered (the channels' health:
`backlog`, `waiting` and `undelivered` 0 on every instance), or at the deadline.

`--instances 2` measures twice in one run, with the same residents and seed: once as
`make run` starts the assistant (one instance: SQLite, Rasa's in-memory lock store), then
two instances (DEPLOYMENT=cluster: one tracker store on a fresh PostgreSQL database,
Rasa's Redis lock store, the durable intake shared), each with its own action server,
behind a small round-robin proxy (`RoundRobin`), so that one resident's messages land on
both instances.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.channels import MODEL, percentile, post_webhook
from bench.nlu import load_heldout
from bench.tables import table
from bot.channels import line as line_channel
from bot.channels import telegram as telegram_channel
from bot.channels.base import TurnCollector
from bot.conversations import conversation_id
from bot.languages import ANSWERED
from tests import fakes, harness
from tests.databases import POSTGRES, postgres_database

PAUSE = (0.5, 4.0)  # seconds between two messages of a resident
QUICK = (0.02, 0.1)  # ... when the next follows at once
QUICK_SHARE = 0.15  # how often it does
START_STEP = 0.25  # seconds: the grid of the residents' starts (`plan`)
RATE = 25.0  # messages a second all residents offer together (about): over the target 20
DEADLINE = 60.0  # seconds after the last send: what has not arrived by then is lost
POLL = 0.2  # seconds between two looks at the channels' health, once all is sent
REDIS_DB = 5  # the lock store's Redis database for two instances (tests use 0)
TARGETS = {"throughput": 20.0, "p95": 1.0}  # messages a second, seconds (README "Load")

# The resident's app language, as the platforms send it (LINE profile, Telegram
# language_code): the assistant's hint for an unclear first message.
LOCALES = {
    "ja": "ja",
    "ja-easy": "ja",
    "en": "en-US",
    "zh": "zh-Hans",
    "ko": "ko",
    "pt": "pt-BR",
    "tl": "fil",
    "vi": "vi",
    "ne": "ne",
}
OPENINGS = {
    "ja": ["こんにちは", "はじめまして", "こんばんは"],
    "ja-easy": ["/lang ja-easy"],  # Easy Japanese is chosen, never detected
    "en": ["hello", "hi there", "good evening"],
    "zh": ["你好", "您好"],
    "ko": ["안녕하세요", "안녕하세요!"],
    "pt": ["oi", "olá, boa tarde"],
    "tl": ["hello po", "magandang araw po"],
    "vi": ["xin chào", "chào bạn"],
    "ne": ["नमस्ते", "namaste"],
}
THANKS = {
    "ja": ["ありがとうございます", "ありがとう"],
    "ja-easy": ["ありがとう"],
    "en": ["thanks", "thank you so much"],
    "zh": ["谢谢", "谢谢你"],
    "ko": ["감사합니다", "고마워요"],
    "pt": ["obrigado", "obrigada!"],
    "tl": ["salamat po", "maraming salamat po"],
    "vi": ["cảm ơn", "cảm ơn nhiều"],
    "ne": ["धन्यवाद", "dhanyabad"],
}

Unit = tuple[str, ...]  # the texts of one platform call: a LINE reply or push, one sendMessage


# -- the residents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    """One simulated resident: where they write, in which language, what and when."""

    number: int
    channel: str  # "line" or "telegram"
    language: str
    platform_id: str  # LINE user id, Telegram chat id
    texts: tuple[str, ...]
    at: tuple[float, ...]  # seconds after the start at which each text is sent (at the earliest)

    @property
    def conversation(self) -> str:
        return conversation_id(self.channel, self.platform_id)

    @property
    def locale(self) -> str:
        return LOCALES[self.language]


def questions() -> dict[str, list[str]]:
    """The held-out guidebook questions of every answered language (Easy Japanese
    residents write Japanese)."""
    pools: dict[str, list[str]] = defaultdict(list)
    for language, label, text in load_heldout():
        if label.startswith("faq/"):
            pools[language].append(text)
    return {language: pools[language.split("-")[0]] for language in ANSWERED}


def script(rng: random.Random, language: str, messages: int, pool: list[str]) -> list[str]:
    """What one resident writes: a greeting, questions, a thank-you (as many as fit)."""
    if messages == 1:
        return [rng.choice(pool)]
    middle = rng.sample(pool, max(0, messages - 2))
    closing = [rng.choice(THANKS[language])] if messages > 2 else [rng.choice(pool)]
    return [rng.choice(OPENINGS[language]), *middle, *closing]


def plan(count: int, messages: int, seed: int, rate: float = RATE) -> list[Resident]:
    """The residents of a run, the same for the same arguments: every other one on LINE,
    the languages in turn on both platforms, each with its own pauses (`gap`). Their
    starts are then chosen so that together they offer `rate` messages a second all
    through the run, as the residents of a city do, with no peak in the middle: the
    longest-writing first, each where the seconds it writes in are the least busy so far."""
    rng = random.Random(seed)
    pools = questions()
    drafts = []  # (number, channel, language, id, texts, times from its own start)
    for n in range(count):
        channel = "line" if n % 2 == 0 else "telegram"
        language = ANSWERED[(n // 2) % len(ANSWERED)]
        platform_id = f"U{seed % 2**32:08x}{n:024x}" if channel == "line" else str(7 * 10**8 + n)
        texts = tuple(script(rng, language, messages, pools[language]))
        at = [0.0]
        for _ in texts[1:]:
            at.append(at[-1] + gap(rng))
        drafts.append((n, channel, language, platform_id, texts, at))
    length = count * messages / rate  # seconds the offer lasts
    busy = [0] * (math.ceil(length + PAUSE[1] * messages) + 1)  # messages in each second
    residents = []
    for n, channel, language, pid, texts, at in sorted(drafts, key=lambda d: -d[5][-1]):
        starts = [k * START_STEP for k in range(int(max(0.0, length - at[-1]) / START_STEP) + 1)]
        start = min(starts, key=lambda start: sum(busy[int(start + t)] for t in at))
        start += rng.uniform(0, START_STEP)
        for t in at:
            busy[int(start + t)] += 1
        residents.append(Resident(n, channel, language, pid, texts, tuple(start + t for t in at)))
    return sorted(residents, key=lambda r: r.number)


def gap(rng: random.Random) -> float:
    """Seconds between two messages of a resident (PAUSE; now and then QUICK)."""
    return rng.uniform(*QUICK) if rng.random() < QUICK_SHARE else rng.uniform(*PAUSE)


def planned_rate(residents: list[Resident]) -> float:
    """Messages a second the plan offers, from its first send to its last."""
    times = [t for r in residents for t in r.at]
    return len(times) / (max(times) - min(times)) if len(times) > 1 else 0.0


def busiest(residents: list[Resident], window: float = 2.0) -> float:
    """Messages a second the plan offers in its busiest `window` seconds."""
    times = sorted(t for r in residents for t in r.at)
    most = max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)
    return most / window


# -- what was sent and what arrived, and how they are matched ---------------------------


@dataclass(frozen=True)
class Sent:
    """One message a resident sent."""

    conversation: str
    index: int  # its place among the resident's messages
    key: str  # its platform id (LINE webhookEventId, Telegram update_id): Rasa's message_id
    token: str | None  # LINE's reply token
    at: float  # when its webhook POST started
    status: int = 200  # what the webhook answered (after the platform's own retries)


@dataclass(frozen=True)
class Received:
    """One call the fake platforms received that carries an answer."""

    conversation: str | None  # None: a LINE reply (its token says whose)
    token: str | None  # LINE reply token (replies only)
    texts: Unit
    at: float
    status: int = 200


def received_from(call: fakes.Call) -> Received | None:
    """The answer a fake platform call carries, if it carries one."""
    if call.method == "message/reply":
        texts = tuple(m.get("text", "") for m in call.body.get("messages") or [])
        return Received(None, call.body.get("replyToken"), texts, call.at, call.status)
    if call.method == "message/push":
        texts = tuple(m.get("text", "") for m in call.body.get("messages") or [])
        to = conversation_id("line", call.body.get("to", ""))
        return Received(to, None, texts, call.at, call.status)
    if call.method == "sendMessage":
        to = conversation_id("telegram", call.body.get("chat_id", ""))
        return Received(to, None, (call.body.get("text") or "",), call.at, call.status)
    return None


@dataclass
class Outcome:
    """What `score` found: answered messages and their latencies, and every problem."""

    sent: list[Sent]
    latencies: dict[str, float] = field(default_factory=dict)  # message key -> seconds
    lost: list[tuple[Sent, str]] = field(default_factory=list)  # and why
    twice: list[tuple[Sent, int]] = field(default_factory=list)  # and how many calls too many
    out_of_order: list[tuple[Sent, Sent]] = field(default_factory=list)  # and the earlier one
    unmatched: list[Received] = field(default_factory=list)  # matches no message
    refused: list[Received] = field(default_factory=list)  # the platform refused the call
    different: list[tuple[Sent, Unit]] = field(default_factory=list)  # by token, other texts
    first_send: float = 0.0
    last_send: float = 0.0
    last_answer: float = 0.0

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def offered(self) -> float:
        span = self.last_send - self.first_send
        return len(self.sent) / span if span > 0 else 0.0

    @property
    def throughput(self) -> float:
        span = self.last_answer - self.first_send
        return self.answered / span if span > 0 else 0.0


def score(sent: list[Sent], received: list[Received], expected: dict[str, list[Unit]]) -> Outcome:
    """Matches what arrived with what was sent. `expected`: each message's answer as the
    platform receives it, call by call (from the tracker, `answers`).

    A LINE reply belongs to the message of its token. A push or a Telegram message
    belongs to the earliest message of that resident whose answer still lacks it; when
    none lacks it, it is one call too many (answered twice) of the first that has it; when
    no message of the resident has it, it is unmatched (an apology, a refusal...). A
    message the tracker has no answer to is lost, whatever came instead."""
    outcome = Outcome(sent)
    if not sent:
        return outcome
    outcome.first_send = min(s.at for s in sent)
    outcome.last_send = max(s.at for s in sent)
    by_token = {s.token: s for s in sent if s.token}
    by_conversation: dict[str, list[Sent]] = defaultdict(list)
    for s in sorted(sent, key=lambda s: s.index):
        by_conversation[s.conversation].append(s)
    need = {s.key: Counter(expected.get(s.key, [])) for s in sent}
    got: dict[str, Counter[Unit]] = {s.key: Counter() for s in sent}
    arrivals: dict[str, list[float]] = defaultdict(list)  # calls that count toward the answer
    extra: Counter[str] = Counter()
    for r in sorted(received, key=lambda r: r.at):
        owner = by_token.get(r.token) if r.token else None
        if (owner is None) if r.token else (r.conversation not in by_conversation):
            continue  # another conversation's (the warm-up's)
        if r.status != 200:
            outcome.refused.append(r)
            continue
        unit = r.texts
        if owner is None:
            candidates = [s for s in by_conversation[r.conversation] if need[s.key][unit]]
            lacking = [s for s in candidates if got[s.key][unit] < need[s.key][unit]]
            if not candidates:
                outcome.unmatched.append(r)
                continue
            owner = (lacking or candidates)[0]
        elif not need[owner.key][unit]:  # the token says whose it is: the texts differ
            outcome.different.append((owner, unit))
            missing = [u for u in need[owner.key] if got[owner.key][u] < need[owner.key][u]]
            if not missing:  # nothing of the answer it can stand for (an apology)
                continue
            unit = missing[0]
        if got[owner.key][unit] >= need[owner.key][unit]:
            extra[owner.key] += 1
            continue
        got[owner.key][unit] += 1
        arrivals[owner.key].append(r.at)
    for s in sent:
        if extra[s.key]:
            outcome.twice.append((s, extra[s.key]))
        if not need[s.key]:
            why = f"webhook HTTP {s.status}" if s.status != 200 else "no answer in the tracker"
            outcome.lost.append((s, why))
        elif got[s.key] != need[s.key]:
            parts = sum(got[s.key].values())
            outcome.lost.append((s, f"{parts} of {sum(need[s.key].values())} calls arrived"))
        else:
            outcome.latencies[s.key] = max(arrivals[s.key]) - s.at
            outcome.last_answer = max(outcome.last_answer, max(arrivals[s.key]))
    for messages in by_conversation.values():
        for k, later in enumerate(messages):
            if not arrivals[later.key]:
                continue
            first = min(arrivals[later.key])
            earlier = [s for s in messages[:k] if arrivals[s.key] and max(arrivals[s.key]) > first]
            if earlier:
                outcome.out_of_order.append((later, earlier[0]))
    return outcome


def units(channel: str, collector: TurnCollector) -> list[Unit]:
    """A turn as the platform receives it, call by call (the channel's own rendering)."""
    if channel == "line":
        texts = [m.text for m in line_channel.render(collector.messages)]
        size = line_channel.MESSAGES_PER_CALL
        return [tuple(texts[i : i + size]) for i in range(0, len(texts), size)]
    return [(text,) for text, _ in telegram_channel.render(collector.messages)]


async def answers(channel: str, events: list[dict[str, Any]]) -> dict[str, list[list[Unit]]]:
    """What the assistant answered to each message of a tracker (its message_id), as the
    platform receives it; a message handled twice has two answers."""
    turns: list[tuple[str, TurnCollector]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append((str(event.get("message_id")), TurnCollector(channel)))
        elif event.get("event") == "bot" and turns:
            message = {"text": event.get("text"), **(event.get("data") or {})}
            await turns[-1][1].send_response("", message)
    found: dict[str, list[list[Unit]]] = defaultdict(list)
    for key, collector in turns:
        found[key].append(units(channel, collector))
    return found


# -- two instances behind one address ------------------------------------------------------


class RoundRobin:
    """A small HTTP proxy: each request goes to the next instance in turn, as a load
    balancer without sticky sessions sends the platforms' webhook calls."""

    FORWARDED = ("Content-Type", "X-Line-Signature", "X-Telegram-Bot-Api-Secret-Token")

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._next: Iterator[str] = itertools.cycle(backends)
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = fakes.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.sent: Counter[str] = Counter()  # requests per instance

    async def start(self) -> RoundRobin:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()
        if self._session:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        backend = next(self._next)
        self.sent[backend] += 1
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k in self.FORWARDED}
        async with self._session.request(
            request.method, backend + request.path_qs, data=body, headers=headers
        ) as answer:
            payload = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k == "Content-Type"}
            return web.Response(body=payload, status=answer.status, headers=kept)


# -- one measurement -----------------------------------------------------------------------


class Load:
    """Plays the residents against running instances and scores what arrived."""

    def __init__(
        self,
        bases: list[str],
        platforms: fakes.FakePlatforms,
        residents: list[Resident],
        deadline: float = DEADLINE,
        groups: tuple[int, ...] = (),
    ) -> None:
        self.bases = bases
        self.groups = groups  # the instances' process groups, for their CPU time
        self.platforms = platforms
        self.residents = residents
        self.deadline = deadline
        self.session: aiohttp.ClientSession | None = None
        self.entry = bases[0]  # where the platforms post: the instance, or the proxy
        self.sent: list[Sent] = []
        self.received: list[Received] = []
        self._update = 8_000_000

    def heard(self, call: fakes.Call) -> None:
        found = received_from(call)
        if found is not None:
            self.received.append(found)

    def event(self, resident: Resident, text: str) -> tuple[bytes, str, str | None]:
        """A message as its platform posts it: the body, its platform id, its reply token."""
        if resident.channel == "line":
            event = fakes.line_event(resident.platform_id, text)
            return fakes.line_body(event), event["webhookEventId"], event["replyToken"]
        self._update += 1
        update = fakes.telegram_message(
            int(resident.platform_id), text, update_id=self._update, language_code=resident.locale
        )
        return json.dumps(update).encode(), str(self._update), None

    async def post(self, channel: str, body: bytes) -> int:
        """A webhook call; sent again after a second when it is refused, as the platforms
        do (at most three times here)."""
        for _ in range(3):
            status = await post_webhook(self.session, self.entry, channel, body)
            if status == 200:
                break
            await asyncio.sleep(1.0)
        return status

    async def play(self, resident: Resident, start: float, record: bool = True) -> None:
        """A resident's messages, each at its time or right after the previous was taken."""
        for index, (text, at) in enumerate(zip(resident.texts, resident.at, strict=True)):
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            body, key, token = self.event(resident, text)
            began = time.monotonic()
            status = await self.post(resident.channel, body)
            if record:
                self.sent.append(Sent(resident.conversation, index, key, token, began, status))

    async def settled(self, until: float) -> bool:
        """Waits until every kept webhook event is done and every reply delivered, on
        every instance (the channels' health: nothing in the backlog, nothing waiting,
        nothing undelivered in the outbox), or `until`; whether it was."""
        while time.monotonic() < until:
            pending = 0
            for base in self.bases:
                for channel in ("line", "telegram"):
                    async with self.session.get(f"{base}/webhooks/{channel}/") as response:
                        health = await response.json()
                    for count in ("backlog", "waiting", "undelivered"):
                        value = health.get(count)
                        pending += 1 if value is None else value  # None: no database
            if pending == 0:
                return True
            await asyncio.sleep(POLL)
        return False

    async def warm_up(self) -> None:
        """One resident per language and platform, two messages each, one at a time and
        not measured: the model and every path of both channels have run once."""
        warm = [
            Resident(
                n,
                r.channel,
                r.language,
                f"U{'f' * 8}{n:024x}" if r.channel == "line" else str(9 * 10**8 + n),
                r.texts[:2],
                (0.0, 0.0),
            )
            for n, r in enumerate(self.residents[: 2 * len(ANSWERED)])
        ]
        for resident in warm:
            self.platforms.profiles[resident.platform_id] = resident.locale
        for step in range(2):
            one = [replace(r, texts=r.texts[step : step + 1], at=(0.0,)) for r in warm]
            await asyncio.gather(*(self.play(r, time.monotonic(), record=False) for r in one))
            await self.settled(time.monotonic() + self.deadline)

    async def trackers(self) -> dict[str, dict[str, list[list[Unit]]]]:
        """Each resident's tracker: its messages' answers, in the order they were taken."""
        found = {}
        for resident in self.residents:
            url = f"{self.bases[-1]}/conversations/{resident.conversation}/tracker"
            async with self.session.get(url, headers=harness.AUTH) as response:
                events = (await response.json()).get("events") or []
            found[resident.conversation] = await answers(resident.channel, events)
        return found

    async def run(self, proxy: bool = False) -> tuple[Outcome, dict[str, Any]]:
        self.platforms.on_call = self.heard
        await self.platforms.serve()
        balancer = await RoundRobin(self.bases).start() if proxy else None
        if balancer:
            self.entry = balancer.base_url
        for resident in self.residents:
            if resident.channel == "line":
                self.platforms.profiles[resident.platform_id] = resident.locale
        notes: dict[str, Any] = {}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as self.session:
            await self.warm_up()
            self.received.clear()
            start = time.monotonic() + 0.5
            began, before = time.monotonic(), cpu_seconds(self.groups)
            await asyncio.gather(*(self.play(r, start) for r in self.residents))
            notes["settled"] = await self.settled(time.monotonic() + self.deadline)
            wall = time.monotonic() - began
            notes["cpu"] = cores_used(before, cpu_seconds(self.groups), wall)
            found = await self.trackers()
        if balancer:
            notes["proxied"] = dict(balancer.sent)
            await balancer.close()
        await self.platforms.close()
        expected = {key: turns[0] for answered in found.values() for key, turns in answered.items()}
        notes["handled twice"] = [
            key for answered in found.values() for key, turns in answered.items() if len(turns) > 1
        ]
        notes["handled out of order"] = taken_out_of_order(self.sent, found)
        return score(self.sent, self.received, expected), notes


def cpu_seconds(groups: tuple[int, ...]) -> dict[str, float]:
    """CPU seconds used so far: by the instances (the processes of their process groups,
    in all and each), by this process and by the whole machine (Linux's /proc; only this
    process elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used = {"instances": 0.0, "load generator": time.process_time(), "machine": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) in groups:  # state ppid pgrp ... utime (11) stime (12)
            seconds = (int(fields[11]) + int(fields[12])) / tick
            role = next((name for part, name in ROLES if part in command), "bot.run")
            used["instances"] += seconds
            key = f"instance {groups.index(int(fields[2])) + 1}'s {role}"
            used[key] = used.get(key, 0.0) + seconds
    with suppress(OSError):
        cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        used["machine"] = (sum(cpu) - cpu[3] - cpu[4]) / tick  # all but idle and iowait
    return used


ROLES = (("run actions", "action server"), ("bot.server run", "Rasa server"))


def cores_used(before: dict[str, float], after: dict[str, float], wall: float) -> dict[str, float]:
    """Cores busy on average between two `cpu_seconds`, `wall` seconds apart."""
    return {name: (seconds - before.get(name, 0.0)) / wall for name, seconds in after.items()}


def taken_out_of_order(sent: list[Sent], found: dict[str, dict[str, Any]]) -> list[str]:
    """Residents whose messages the assistant took in another order than they were sent:
    `found` holds each tracker's messages in the order Rasa took them (`answers`)."""
    swapped = []
    for conversation, answered in found.items():
        taken = {key: n for n, key in enumerate(answered)}
        mine = sorted((s for s in sent if s.conversation == conversation), key=lambda s: s.index)
        places = [taken[s.key] for s in mine if s.key in taken]
        if places != sorted(places):
            swapped.append(conversation)
    return swapped


@contextmanager
def instances(
    count: int, platforms: fakes.FakePlatforms, tmp: Path
) -> Iterator[tuple[list[str], tuple[int, ...]]]:
    """`count` running assistants (their addresses and process groups): one as `make run`
    starts it, or several sharing a fresh PostgreSQL database and Redis
    (DEPLOYMENT=cluster)."""
    with ExitStack() as stack:
        cluster = None
        if count > 1:
            name = stack.enter_context(postgres_database("load"))
            cluster = {
                "DATABASE_URL": f"{POSTGRES}/{name}",
                "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            }
        bases, groups = [], []
        for n in range(count):
            home = tmp / f"instance-{n + 1}"
            home.mkdir(parents=True)
            process, base, _ = harness.start(
                home, "miyagi", harness.channel_env(platforms), cluster=cluster
            )
            stack.callback(harness.stop, process)
            bases.append(base)
            groups.append(process.pid)  # harness.start: a session (and group) of its own
        yield bases, tuple(groups)


def measure(
    residents: list[Resident], count: int, deadline: float, tmp: Path
) -> tuple[Outcome, dict[str, Any]]:
    platforms = fakes.FakePlatforms()  # served by the load's own loop (Load.run)
    with instances(count, platforms, tmp) as (bases, groups):
        load = Load(bases, platforms, residents, deadline, groups)
        outcome, notes = asyncio.run(load.run(proxy=count > 1))
    record = {
        "sent": [asdict(s) for s in load.sent],
        "received": [asdict(r) for r in load.received],
        "latencies": outcome.latencies,
        "notes": notes,
    }
    (tmp / "record.json").write_text(json.dumps(record, ensure_ascii=False, indent=1))
    return outcome, notes


# -- the report ----------------------------------------------------------------------------

SETUPS = {
    1: "1 instance (make run's default: SQLite, in-memory lock store)",
    2: "2 instances behind a round-robin proxy (PostgreSQL, Redis locks)",
}


def row(count: int, outcome: Outcome) -> list[object]:
    values = sorted(outcome.latencies.values())
    p50, p95, p99 = (percentile(values, q) * 1000 if values else 0.0 for q in (0.5, 0.95, 0.99))
    return [
        SETUPS.get(count, f"{count} instances"),
        len(outcome.sent),
        f"{outcome.offered:.1f}",
        f"{outcome.throughput:.1f}",
        f"{p50:.0f}",
        f"{p95:.0f}",
        f"{p99:.0f}",
        f"{values[-1] * 1000 if values else 0.0:.0f}",
        len(outcome.lost),
        len(outcome.twice),
        len(outcome.out_of_order),
    ]


def met(outcome: Outcome) -> bool:
    values = sorted(outcome.latencies.values())
    return (
        not (outcome.lost or outcome.twice or outcome.out_of_order)
        and outcome.throughput >= TARGETS["throughput"]
        and bool(values)
        and percentile(values, 0.95) < TARGETS["p95"]
    )


def details(count: int, outcome: Outcome, notes: dict[str, Any]) -> list[str]:
    """What went wrong, message by message (at most a few of each kind)."""
    lines = []

    def some(title: str, items: list[Any], show: Any) -> None:
        if items:
            lines.append(f"  {title}: {len(items)}")
            lines.extend(f"    {show(item)}" for item in items[:8])

    def name(s: Sent) -> str:
        return f"{s.conversation} message {s.index + 1} ({s.key})"

    some("lost", outcome.lost, lambda x: f"{name(x[0])}: {x[1]}")
    some("answered twice", outcome.twice, lambda x: f"{name(x[0])}: {x[1]} call(s) too many")
    some(
        "out of order",
        outcome.out_of_order,
        lambda x: f"{name(x[0])} answered before message {x[1].index + 1} was",
    )
    some(
        "calls that match no message",
        outcome.unmatched,
        lambda r: f"{r.conversation}: {r.texts[0][:60]!r}",
    )
    some(
        "calls the platform refused",
        outcome.refused,
        lambda r: f"{r.conversation or 'reply token ' + str(r.token)} (HTTP {r.status})",
    )
    some(
        "replies whose texts differ from the tracker's",
        outcome.different,
        lambda x: f"{name(x[0])}: {x[1][0][:60]!r}",
    )
    some("messages the assistant handled twice", notes.get("handled twice", []), str)
    some("residents whose messages were taken out of order", notes["handled out of order"], str)
    if not notes.get("settled"):
        lines.append("  the channels still had events to finish at the deadline")
    if lines:
        lines.insert(0, f"{SETUPS.get(count, count)}:")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make load", description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--messages", type=int, default=5, help="messages per resident")
    parser.add_argument(
        "--instances",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: measure one instance, then two behind a proxy, in the same run",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=RATE, help="messages a second offered")
    parser.add_argument(
        "--deadline", type=float, default=DEADLINE, help="seconds after the last send"
    )
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print("no trained model: run `make train` first")
        return 1
    residents = plan(args.residents, args.messages, args.seed, args.rate)
    languages = len({r.language for r in residents})
    print(
        f"\n== Load: {args.residents} residents (LINE and Telegram, {languages} languages) x "
        f"{args.messages} messages, seed {args.seed} =="
    )
    print(
        f"Each writes on without waiting for answers, {PAUSE[0]}-{PAUSE[1]} s apart "
        f"({QUICK_SHARE:.0%} of the time within {QUICK[1] * 1000:.0f} ms); planned offer "
        f"{planned_rate(residents):.1f} messages/s (busiest 2 s: {busiest(residents):.1f}/s); "
        "fake platforms on loopback."
    )
    tmp = Path(tempfile.mkdtemp(prefix="load-"))
    rows, notes_by, outcomes = [], [], {}
    for count in range(1, args.instances + 1):
        print(f"measuring: {SETUPS[count]} ...", flush=True)
        outcome, notes = measure(residents, count, args.deadline, tmp / str(count))
        outcomes[count] = outcome
        rows.append(row(count, outcome))
        notes_by.extend(details(count, outcome, notes))
        cpu = notes["cpu"]
        each = {k: v for k, v in cpu.items() if k.startswith("instance ")}
        busiest_one = max(each, key=each.get, default=None)
        print(
            f"  cores busy during the run (of {os.cpu_count()}): the instances "
            f"{cpu['instances']:.2f} (the busiest process: {busiest_one}, "
            f"{each.get(busiest_one, 0.0):.2f}), this load generator "
            f"{cpu['load generator']:.2f}, the whole machine {cpu['machine']:.2f}"
        )
        if "proxied" in notes:
            print(f"  requests per instance through the proxy: {sorted(notes['proxied'].values())}")
    print(
        table(
            [
                "setup",
                "sent",
                "offered/s",
                "answered/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "lost",
                "twice",
                "out of order",
            ],
            rows,
        )
    )
    if args.instances == 2 and outcomes[1].throughput:
        print(f"Throughput, 2 instances / 1: {outcomes[2].throughput / outcomes[1].throughput:.2f}")
    print(
        f"answered/s: answered messages / (last answer - first send). Target: 0 lost, twice "
        f"and out of order, at least {TARGETS['throughput']:.0f} messages/s, p95 under "
        f"{TARGETS['p95']:.0f} s: "
        + ", ".join(
            f"{n} instance(s) {'met' if met(o) else 'NOT met'}" for n, o in outcomes.items()
        )
    )
    for line in notes_by:
        print(line)
    print(f"Logs: {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
