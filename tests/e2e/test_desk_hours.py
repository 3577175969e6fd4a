"""The desk end to end on a center with opening hours, closed now, and a Telegram group
that refuses more messages than its limit, as Telegram does.

One assistant of its own (module-scoped): CENTER=musashino, from a copy of the guidebook
whose Musashino profile opens only tomorrow (so it is closed whenever the test runs), and
DESK_TELEGRAM_RATE=10/2 against a fake group that answers 429 past 10 messages in any
2 seconds (Telegram's 20 a minute, made quick). Every wait is for a known event.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil

import pytest
import yaml

from bot.desk.hours import DAYS, JAPAN
from bot.guidebook import Renderer, load_guidebook
from bot.settings import ROOT
from tests import fakes, harness
from tests.e2e.conftest import MODEL, Assistant
from tests.e2e.test_desk import handled

GROUP = -1009000000077
RATE = (10, 2.0)
_chats = itertools.count(930_000)


@pytest.fixture(scope="module")
def closed(tmp_path_factory, platforms):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    tmp = tmp_path_factory.mktemp("assistant-closed")
    guidebook = tmp / "guidebook"
    shutil.copytree(ROOT / "guidebook", guidebook)
    profile_path = guidebook / "centers" / "musashino.yml"
    profile = yaml.safe_load(profile_path.read_text(encoding="utf-8"))
    tomorrow = dt.datetime.now(JAPAN).date() + dt.timedelta(days=1)
    profile["opening_hours"] = {
        "days": [DAYS[tomorrow.weekday()]],
        "open": "09:00",
        "close": "17:00",
        "closed_on_public_holidays": False,
    }
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    platforms.group_rates[GROUP] = RATE
    env = {
        **harness.channel_env(platforms),
        "GUIDEBOOK_DIR": str(guidebook),
        "CONSULTANT_TELEGRAM_CHAT_ID": str(GROUP),
        "DESK_TELEGRAM_RATE": f"{RATE[0]}/{RATE[1]:g}",
    }
    process, base, _ = harness.start(tmp, "musashino", env)
    assistant = Assistant(base)
    assistant.opening = f"{tomorrow.isoformat()} 09:00"
    assistant.renderer = Renderer(load_guidebook(guidebook, "musashino"))
    yield assistant
    harness.stop(process)
    platforms.group_rates.pop(GROUP, None)


def to_chat(platforms, chat: int) -> list[fakes.Call]:
    return platforms.calls_to("sendMessage", chat_id=chat)


def says(assistant, platforms, update: dict, chat: int) -> list[str]:
    before = len(to_chat(platforms, chat))
    assert assistant.telegram(update)[0] == 200
    handled(assistant)
    return [c.body["text"] for c in to_chat(platforms, chat)[before:]]


def test_out_of_hours_the_ticket_waits_and_the_resident_gets_the_opening_and_the_dv_line(
    closed, platforms
) -> None:
    chat = next(_chats)
    cards = len(to_chat(platforms, GROUP))
    question = fakes.telegram_message(chat, "Where can I get advice about domestic violence?")
    answer = says(closed, platforms, question, chat)
    assert answer  # the guidebook's answer, with the consultant offer under it
    buttons = [
        b["callback_data"]
        for c in to_chat(platforms, chat)[-len(answer) :]
        for row in (c.body.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]
    assert "/human_handoff" in buttons
    [told] = says(closed, platforms, fakes.telegram_callback(chat, "/human_handoff"), chat)
    number = int(told.split("#")[1].split()[0].rstrip(".。"))
    messages = closed.renderer
    assert messages.message("desk_opened", "en", ticket=str(number)) in told
    assert messages.message("desk_closed_now", "en", opening=closed.opening) in told
    assert messages.message("desk_line_domestic_violence", "en") in told
    assert "110" in told and "119" in told
    # the ticket opened all the same, as a sensitive one, and waits for the morning
    [card] = to_chat(platforms, GROUP)[cards:]
    assert card.body["text"].startswith(f"#{number}  ❗ 優先  待ち")
    assert "domestic_violence" in card.body["text"]
    # a ticket about something else gets no national line
    other = next(_chats)
    [plain] = says(closed, platforms, fakes.telegram_message(other, "/human"), other)
    assert messages.message("desk_closed_now", "en", opening=closed.opening) in plain
    assert "0120-279-889" not in plain


def test_a_burst_of_50_resident_messages_reaches_the_group_in_order_within_its_limit(
    closed, platforms
) -> None:
    residents = [next(_chats) for _ in range(5)]
    numbers = {}
    for chat in residents:
        [told] = says(closed, platforms, fakes.telegram_message(chat, "/human"), chat)
        numbers[chat] = int(told.split("#")[1].split()[0].rstrip(".。"))
    before = len(to_chat(platforms, GROUP))
    # 5 residents write 10 messages each, all at once (the webhook answers at once)
    for n in range(10):
        for chat in residents:
            update = fakes.telegram_message(chat, f"message {n} from {chat}")
            assert closed.telegram(update)[0] == 200
    relays = platforms.wait_for("sendMessage", count=before + 50, timeout=120, chat_id=GROUP)
    relays = relays[before:]
    handled(closed)
    assert len(relays) == 50  # every message, none twice
    for chat in residents:
        mine = [c.body["text"] for c in relays if c.body["text"].endswith(f"from {chat}")]
        assert mine == [f"#{numbers[chat]}\nmessage {n} from {chat}" for n in range(10)]
    # the desk queued instead of being refused: Telegram never had to say 429
    refused = [c for c in platforms.attempts_of("sendMessage", chat_id=GROUP) if c.status == 429]
    assert refused == []
    times = [c.at for c in to_chat(platforms, GROUP)]
    count, seconds = RATE
    assert all(b - a >= seconds * 0.99 for a, b in zip(times, times[count:], strict=False))
    # the residents heard nothing from the assistant meanwhile: the consultants have them
    for chat in residents:
        assert len(to_chat(platforms, chat)) == 1  # the ticket's message only
