"""Whole conversations over the REST channel, against the real trained assistant."""

from __future__ import annotations

import itertools

import pytest

from bot.guidebook import Renderer, load_guidebook
from tests.conftest import GUIDEBOOK

_ids = itertools.count()
MIYAGI = Renderer(load_guidebook(GUIDEBOOK, "miyagi"))


def new_resident() -> str:
    return f"resident-{next(_ids)}"


def text_of(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons_of(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons", [])]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("在留カードをなくしました", "ja"),
        ("在留卡丢了怎么办", "zh"),
        ("재류카드를 잃어버렸어요", "ko"),
        ("paano po mag renew ng visa", "tl"),
        ("tôi muốn gia hạn visa", "vi"),
        ("मेरो कार्ड हरायो", "ne"),
        ("como faço pra renovar o visto", "pt"),
        ("where is the city office", "en"),
        ("👍", "und"),
    ],
)
def test_parse_result_has_language(assistant, text: str, language: str) -> None:
    result = assistant.parse(text)
    assert result["language"] == language
    assert result["intent"]["name"]


def test_parse_result_for_a_topic(assistant) -> None:
    result = assistant.parse("I lost my residence card")
    assert result["intent"]["name"] == "faq"
    key = result["response_selector"]["faq"]["response"]["intent_response_key"]
    assert key == "faq/residence_card"


def test_greeting_offers_the_language_menu_and_the_menu_switches(assistant) -> None:
    me = new_resident()
    replies = assistant.say(me, "hello")
    payloads = [b["payload"] for b in buttons_of(replies)]
    assert '/change_language{"language": "ko"}' in payloads
    assert '/change_language{"language": "ja-easy"}' in payloads
    replies = assistant.say(me, '/change_language{"language": "ko"}')
    assert "한국어" in text_of(replies)
    assert assistant.slot(me, "language") == "ko"
    # Short ambiguous messages never change it.
    for message in ("ok", "👍", "110"):
        assistant.say(me, message)
        assert assistant.slot(me, "language") == "ko"


def test_a_clear_message_in_another_language_switches(assistant) -> None:
    me = new_resident()
    assistant.say(me, "안녕하세요")
    assert assistant.slot(me, "language") == "ko"
    replies = assistant.say(me, "Where can I get health insurance?")
    assert assistant.slot(me, "language") == "en"
    assert "insurance" in text_of(replies).lower()


def test_lang_command_and_change_language_by_name(assistant) -> None:
    me = new_resident()
    replies = assistant.say(me, "/lang")
    assert len(buttons_of(replies)) == 9
    assistant.say(me, "/lang vi")
    assert assistant.slot(me, "language") == "vi"


def test_easy_japanese_is_kept_when_writing_japanese(assistant) -> None:
    me = new_resident()
    assistant.say(me, '/change_language{"language": "ja-easy"}')
    replies = assistant.say(me, "ゴミはいつ出しますか")
    assert assistant.slot(me, "language") == "ja-easy"
    assert "（" in text_of(replies)  # readings in brackets


def test_emergency_in_the_conversation_language(assistant) -> None:
    me = new_resident()
    assistant.say(me, "xin chào")
    replies = assistant.say(me, "cháy nhà rồi cứu với")
    first = replies[0]["text"].splitlines()[0]
    assert "110" in first and "119" in first
    assert "Cảnh sát" in replies[0]["text"] or "cảnh sát" in replies[0]["text"]


def test_guidebook_answers_in_several_languages(assistant) -> None:
    for text, word in [
        ("ゴミの出し方を教えて", "朝"),
        ("垃圾怎么扔", "早上"),
        ("gomi rules?", "morning"),
    ]:
        replies = assistant.say(new_resident(), text)
        assert word in text_of(replies), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "empty"), ("   ", "empty"), ("😀🎉", "only read words"), ("\x00\x07\x1b", "empty")],
)
def test_bad_input_gets_a_clear_reply(assistant, text: str, expected: str) -> None:
    me = new_resident()
    assistant.say(me, "hi")
    assert expected in text_of(assistant.say(me, text))


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_very_long_and_mixed_messages(assistant) -> None:
    me = new_resident()
    replies = assistant.say(me, "I lost my residence card. " * 400)
    text = _flat(text_of(replies))
    assert _flat(MIYAGI.say("too_long", "en")[0].text) in text
    assert _flat(MIYAGI.answer("residence_card", "en")[0].text) in text
    # Four languages in one message: the residence card, answered or offered.
    replies = assistant.say(me, "zairyu カード 재류 card 卡 ??? lost")
    answered = _flat(MIYAGI.answer("residence_card", "en")[0].text) in _flat(text_of(replies))
    offered = any("residence_card" in b["payload"] for b in buttons_of(replies))
    assert answered or offered


def test_a_language_not_answered_yet(assistant) -> None:
    me = new_resident()
    replies = assistant.say(me, "selamat pagi, saya mau tanya tentang pajak")
    text = text_of(replies)
    assert "Indonesian" in text and "インドネシア" in text
    assert "/human_handoff" in [b["payload"] for b in buttons_of(replies)]


def test_profile_language_hint_counts_for_an_unclear_first_message(assistant) -> None:
    me = new_resident()
    assistant.say(me, "ok", language_hint="pt")
    assert assistant.slot(me, "language") == "pt"
