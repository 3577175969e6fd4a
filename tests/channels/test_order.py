"""What the channels build on the durable intake, with two channel objects standing for
two instances on one database (bot/channels/base.py): a resident's events answered in
order whichever instance took them, an earlier event of a killed instance taken over
first, an event that keeps failing given up, and replies kept in the outbox while the
platform is down, sent once it is back."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot import state
from bot.channels import base
from bot.channels.intake import IntakeStore, events
from bot.channels.telegram import TelegramInput
from bot.settings import Settings
from tests import fakes
from tests.channels.test_telegram import _arrived, _texts_to, settings_for
from tests.databases import ENGINES, database_url

_chats = itertools.count(991_000_000)  # chats no other test writes to


_updates = itertools.count(9_000_000)


@pytest.fixture(autouse=True)
def short_lease(monkeypatch) -> None:
    monkeypatch.setenv("INTAKE_LEASE_SECONDS", "1")
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "0.1")
    state.ensure(Settings.from_env().database_url)


def instance(platforms, answers: dict[str, asyncio.Event] | None = None) -> TelegramInput:
    """A channel (an instance) whose assistant says "re: <text>", each text once its
    event in `answers` is set (when there is one)."""
    channel = TelegramInput(settings_for(platforms))

    async def assistant(message) -> None:
        if answers and message.text in answers:
            await answers[message.text].wait()
        await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")

    channel._on_new_message = assistant
    return channel


def update(chat: int, text: str) -> tuple[str, dict]:
    data = fakes.telegram_message(chat, text, update_id=next(_updates))
    return str(data["update_id"]), data


async def close(*channels: TelegramInput) -> None:
    for channel in channels:
        await channel.inbox.drain(10)
        await channel.courier.close(channel.api.close())


async def test_a_residents_events_are_answered_in_order_whichever_instance_took_them(
    platforms,
) -> None:
    chat = next(_chats)
    first_done = asyncio.Event()
    one = instance(platforms, {"first": first_done})
    two = instance(platforms)
    assert one.take(*update(chat, "first"))
    assert two.take(*update(chat, "second"))  # on the other instance, while one works
    await asyncio.sleep(0.3)  # the second is held back while the first is unanswered
    assert _texts_to(platforms, chat) == []
    first_done.set()
    await _arrived(platforms, chat, 2)
    await close(one, two)
    assert _texts_to(platforms, chat) == ["re: first", "re: second"]


async def test_an_earlier_event_of_a_killed_instance_is_taken_over_first(platforms) -> None:
    chat = next(_chats)
    killed = IntakeStore(Settings.from_env().database_url, lease=1)  # kept it, then died
    after = instance(platforms)
    key, data = update(chat, "before the crash")
    killed.add("telegram", key, after.job_from(data)[0], data)
    assert after.take(*update(chat, "after the restart"))
    await _arrived(platforms, chat, 2)  # once the dead claim ran out: both, in order
    await close(after)
    assert _texts_to(platforms, chat) == ["re: before the crash", "re: after the restart"]


async def test_an_event_that_keeps_failing_is_given_up(platforms, caplog) -> None:
    chat = next(_chats)
    store = IntakeStore(Settings.from_env().database_url, lease=1)
    channel = instance(platforms)
    key, data = update(chat, "poison")
    kept = store.add("telegram", key, channel.job_from(data)[0], data)
    with store.engine.begin() as db:  # cut short as often as it may be
        db.execute(events.update().where(events.c.id == kept).values(attempts=base.MAX_ATTEMPTS))
    await asyncio.sleep(1.1)  # its claim runs out
    await channel.recover()
    await close(channel)
    assert _texts_to(platforms, chat) == []
    assert all(e.id != kept for e in store.unclaimed("telegram"))  # done: never again
    assert "given up after 5 attempts" in caplog.text


async def test_replies_refused_while_the_platform_is_down_are_sent_once_it_is_back(
    platforms,
) -> None:
    chats = [next(_chats) for _ in range(3)]
    channel = instance(platforms)
    platforms.outage(4)
    for chat in chats:
        assert channel.take(*update(chat, f"hello {chat}"))
    await channel.inbox.drain(30)  # each reply refused until the 2 s retry deadline
    assert channel.outbox.count("telegram") >= 3
    assert all(_texts_to(platforms, chat) == [] for chat in chats)
    while platforms.down:
        await asyncio.sleep(0.1)
    for _ in range(20):  # rounds, as the channel's loop runs them
        await channel.resend_due()
        if all(_texts_to(platforms, chat) for chat in chats):
            break
        await asyncio.sleep(0.2)
    await close(channel)
    for chat in chats:
        assert _texts_to(platforms, chat) == [f"re: hello {chat}"]  # once each
    assert channel.outbox.count("telegram") == 0


@pytest.mark.parametrize("engine", ENGINES)
async def test_ids_no_platform_sends_are_kept_or_dropped_never_a_503(
    engine, platforms, tmp_path, monkeypatch
) -> None:
    """Found by the fuzz test on PostgreSQL: a signed event with an id longer than the
    intake's column, or a NUL in it, could not be kept, and got 503 for ever."""
    with database_url(engine, tmp_path, "ids") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        channel = instance(platforms)
        chat = next(_chats)
        _, data = update(chat, "hello")
        long_key = "k" * 300 + "\x00"
        assert channel.take(long_key, data)  # kept, under the key's hash
        assert channel.take(long_key, data)  # and a redelivery of it dropped
        _, odd = update(10**250, "hello")  # a chat id of 251 digits
        assert channel.take("odd", odd)  # dropped: 200, not 503
        await _arrived(platforms, chat, 1)
        await close(channel)
        assert _texts_to(platforms, chat) == ["re: hello"]
        assert IntakeStore(url).backlog() == 0
