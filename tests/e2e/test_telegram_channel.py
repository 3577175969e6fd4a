"""The Telegram channel of the running assistant, against the fake Bot API (tests/fakes.py).

Every update is real HTTP to the Rasa server; every answer is python-telegram-bot's real
client calling the fake through TELEGRAM_API_BASE_URL.
"""

from __future__ import annotations

import itertools
import json
import time

import pytest

from bot.guidebook import Renderer, load_guidebook
from tests import fakes
from tests.conftest import GUIDEBOOK

_chats = itertools.count(700_000)
MIYAGI = Renderer(load_guidebook(GUIDEBOOK, "miyagi"))
CONSULTANT = "/human_handoff"


def new_chat() -> int:
    return next(_chats)


def flat(strings: list[str]) -> str:
    return " ".join(" ".join(strings).split())


def expected(replies) -> str:
    return flat([r.text for r in replies])


def buttons(call: fakes.Call) -> list[str]:
    markup = call.body.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def sent_to(platforms, chat: int) -> list[fakes.Call]:
    return platforms.calls_to("sendMessage", chat_id=chat)


def handled(assistant, deadline: float = 60.0) -> None:
    """Waits until the Telegram channel has handled every event it accepted, its answers
    sent (the health route's `waiting`: events queued or being handled)."""
    end = time.monotonic() + deadline
    while assistant.get("/webhooks/telegram/")["waiting"]:
        assert time.monotonic() < end, "the Telegram channel did not finish in time"
        time.sleep(0.02)


def answer_to(assistant, platforms, update: dict, chat: int) -> list[fakes.Call]:
    """Sends one update and returns the messages of its answer: those sent until the
    channel has handled it (the update is queued before the webhook answers 200)."""
    before = len(sent_to(platforms, chat))
    assert assistant.telegram(update)[0] == 200
    handled(assistant)
    return sent_to(platforms, chat)[before:]


def texts_of(calls: list[fakes.Call]) -> str:
    return flat([c.body["text"] for c in calls])


def test_health(assistant) -> None:
    assert assistant.get("/webhooks/telegram/")["status"] == "ok"


@pytest.mark.parametrize(
    ("text", "language_code"),
    [
        ("I lost my residence card", "en"),
        ("在留カードをなくしました", "ja"),
        ("재류카드를 잃어버렸어요", "ko"),
        ("paano po mag renew ng visa", "en"),
        ("在留卡丢了怎么办", "zh-hans"),
    ],
)
def test_answers_in_the_residents_language_as_rest_does(
    assistant, platforms, text: str, language_code: str
) -> None:
    chat = new_chat()
    rest = assistant.say(f"rest-tg-{chat}", text)
    calls = answer_to(assistant, platforms, fakes.telegram_message(chat, text), chat)
    assert texts_of(calls) == flat([r["text"] for r in rest if r.get("text")])
    assert CONSULTANT in buttons(calls[-1])


def test_missing_or_wrong_secret_is_403_and_nothing_is_processed(assistant, platforms) -> None:
    chat = new_chat()
    update = fakes.telegram_message(chat, "hello")
    assert assistant.telegram(update, secret=None)[0] == 403
    assert assistant.telegram(update, secret="wrong-secret")[0] == 403
    assert assistant.telegram(update, secret=fakes.TELEGRAM_SECRET + "x")[0] == 403
    turn_calls = answer_to(assistant, platforms, fakes.telegram_message(chat, "thanks"), chat)
    assert len(sent_to(platforms, chat)) == len(turn_calls) == 1


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", b'{"update_id": 1}', 415),
        ("application/x-www-form-urlencoded", b"update_id=1", 415),
        ("application/json", b"{not json", 400),
        ("application/json", b"[]", 400),
        ("application/json", b'{"message": {}}', 400),
        ("application/json", b'{"update_id": 5, "message": {"text": "no chat"}}', 400),
        ("application/json", b'{"update_id": "x"}', 400),
    ],
)
def test_wrong_content_types_and_malformed_updates(assistant, content_type, body, status) -> None:
    got, _ = assistant.telegram(None, content_type=content_type, body=body)
    assert got == status


def test_a_duplicate_update_is_answered_once(assistant, platforms) -> None:
    chat = new_chat()
    update = fakes.telegram_message(chat, "thanks")
    answer_to(assistant, platforms, update, chat)
    assert assistant.telegram(update)[0] == 200
    assert assistant.telegram(update)[0] == 200
    answer_to(assistant, platforms, fakes.telegram_message(chat, "thanks"), chat)
    assert len(sent_to(platforms, chat)) == 2


def test_one_chats_messages_are_answered_in_order(assistant, platforms) -> None:
    chat = new_chat()
    codes = ("en", "ko", "pt")
    texts = ("thank you so much", "감사합니다", "muito obrigado")
    for text in texts:
        assert assistant.telegram(fakes.telegram_message(chat, text))[0] == 200
    calls = platforms.wait_for("sendMessage", 3, chat_id=chat)
    assert [flat([c.body["text"]]) for c in calls] == [
        expected(MIYAGI.say("thanks", code)) for code in codes
    ]


def test_start_greets_with_the_language_menu_in_the_users_language(assistant, platforms) -> None:
    chat = new_chat()
    calls = answer_to(
        assistant, platforms, fakes.telegram_message(chat, "/start", language_code="vi"), chat
    )
    assert texts_of(calls) == expected(MIYAGI.say("greet", "vi", menu=True))
    menu = [p for p in buttons(calls[-1]) if p.startswith("/change_language")]
    assert len(menu) == 9


@pytest.mark.parametrize(
    ("command", "key", "kwargs"),
    [
        ("/help", "help", {"consultant": True}),
        ("/human", "desk_off", {}),
        ("/lang", "language_menu", {"menu": True}),
        ("/start@center_bot", "greet", {"menu": True}),
    ],
)
def test_commands(assistant, platforms, command: str, key: str, kwargs: dict) -> None:
    chat = new_chat()
    calls = answer_to(assistant, platforms, fakes.telegram_message(chat, command), chat)
    assert texts_of(calls) == expected(MIYAGI.say(key, "en", **kwargs))


def test_lang_with_a_code_switches(assistant, platforms) -> None:
    chat = new_chat()
    calls = answer_to(assistant, platforms, fakes.telegram_message(chat, "/lang ne"), chat)
    assert texts_of(calls) == expected(MIYAGI.say("language_changed", "ne"))
    assert assistant.tracker(f"telegram:{chat}")["slots"]["language"] == "ne"


def test_a_button_tap_is_answered_and_its_spinner_stopped(assistant, platforms) -> None:
    chat = new_chat()
    update = fakes.telegram_callback(chat, '/faq{"topic": "residence_card"}', language_code="pt-br")
    calls = answer_to(assistant, platforms, update, chat)
    assert texts_of(calls) == expected(MIYAGI.answer("residence_card", "pt"))
    assert platforms.wait_for(
        "answerCallbackQuery", callback_query_id=update["callback_query"]["id"]
    )


@pytest.mark.parametrize("kind", sorted(fakes.TELEGRAM_NON_TEXT))
def test_non_text_messages_get_a_polite_reply(assistant, platforms, kind: str) -> None:
    chat = new_chat()
    update = fakes.telegram_message(
        chat, None, extra=fakes.TELEGRAM_NON_TEXT[kind], language_code="tl"
    )
    calls = answer_to(assistant, platforms, update, chat)
    assert texts_of(calls) == expected(MIYAGI.say("non_text", "tl", consultant=True))
    assert CONSULTANT in buttons(calls[-1])


def test_groups_and_edits_are_ignored(assistant, platforms) -> None:
    chat = new_chat()
    group = fakes.telegram_message(-chat, "hello", chat_type="group")
    edit = fakes.telegram_message(chat, "hello")
    edit["edited_message"] = edit.pop("message")
    assert assistant.telegram(group)[0] == 200
    assert assistant.telegram(edit)[0] == 200
    answer_to(assistant, platforms, fakes.telegram_message(chat, "thanks"), chat)
    assert len(sent_to(platforms, chat)) == 1
    assert not sent_to(platforms, -chat)


def test_a_10000_character_message_is_answered_within_the_limit(assistant, platforms) -> None:
    chat = new_chat()
    text = ("I lost my residence card and I do not know what to do. " * 200)[:10_000]
    calls = answer_to(assistant, platforms, fakes.telegram_message(chat, text), chat)
    assert all(len(c.body["text"]) <= 4096 for c in calls)
    assert flat([calls[0].body["text"]]) == expected(MIYAGI.say("too_long", "en", consultant=True))


def test_a_failing_api_delays_the_answer_but_loses_nothing(assistant, platforms) -> None:
    chat = new_chat()
    platforms.trouble("sendMessage", status=502, times=2)
    update = fakes.telegram_message(chat, "thanks")
    assert assistant.telegram(update)[0] == 200
    [call] = platforms.wait_for("sendMessage", chat_id=chat, timeout=60)
    attempts = [
        c.status
        for c in platforms.calls
        if c.method == "sendMessage" and c.body.get("chat_id") == chat
    ]
    assert attempts == [502, 502, 200]
    assert flat([call.body["text"]]) == expected(MIYAGI.say("thanks", "en"))


def test_a_hanging_api_is_retried(assistant, platforms) -> None:
    chat = new_chat()
    platforms.trouble("sendMessage", hang=3.0)  # longer than PLATFORM_TIMEOUT_SECONDS=2
    assert assistant.telegram(fakes.telegram_message(chat, "thanks"))[0] == 200
    [call] = platforms.wait_for("sendMessage", chat_id=chat, timeout=60)
    assert flat([call.body["text"]]) == expected(MIYAGI.say("thanks", "en"))
    # and the server is still there
    assert assistant.get("/webhooks/telegram/")["status"] == "ok"


def test_the_update_body_is_never_echoed(assistant) -> None:
    status, answer = assistant.telegram(fakes.telegram_message(new_chat(), "my secret question"))
    assert status == 200
    assert "secret question" not in json.dumps(answer)
