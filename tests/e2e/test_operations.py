"""The operations routes of the running assistant: `GET /metrics` after real LINE and
Telegram conversations, `GET /ready`, both without the API token; and an assistant whose
DATABASE_URL goes down under it (a PostgreSQL database reached through a connection the
test cuts), which stops being ready and still answers /metrics."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from email.message import Message

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.languages import ANSWERED, DETECTED
from tests import fakes, harness
from tests.databases import POSTGRES, postgres_database

_ids = itertools.count(800_000)
Samples = dict[tuple[str, frozenset], float]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """A GET without any token, as Prometheus and a load balancer send it."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def scrape(base: str) -> Samples:
    status, headers, body = fetch(base + "/metrics")
    assert status == 200, body
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def count(samples: Samples, name: str, **labels: str) -> float:
    return sample(samples, name, **labels) or 0.0


def wait_for_count(base: str, name: str, at_least: float, **labels: str) -> Samples:
    """Waits until a counter reaches `at_least` (a turn's languages are counted right after
    its answer was handed to the platform); returns that scrape."""
    deadline = time.monotonic() + 60
    while True:
        samples = scrape(base)
        if count(samples, name, **labels) >= at_least:
            return samples
        assert time.monotonic() < deadline, f"{name}{labels} stayed below {at_least}"
        time.sleep(0.05)


def ready(base: str) -> tuple[int, dict]:
    status, _, body = fetch(base + "/ready")
    return status, json.loads(body)


def test_metrics_count_line_and_telegram_messages_by_language(assistant, platforms) -> None:
    before = scrape(assistant.base)
    user, chat = f"U{next(_ids):032x}", next(_ids)
    line_event = fakes.line_event(user, "在留カードをなくしました")
    assert assistant.line(line_event)[0] == 200
    update = fakes.telegram_message(chat, "tôi muốn gia hạn visa", language_code="en")
    assert assistant.telegram(update)[0] == 200
    platforms.wait_for("message/reply", replyToken=line_event["replyToken"])
    platforms.wait_for("sendMessage", chat_id=chat)

    received = "assistant_messages_received_total"
    wait_for_count(
        assistant.base,
        received,
        count(before, received, channel="line", language="ja") + 1,
        channel="line",
        language="ja",
    )
    after = wait_for_count(
        assistant.base,
        received,
        count(before, received, channel="telegram", language="vi") + 1,
        channel="telegram",
        language="vi",
    )
    for channel, language in (("line", "ja"), ("telegram", "vi")):
        sent = "assistant_messages_sent_total"
        assert count(after, sent, channel=channel, language=language) > count(
            before, sent, channel=channel, language=language
        )
        timed = "assistant_answer_seconds_count"
        assert count(after, timed, channel=channel) > count(before, timed, channel=channel)
        assert sample(after, "assistant_intake_backlog", channel=channel) is not None
        assert sample(after, "assistant_undelivered", channel=channel) is not None
    languages = {
        dict(labels).get("language")
        for name, labels in after
        if name in (received, "assistant_messages_sent_total")
    }
    assert languages <= {*ANSWERED, *DETECTED, "und", "unknown"}  # bounded labels
    assert "ja" in languages and "vi" in languages


def test_metrics_and_ready_need_no_token_and_name_nobody(assistant, platforms) -> None:
    user = f"U{next(_ids):032x}"
    event = fakes.line_event(user, "I lost my residence card")
    assert assistant.line(event)[0] == 200
    platforms.wait_for("message/reply", replyToken=event["replyToken"])
    status, checks = ready(assistant.base)
    assert status == 200
    assert checks == {
        "ready": True,
        "model": True,
        "tracker_store": True,
        "lock_store": True,
        "database": True,
    }
    _, _, body = fetch(assistant.base + "/metrics")
    assert user not in body.decode() and "residence" not in body.decode()
    # a wrong token changes nothing: these are not Rasa's HTTP API
    wrong = {"Authorization": "Bearer wrong-token-x"}
    assert fetch(assistant.base + "/ready", wrong)[0] == 200
    assert fetch(assistant.base + "/metrics?token=wrong-token-x", wrong)[0] == 200
    # what Prometheus 3 asks for, it gets
    openmetrics = {"Accept": "application/openmetrics-text; version=1.0.0"}
    _, headers, body = fetch(assistant.base + "/metrics", openmetrics)
    assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert body.endswith(b"# EOF\n")


class Cable:
    """A TCP connection to PostgreSQL that the test can cut and mend: the database goes
    down for the assistant only (the machine's server stays up for the others)."""

    def __init__(self, target: int = 5432) -> None:
        self.target = target
        self.port = fakes.free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, name="cable", daemon=True).start()
        self.mend()

    def _call(self, work) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(10)

    def mend(self) -> None:
        async def listen() -> None:
            self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

        self._call(listen())

    def cut(self) -> None:
        """No new connection is accepted and the open ones are closed."""

        async def cut() -> None:
            self._server.close()
            await self._server.wait_closed()
            for writer in list(self._writers):
                writer.close()

        self._call(cut())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self._writers |= {writer, up_writer}

        async def copy(source: asyncio.StreamReader, to: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    to.write(data)
                    await to.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                to.close()
                self._writers.discard(to)

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


def wait_for_ready(base: str, ready_now: bool) -> tuple[int, dict]:
    """Waits until /ready says `ready_now` (the pool notices a cut or mended connection at
    its next check), and returns that answer."""
    deadline = time.monotonic() + 60
    while True:
        status, checks = ready(base)
        if checks["ready"] is ready_now:
            return status, checks
        assert time.monotonic() < deadline, f"/ready stayed {checks}"
        time.sleep(0.1)


@pytest.fixture()
def cut_off(tmp_path, platforms):
    """An assistant whose DATABASE_URL is a PostgreSQL database reached through a Cable."""
    with postgres_database("operations") as name:
        cable = Cable()
        url = POSTGRES.replace(":5432", f":{cable.port}") + f"/{name}"
        env = {**harness.channel_env(platforms), "DATABASE_URL": url}
        process, base, _ = harness.start(tmp_path, "miyagi", env)
        try:
            yield base, cable
        finally:
            harness.stop(process)
            cable.close()


def test_not_ready_while_the_database_is_down_and_metrics_still_answer(cut_off) -> None:
    base, cable = cut_off
    assert ready(base) == (
        200,
        {"ready": True, "model": True, "tracker_store": True, "lock_store": True, "database": True},
    )
    assert sample(scrape(base), "assistant_intake_backlog", channel="line") == 0

    cable.cut()
    status, checks = wait_for_ready(base, False)
    assert status == 503
    assert checks == {
        "ready": False,
        "model": True,
        "tracker_store": True,
        "lock_store": True,
        "database": False,
    }
    samples = scrape(base)  # 200, without the series the database would have given
    assert sample(samples, "assistant_intake_backlog", channel="line") is None
    assert sample(samples, "assistant_undelivered", channel="line") is None

    cable.mend()
    assert wait_for_ready(base, True)[0] == 200
    assert sample(scrape(base), "assistant_intake_backlog", channel="line") == 0
