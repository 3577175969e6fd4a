"""The Telegram channel's parts: rendering, updates, and the API client against the fake."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from telegram import Update

from bot.channels.base import Choice, Outgoing
from bot.channels.telegram import TelegramApi, TelegramInput, keyboard, render
from bot.guidebook.render import language_payload, topic_payload
from bot.languages import ANSWERED
from bot.settings import TelegramSettings
from tests import fakes


def test_render_cuts_at_4096_and_puts_buttons_under_the_last_part() -> None:
    parts = render([Outgoing("x " * 5000, (Choice("Consultant", "/human_handoff"),))])
    assert len(parts) == 3
    assert all(len(text) <= 4096 for text, _ in parts)
    assert [markup is not None for _, markup in parts] == [False, False, True]


def test_keyboard_two_per_row_for_many_short_titles() -> None:
    menu = keyboard(tuple(Choice(code, language_payload(code)) for code in ANSWERED))
    assert [len(row) for row in menu.inline_keyboard] == [2, 2, 2, 2, 1]
    long = keyboard((Choice("How to renew a residence card", "/x"), Choice("Taxes", "/y")))
    assert [len(row) for row in long.inline_keyboard] == [1, 1]


def test_every_guidebook_payload_fits_telegrams_callback_data(renderer) -> None:
    payloads = [topic_payload(t) for t in renderer.guidebook.topics]
    payloads += [language_payload(code) for code in ANSWERED]
    assert max(len(p.encode()) for p in payloads) <= 64


def settings_for(platforms, timeout: float = 1.0) -> TelegramSettings:
    """The bot's settings, pointed at the fake platforms."""
    return TelegramSettings(
        bot_token=fakes.TELEGRAM_TOKEN,
        webhook_secret=fakes.TELEGRAM_SECRET,
        api_base_url=platforms.base_url,
        timeout=timeout,
        retry_seconds=2.0,
    )


@pytest.fixture
def channel(platforms) -> TelegramInput:
    settings = settings_for(platforms)
    return TelegramInput(settings)


@pytest.mark.parametrize("kind", sorted(fakes.TELEGRAM_NON_TEXT))
def test_non_text_messages_become_empty_texts_with_their_type(channel, kind: str) -> None:
    data = fakes.telegram_message(7, None, extra=fakes.TELEGRAM_NON_TEXT[kind], language_code="vi")
    job = channel.job_for(Update.de_json(data, channel.api.bot))
    assert (job.text, job.message_type, job.language_hint) == ("", kind, "vi")


def test_captions_are_read_as_text_and_groups_and_edits_are_not_residents(channel) -> None:
    bot = channel.api.bot
    photo = fakes.telegram_message(
        7, None, extra={**fakes.TELEGRAM_NON_TEXT["photo"], "caption": "what is this"}
    )
    assert channel.job_for(Update.de_json(photo, bot)).text == "what is this"
    group = fakes.telegram_message(-100, "hello", chat_type="supergroup")
    assert channel.job_for(Update.de_json(group, bot)) is None
    edit = fakes.telegram_message(7, "hello")
    edit["edited_message"] = edit.pop("message")
    assert channel.job_for(Update.de_json(edit, bot)) is None


def test_a_button_tap_is_the_residents_words(channel) -> None:
    data = fakes.telegram_callback(7, '/faq{"topic": "tax"}', language_code="pt-br")
    job = channel.job_for(Update.de_json(data, channel.api.bot))
    assert (job.chat_id, job.text, job.language_hint) == (7, '/faq{"topic": "tax"}', "pt")


async def test_sends_are_retried_on_5xx_and_refusals_are_not(platforms) -> None:
    settings = settings_for(platforms)
    api = TelegramApi(settings, first_wait=0.05)
    platforms.trouble("sendMessage", status=502, times=2)
    assert await api.send(31, "hello", None)
    platforms.trouble("sendMessage", status=400, times=1)
    assert not await api.send(32, "hello", None)
    await api.close()
    statuses = [
        c.status
        for c in platforms.calls
        if c.method == "sendMessage" and c.body.get("chat_id") in (31, 32)
    ]
    assert statuses == [502, 502, 200, 400]
    assert api.undelivered == 1


async def test_a_hanging_api_times_out_and_is_retried(platforms) -> None:
    settings = settings_for(platforms, 0.5)
    api = TelegramApi(settings, first_wait=0.05)
    platforms.trouble("sendMessage", hang=2.0, times=1)
    assert await api.send(33, "hello", None)
    await api.close()
    assert platforms.calls_to("sendMessage", chat_id=33)


def _api(platforms) -> TelegramApi:
    settings = settings_for(platforms)
    return TelegramApi(settings, first_wait=0.05)


async def test_a_group_that_became_a_supergroup_is_answered_at_its_new_id(platforms) -> None:
    platforms.migrated_chats[-4001] = -1004001
    api = _api(platforms)
    assert await api.send(-4001, "first", None)
    assert await api.send(-4001, "second", None)  # straight to the new id
    await api.close()
    sent = [
        (c.body["chat_id"], c.status)
        for c in platforms.calls
        if c.method == "sendMessage" and c.body.get("chat_id") in (-4001, -1004001)
    ]
    assert sent == [(-4001, 400), (-1004001, 200), (-1004001, 200)]
    assert api.undelivered == 0


async def test_too_many_requests_waits_as_long_as_telegram_asks(platforms) -> None:
    api = _api(platforms)
    platforms.trouble("sendMessage", status=429, times=1)
    assert await api.send(4200, "hello", None)
    await api.close()
    calls = [c for c in platforms.calls if c.method == "sendMessage" and c.body["chat_id"] == 4200]
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0  # retry_after: 1


@pytest.mark.parametrize("status", [409, 401, 403])
async def test_other_refusals_are_final_and_counted(platforms, status: int) -> None:
    """409 Conflict (another getUpdates or webhook), 401 (InvalidToken), 403 (Forbidden: the
    resident blocked the bot): no retry, counted.
    (python-telegram-bot turns other 4xx codes into NetworkError: retried.)"""
    api = _api(platforms)
    platforms.trouble("sendMessage", status=status, times=5)
    chat = 4100 + status
    assert not await api.send(chat, "hello", None)
    await api.close()
    platforms.trouble("sendMessage", times=0)
    calls = [c for c in platforms.calls if c.method == "sendMessage" and c.body["chat_id"] == chat]
    assert [c.status for c in calls] == [status]
    assert api.undelivered == 1


def _job(chat: int, text: str, hint: str | None = None):
    from bot.channels.telegram import Job

    return Job(chat, text, "text", hint, update_id=chat * 10)


def _texts_to(platforms, chat: int) -> list[str]:
    return [c.body["text"] for c in platforms.calls_to("sendMessage", chat_id=chat)]


async def _arrived(platforms, chat: int, count: int) -> None:
    """Waits (without blocking the event loop) for the count-th message to a chat."""
    for _ in range(200):
        if len(_texts_to(platforms, chat)) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(_texts_to(platforms, chat))} of {count} messages arrived")


async def test_when_the_assistant_fails_the_resident_gets_the_apology_in_their_language(
    platforms,
) -> None:
    from bot.channels.notices import renderer

    channel = TelegramInput(settings_for(platforms))

    async def failing(message) -> None:
        raise RuntimeError("the tracker store is down")

    async def silent(message) -> None:
        return None

    channel._on_new_message = failing
    await channel.handle(_job(4301, "xin chao", hint="vi"))
    channel._on_new_message = silent
    await channel.handle(_job(4302, "???"))  # no hint, no agent: English and Easy Japanese
    await channel.courier.close(channel.api.close())
    assert _texts_to(platforms, 4301) == [renderer().message("failure", "vi")]
    assert _texts_to(platforms, 4302) == [
        renderer().message("failure", "en") + "\n\n" + renderer().message("failure", "ja-easy")
    ]
    assert "110" in _texts_to(platforms, 4301)[0] and "119" in _texts_to(platforms, 4301)[0]
    assert channel.counts["failed"] == 2


async def test_a_resident_past_the_queue_limit_is_told_once_and_the_rest_is_answered(
    platforms,
) -> None:
    from bot.channels.notices import renderer

    settings = settings_for(platforms).model_copy(update={"queue_per_resident": 2})
    channel = TelegramInput(settings)
    release = asyncio.Event()

    async def slow_assistant(message) -> None:
        await release.wait()
        await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")

    channel._on_new_message = slow_assistant
    for n in range(5):
        channel.queue("4401", _job(4401, f"m{n}", hint="pt"))
    assert channel.counts["refused"] == 3 and channel.inbox.waiting == 2
    await _arrived(platforms, 4401, 1)  # the refusal, at once
    release.set()
    await _arrived(platforms, 4401, 3)
    await channel.inbox.drain(5)
    await channel.courier.close(channel.api.close())
    assert _texts_to(platforms, 4401) == [renderer().message("too_many", "pt"), "re: m0", "re: m1"]


async def test_the_consultants_group_gets_every_message_in_order_within_its_send_limit(
    platforms,
) -> None:
    from bot.channels.telegram import TelegramRoom

    channel = TelegramInput(settings_for(platforms))
    room = TelegramRoom(channel, -100777, rate=(5, 1.0))  # 5 in any second here
    ids = await asyncio.gather(*(room.post(f"#1\nmessage {n}") for n in range(20)))
    await channel.courier.close(channel.api.close())
    calls = platforms.calls_to("sendMessage", chat_id=-100777)
    assert [c.body["text"] for c in calls] == [f"#1\nmessage {n}" for n in range(20)]
    assert all(ids)  # none dropped
    # five at once, then five more a second later, and so on: never six in one second
    # (a leaky bucket would let the sixth through 0.2 s after the fifth)
    times = [c.at for c in calls]
    assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[5:], strict=False))
    assert times[-1] - times[0] >= 3.0


# -- bodies a stranger or a broken sender can post (found by tests/e2e/test_fuzz.py) ---


def call(data: dict | bytes, secret: str | None = fakes.TELEGRAM_SECRET) -> SimpleNamespace:
    """What accept_call reads of a Sanic request."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleNamespace(headers=headers, body=body)


def test_a_secret_header_that_is_not_utf8_is_refused_not_an_error(channel) -> None:
    secret = (fakes.TELEGRAM_SECRET.encode() + b"\xff").decode("utf-8", "surrogateescape")
    assert channel.accept_call(call(fakes.telegram_message(7, "hi"), secret)).status == 403


def _update(**message) -> dict:
    update = fakes.telegram_message(7, "hello")
    update["message"].update(message)
    return update


def _callback(**query) -> dict:
    update = fakes.telegram_callback(7, "/help")
    update["callback_query"].update(query)
    return update


@pytest.mark.parametrize(
    "body",
    [
        _update(date=10**18),  # no clock holds it: OSError before
        _update(date=10**30),  # OverflowError before
        b'{"update_id": 1e400, "message": {}}',  # int(inf): OverflowError before
        _update(text={"a": 1}),  # python-telegram-bot keeps it as it is
        _update(text=["hello"]),
        _update(caption=5, text=None),
        _update(chat={"id": "7", "type": "private"}),
        _update(chat={"id": True, "type": "private"}),
        _callback(data={"a": 1}),
        b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=[
        "date 1e18",
        "date 1e30",
        "update_id inf",
        "text object",
        "text list",
        "caption int",
        "chat id text",
        "chat id bool",
        "callback data object",
        "deep",
    ],
)
def test_an_update_it_cannot_read_gets_400_and_is_not_kept(channel, body) -> None:
    assert channel.accept_call(call(body)).status == 400
