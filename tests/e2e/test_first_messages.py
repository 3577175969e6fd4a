"""A new resident's first message, on every channel (REST, LINE, Telegram): the twenty
most common ones, from many residents at once, against the one running assistant.

An unclear first message never decides the conversation's language: it is answered in
the platform's profile language when there is one, else in English and Easy Japanese
with the language menu at the end, never with a "not answered yet" notice, and the
conversation stays undecided. A clear one (こんにちは, 안녕하세요, xin chào) is answered
in its language and sets it. Then a button, and a choice from the menu, follow the
language set.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.guidebook import Renderer, load_guidebook
from bot.guidebook.render import LANGUAGE_PAYLOAD, language_payload, topic_payload
from bot.languages import ANSWERED, BILINGUAL, NOT_YET_ANSWERED, from_locale
from tests import fakes
from tests.conftest import GUIDEBOOK
from tests.e2e.test_telegram_channel import handled, sent_to

MIYAGI = Renderer(load_guidebook(GUIDEBOOK, "miyagi"))
STICKER = "<sticker>"  # a sticker event (LINE, Telegram); on REST an empty text of that type
UNCLEAR = "unclear"
FROM_PARSE = "from the parse"  # borderline: the detector's `language_clear` decides

# The first messages, and the language each one sets: hard-coded where it is obvious.
FIRST: dict[str, str] = {
    "hi": UNCLEAR,
    "Hi!": UNCLEAR,
    "hello": FROM_PARSE,
    "hello?": FROM_PARSE,
    "OK": UNCLEAR,
    "ok": UNCLEAR,
    "yes": UNCLEAR,
    "no": UNCLEAR,
    "help": FROM_PARSE,
    "?": UNCLEAR,
    "thanks": FROM_PARSE,
    "thank you": FROM_PARSE,
    "👍": UNCLEAR,
    STICKER: UNCLEAR,
    "test": FROM_PARSE,
    "hey": FROM_PARSE,
    "good morning": FROM_PARSE,
    "こんにちは": "ja",
    "안녕하세요": "ko",
    "xin chào": "vi",
}
HINTS = [None, "pt-BR"]  # no profile language; a Brazilian resident's app
TOPIC = "garbage_disposal"  # the button tapped next
CHOSEN = "ne"  # the language chosen from the menu by an undecided resident

MENU = [language_payload(code) for code in ANSWERED]
MENU_TEXT = MIYAGI.language_menu(None)[0].text
NOTICES = [r.text for code in sorted(NOT_YET_ANSWERED) for r in MIYAGI.not_yet_answered(code)]


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def _guidebook_lines(lang: str) -> set[str]:
    """Every line the assistant can write in `lang` (messages and answers)."""
    lines: set[str] = set()
    for key in MIYAGI.guidebook.messages[lang]["messages"]:
        try:
            lines |= _lines(MIYAGI.message(key, lang))
        except KeyError:  # a message with a value of its own ({language_name})
            continue
    for topic in MIYAGI.guidebook.topics:
        lines |= _lines(MIYAGI.answer(topic, lang)[0].text)
    return lines


LINES = {lang: _guidebook_lines(lang) for lang in ANSWERED}


def assert_written_in(texts: list[str], language: str | None) -> None:
    """`texts` (the messages of one answer, as a channel cut them) are in `language`, line
    by line; None: in English and Easy Japanese, English first."""
    assert texts, "no answer"
    assert not [t for t in texts if any(notice in t for notice in NOTICES)], texts
    lines = [line for text in texts for line in _lines(text)]
    written = BILINGUAL if language is None else (language,)
    for line in lines:
        assert any(line in LINES[lang] for lang in written), (language, line)
    if language is None:
        english, easy = (LINES[lang] for lang in BILINGUAL)
        assert lines[0] in english, lines
        assert any(line not in easy for line in lines), lines
        assert any(line not in english for line in lines), lines


def flat(texts: list[str]) -> str:
    return " ".join(" ".join(texts).split())


def followed(language: str | None, replies: list[Any]) -> str:
    """What a reply is when it follows `language`: as written, plus the menu while undecided."""
    return flat([r.text for r in replies] + ([MENU_TEXT] if language is None else []))


_parses: dict[str, dict] = {}


def language_set_by(assistant, text: str, hint: str | None) -> str | None:
    """The conversation's language after `text` as a first message (None: undecided)."""
    expected = FIRST.get(text, FROM_PARSE)
    if expected == FROM_PARSE:
        if text not in _parses:
            _parses[text] = assistant.parse(text)
        parse = _parses[text]
        if parse["language_clear"]:
            romanized = parse["language"] == "ja" and parse.get("language_romanized")
            return "ja-easy" if romanized else parse["language"]
        expected = UNCLEAR
    return from_locale(hint) if expected == UNCLEAR else expected


_ids = itertools.count()


# -- REST -------------------------------------------------------------------------------------


def rest_say(assistant, sender: str, text: str, hint: str | None) -> list[dict]:
    metadata: dict[str, Any] = {"language_hint": from_locale(hint)} if hint else {}
    if text == STICKER:
        return assistant.say(sender, "", message_type="sticker", **metadata)
    return assistant.say(sender, text, **metadata)


def rest_menu_at_the_end(replies: list[dict]) -> None:
    """The menu once, on the last message."""
    language_buttons = [
        [b["payload"] for b in r.get("buttons", []) if b["payload"].startswith(LANGUAGE_PAYLOAD)]
        for r in replies
    ]
    assert language_buttons[-1] == MENU and not any(language_buttons[:-1])


@pytest.mark.parametrize("hint", HINTS)
def test_first_messages_on_rest(assistant, hint: str | None) -> None:
    undecided = []
    for text in FIRST:
        me = f"first-{next(_ids)}"
        language = language_set_by(assistant, text, hint)
        replies = rest_say(assistant, me, text, hint)
        assert_written_in([r["text"] for r in replies if r.get("text")], language)
        if language is None:
            rest_menu_at_the_end(replies)
            undecided.append(me)
        assert assistant.slot(me, "language") == language, text
        # the next button follows it
        replies = rest_say(assistant, me, topic_payload(TOPIC), hint)
        assert flat([r["text"] for r in replies]) == followed(
            language, MIYAGI.answer(TOPIC, language)
        )
        assert assistant.slot(me, "language") == language, text
    assert bool(undecided) == (hint is None)
    for me in undecided[:2]:  # the menu decides, and the next button follows
        replies = rest_say(assistant, me, language_payload(CHOSEN), hint)
        assert flat([r["text"] for r in replies]) == followed(
            CHOSEN, MIYAGI.say("language_changed", CHOSEN)
        )
        assert assistant.slot(me, "language") == CHOSEN
        replies = rest_say(assistant, me, topic_payload("taxes"), hint)
        assert flat([r["text"] for r in replies]) == followed(
            CHOSEN, MIYAGI.answer("taxes", CHOSEN)
        )


ROMAJI = ["gomi no dashikata", "zairyu kaado wo nakushimashita"]


def test_romanized_japanese_first_follows_the_parse(assistant) -> None:
    """Clear romaji sets Easy Japanese (the parse's `language_romanized`), and the next
    button follows it; unclear romaji decides nothing, like any unclear message."""
    for text in ROMAJI:
        me = f"first-{next(_ids)}"
        language = language_set_by(assistant, text, None)
        assert language in (None, "ja-easy", "ja")
        assert_written_in([r["text"] for r in rest_say(assistant, me, text, None)], language)
        assert assistant.slot(me, "language") == language
        replies = rest_say(assistant, me, topic_payload(TOPIC), None)
        assert flat([r["text"] for r in replies]) == followed(
            language, MIYAGI.answer(TOPIC, language)
        )


def test_a_language_not_answered_yet_is_kept_for_the_buttons(assistant) -> None:
    """A clear Indonesian message sets `id`: the notice once, then every answer in English
    and Easy Japanese, with no menu (the language is decided)."""
    me = f"first-{next(_ids)}"
    replies = rest_say(assistant, me, "selamat pagi, saya mau tanya tentang pajak", None)
    assert "Indonesian" in flat([r["text"] for r in replies])
    assert assistant.slot(me, "language") == "id"
    replies = rest_say(assistant, me, topic_payload(TOPIC), None)
    assert flat([r["text"] for r in replies]) == flat([r.text for r in MIYAGI.answer(TOPIC, "id")])
    assert not [b for r in replies for b in r.get("buttons", []) if b["payload"] in MENU]


# -- LINE -------------------------------------------------------------------------------------


def line_event(user: str, text: str, **kwargs: Any) -> dict:
    if text == STICKER:
        return fakes.line_event(user, message_type="sticker", **kwargs)
    if text.startswith("/"):
        return fakes.line_event(user, kind="postback", data=text, **kwargs)
    return fakes.line_event(user, text, **kwargs)


def line_answers(assistant, platforms, sent: dict[str, str]) -> dict[str, fakes.Call]:
    """Sends each resident's event at once; returns each one's reply call."""
    events = {user: line_event(user, text) for user, text in sent.items()}
    for event in events.values():
        assert assistant.line(event)[0] == 200
    return {
        user: platforms.wait_for("message/reply", replyToken=event["replyToken"])[0]
        for user, event in events.items()
    }


def line_texts(call: fakes.Call) -> list[str]:
    return [m["text"] for m in call.body["messages"]]


def line_quick_replies(call: fakes.Call) -> list[str]:
    last = call.body["messages"][-1]
    return [i["action"]["data"] for i in (last.get("quickReply") or {}).get("items", [])]


@pytest.mark.parametrize("hint", HINTS)
def test_first_messages_on_line(assistant, platforms, hint: str | None) -> None:
    users = {f"U{next(_ids):032x}f": text for text in FIRST}
    if hint:
        platforms.profiles.update({user: hint for user in users})
    languages = {user: language_set_by(assistant, text, hint) for user, text in users.items()}
    first = line_answers(assistant, platforms, users)
    for user, call in first.items():
        assert_written_in(line_texts(call), languages[user])
        if languages[user] is None:  # quick replies show under the last message only
            assert line_quick_replies(call)[-len(MENU) :] == MENU
        assert assistant.tracker(f"line:{user}")["slots"]["language"] == languages[user]
    taps = line_answers(assistant, platforms, dict.fromkeys(users, topic_payload(TOPIC)))
    for user, call in taps.items():
        expected = followed(languages[user], MIYAGI.answer(TOPIC, languages[user]))
        assert flat(line_texts(call)) == expected
    undecided = [user for user in users if languages[user] is None][:2]
    assert bool(undecided) == (hint is None)
    chosen = line_answers(assistant, platforms, dict.fromkeys(undecided, language_payload(CHOSEN)))
    for user, call in chosen.items():
        assert flat(line_texts(call)) == followed(CHOSEN, MIYAGI.say("language_changed", CHOSEN))
        assert assistant.tracker(f"line:{user}")["slots"]["language"] == CHOSEN


# -- Telegram ---------------------------------------------------------------------------------


def telegram_update(chat: int, text: str, hint: str | None) -> dict:
    if text == STICKER:
        return fakes.telegram_message(
            chat, None, extra=fakes.TELEGRAM_NON_TEXT["sticker"], language_code=hint
        )
    if text.startswith("/"):
        return fakes.telegram_callback(chat, text, language_code=hint)
    return fakes.telegram_message(chat, text, language_code=hint)


def telegram_answers(
    assistant, platforms, sent: dict[int, str], hint: str | None
) -> dict[int, list[fakes.Call]]:
    """Sends each resident's update at once; returns the messages each one was sent."""
    before = {chat: len(sent_to(platforms, chat)) for chat in sent}
    for chat, text in sent.items():
        assert assistant.telegram(telegram_update(chat, text, hint))[0] == 200
    handled(assistant)
    return {chat: sent_to(platforms, chat)[before[chat] :] for chat in sent}


def telegram_buttons(call: fakes.Call) -> list[str]:
    markup = call.body.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@pytest.mark.parametrize("hint", HINTS)
def test_first_messages_on_telegram(assistant, platforms, hint: str | None) -> None:
    chats = {800_000 + next(_ids): text for text in FIRST}
    languages = {chat: language_set_by(assistant, text, hint) for chat, text in chats.items()}
    first = telegram_answers(assistant, platforms, chats, hint)
    for chat, calls in first.items():
        assert_written_in([c.body["text"] for c in calls], languages[chat])
        if languages[chat] is None:  # the menu once, under the last message
            menus = [
                [b for b in telegram_buttons(c) if b.startswith(LANGUAGE_PAYLOAD)] for c in calls
            ]
            assert menus[-1] == MENU and not any(menus[:-1])
        assert assistant.tracker(f"telegram:{chat}")["slots"]["language"] == languages[chat]
    taps = telegram_answers(assistant, platforms, dict.fromkeys(chats, topic_payload(TOPIC)), hint)
    for chat, calls in taps.items():
        expected = followed(languages[chat], MIYAGI.answer(TOPIC, languages[chat]))
        assert flat([c.body["text"] for c in calls]) == expected
    undecided = [chat for chat in chats if languages[chat] is None][:2]
    assert bool(undecided) == (hint is None)
    chosen = telegram_answers(
        assistant, platforms, dict.fromkeys(undecided, language_payload(CHOSEN)), hint
    )
    for chat, calls in chosen.items():
        assert flat([c.body["text"] for c in calls]) == followed(
            CHOSEN, MIYAGI.say("language_changed", CHOSEN)
        )
        assert assistant.tracker(f"telegram:{chat}")["slots"]["language"] == CHOSEN
