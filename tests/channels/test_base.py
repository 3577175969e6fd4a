"""The channels' shared parts: splitting, merging, deduplication, per-conversation order."""

from __future__ import annotations

import asyncio
import hmac

import pytest

from bot.channels.base import (
    Choice,
    Inbox,
    Outgoing,
    TurnCollector,
    _pseudonym_key,
    merge_texts,
    read_json,
    same_secret,
    split_text,
    tag,
    utf16_length,
)


def test_split_keeps_short_texts_whole() -> None:
    assert split_text("  hello  ", 10) == ["hello"]
    assert split_text("", 10) == []


def test_split_cuts_at_paragraphs_then_sentences_and_loses_nothing() -> None:
    text = "First paragraph is here.\n\nSecond one. It has two sentences."
    pieces = split_text(text, 30)
    assert pieces[0] == "First paragraph is here."
    assert all(utf16_length(p) <= 30 for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_split_counts_utf16_units_and_never_breaks_an_emoji() -> None:
    text = "😀" * 10  # each is two UTF-16 units
    pieces = split_text(text, 5)
    assert all(utf16_length(p) <= 5 for p in pieces)
    assert "".join(pieces) == text


@pytest.mark.parametrize("limit", [4096, 5000])
def test_split_of_a_10000_character_message(limit: int) -> None:
    text = ("在留カードの更新はどこでできますか。" * 600)[:10_000]
    pieces = split_text(text, limit)
    assert len(pieces) == -(-10_000 // limit) or len(pieces) == -(-10_000 // limit) + 1
    assert all(utf16_length(p) <= limit for p in pieces)
    assert "".join(pieces) == text
    assert all(p.endswith("。") for p in pieces[:-1])  # cut after a sentence


def test_split_without_any_break_cuts_hard() -> None:
    assert split_text("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]


def test_merge_joins_shortest_neighbours_until_few_enough() -> None:
    texts = ["a", "b", "c", "d", "e", "f", "g"]
    merged = merge_texts(texts, 5, 100)
    assert len(merged) == 5
    assert "\n\n".join(merged).split("\n\n") == texts


def test_merge_never_exceeds_the_limit() -> None:
    texts = ["x" * 60] * 7
    assert merge_texts(texts, 5, 100) == texts


def test_tag_is_stable_and_hides_the_id() -> None:
    assert tag("U1234") == tag("U1234") != tag("U1235")
    assert "1234" not in tag("U1234") and len(tag("U1234")) == 12


def test_tag_cannot_be_reversed_without_the_key() -> None:
    """Hashing every candidate id without the key finds nothing: the pseudonym is a keyed
    HMAC, not a bare hash of the id."""
    import hashlib

    user = "123456789"  # a Telegram chat id: a guessable integer
    pseudonym = tag(user)
    for digest in (hashlib.sha256, hashlib.sha1, hashlib.md5, hashlib.blake2b):
        assert digest(user.encode()).hexdigest()[:12] != pseudonym
    assert hmac.new(b"another key", user.encode(), hashlib.sha256).hexdigest()[:12] != pseudonym
    assert hmac.new(_pseudonym_key(), user.encode(), hashlib.sha256).hexdigest()[:12] == pseudonym


async def test_turn_collector_keeps_texts_whole_with_their_buttons() -> None:
    collector = TurnCollector("line")
    await collector.send_response("u", {"text": "one\n\ntwo"})
    await collector.send_response(
        "u", {"text": "pick", "buttons": [{"title": "A", "payload": "/a"}]}
    )
    assert collector.name() == "line"
    assert collector.messages == [
        Outgoing("one\n\ntwo"),
        Outgoing("pick", (Choice("A", "/a"),)),
    ]


async def test_inbox_keeps_each_conversations_order_and_runs_conversations_side_by_side() -> None:
    done: list[tuple[str, int]] = []
    started = asyncio.Event()

    async def handle(job: tuple[str, int]) -> None:
        conversation, n = job
        if conversation == "slow" and n == 0:
            started.set()
            await asyncio.sleep(0.2)
        done.append(job)

    inbox: Inbox[tuple[str, int]] = Inbox(handle)
    for n in range(3):
        inbox.put("slow", ("slow", n))
    await started.wait()
    inbox.put("fast", ("fast", 0))
    assert inbox.waiting == 4
    await inbox.drain(5)
    assert [j for j in done if j[0] == "slow"] == [("slow", 0), ("slow", 1), ("slow", 2)]
    assert done.index(("fast", 0)) < done.index(("slow", 0))  # not stuck behind "slow"
    assert inbox.waiting == 0


async def test_inbox_goes_on_after_a_failed_job() -> None:
    done: list[int] = []

    async def handle(n: int) -> None:
        if n == 1:
            raise RuntimeError("boom")
        done.append(n)

    inbox: Inbox[int] = Inbox(handle)
    for n in range(3):
        inbox.put("c", n)
    await inbox.drain(5)
    assert done == [0, 2]


async def test_courier_runs_work_on_its_own_thread_and_returns_results_and_errors() -> None:
    import threading

    from bot.channels.base import Courier

    courier = Courier("test-courier")

    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    async def fails() -> None:
        raise ValueError("platform said no")

    assert await courier.run(where()) == "test-courier"
    with pytest.raises(ValueError, match="platform said no"):
        await courier.run(fails())
    seen: list[str] = []

    async def remember() -> None:
        seen.append(threading.current_thread().name)

    courier.send(remember())
    await courier.close(where())
    assert seen == ["test-courier"]


async def test_inbox_refuses_past_its_limits_and_counts_what_waits() -> None:
    release = asyncio.Event()

    async def handle(_: int) -> None:
        await release.wait()

    inbox: Inbox[int] = Inbox(handle, per_conversation=2, total=3)
    assert [inbox.put("a", n) for n in range(3)] == [None, None, "too_many"]
    assert inbox.put("b", 0) is None
    assert inbox.put("c", 0) == "busy"  # 3 waiting in all
    assert inbox.waiting == 3
    release.set()
    await inbox.drain(5)
    assert inbox.waiting == 0
    assert inbox.put("c", 1) is None  # room again
    await inbox.drain(5)


async def test_a_drain_that_runs_out_of_time_reports_what_is_left(caplog) -> None:
    async def handle(_: int) -> None:
        await asyncio.sleep(10)

    inbox: Inbox[int] = Inbox(handle, name="line")
    inbox.put("a", 0)
    inbox.put("a", 1)
    assert await inbox.drain(0.1) == 2
    assert "2 events of 1 conversations unfinished" in caplog.text


async def test_retrying_waits_with_jitter_and_starts_no_attempt_after_the_deadline() -> None:
    from bot.channels.base import retrying

    starts: list[float] = []
    began = asyncio.get_running_loop().time()

    async def attempt_all(deadline: float, fail: int, error: Exception) -> None:
        n = 0
        async for attempt in retrying(deadline, lambda e: isinstance(e, OSError), 0.05):
            with attempt:
                starts.append(asyncio.get_running_loop().time() - began)
                n += 1
                if n <= fail:
                    raise error

    await attempt_all(5.0, 3, OSError("down"))
    assert len(starts) == 4  # three failures, then success
    starts.clear()
    with pytest.raises(OSError):
        await attempt_all(0.5, 1000, OSError("down"))
    assert 2 < len(starts) < 40
    assert starts[-1] - starts[0] < 0.5  # none began after the deadline
    starts.clear()
    with pytest.raises(ValueError):  # not retryable: one attempt
        await attempt_all(5.0, 1000, ValueError("bad"))
    assert len(starts) == 1


async def test_retrying_waits_as_long_as_the_platform_asks() -> None:
    from bot.channels.base import retrying

    loop = asyncio.get_running_loop()
    began, n = loop.time(), 0
    async for attempt in retrying(5.0, lambda e: True, 0.01, lambda e: 0.3):
        with attempt:
            n += 1
            if n == 1:
                raise OSError("slow down")
    assert loop.time() - began >= 0.29  # the loop clock counts in milliseconds


# -- what a webhook reads from outside (found by tests/e2e/test_fuzz.py) --------------


def test_same_secret_tells_secrets_apart_whatever_bytes_were_sent() -> None:
    assert same_secret("s3cret-token", "s3cret-token")
    assert not same_secret("s3cret-toke", "s3cret-token")
    # Sanic hands over header bytes that are not UTF-8 as surrogate escapes: no error
    assert not same_secret(b"s3cret-tok\xff".decode("utf-8", "surrogateescape"), "s3cret-token")
    assert not same_secret("\ud800", "s3cret-token")
    assert not same_secret("é", "s3cret-token")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,  # deeper than the parser recurses: RecursionError before
        b'{"text": "\\ud800"}',  # a lone surrogate: no database or tokenizer takes it
        b'{"text": "\\udfffa"}',
        b"\xff{}",
        b"not json",
        b"",
    ],
    ids=["deep", "surrogate", "low surrogate", "not utf-8", "not json", "empty"],
)
def test_read_json_refuses_what_cannot_be_read_or_kept_with_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        read_json(body)


def test_read_json_reads_what_the_platforms_send() -> None:
    body = '{"text": "\\ud83d\\ude00 在留カード", "events": [], "n": 12}'.encode()
    assert read_json(body) == {"text": "😀 在留カード", "events": [], "n": 12}
