"""The conversation's language: sticky, changed only by clear messages (contract); an
unclear message never decides it, and the reply's language is the conversation's."""

from __future__ import annotations

import pytest

from bot.languages import next_language, reply_language


@pytest.mark.parametrize(
    ("current", "detected", "clear", "hint", "expected"),
    [
        (None, "ko", True, None, "ko"),  # first clear message sets it
        (None, "en", False, None, None),  # "hello" first: nothing yet
        (None, "id", False, None, None),  # "OK" is not Indonesian
        (None, "vi", False, None, None),  # nor "hi" Vietnamese
        (None, "pt", False, None, None),  # nor "no" Portuguese
        (None, "tl", False, None, None),  # nor "tax" Tagalog
        (None, "en", False, "pt", "pt"),  # ...unless the platform hints
        (None, "id", False, "pt", "pt"),  # the hint, never the unclear guess
        (None, "und", False, "xx", None),  # an unknown hint is ignored
        (None, "und", False, "id", None),  # a hint is never a language not answered yet
        (None, "id", True, None, "id"),  # a clear Indonesian message: not answered yet
        (None, "id", True, "pt", "id"),  # a clear message beats the hint
        ("vi", "en", False, None, "vi"),  # "ok" never changes it
        ("vi", "und", False, None, "vi"),  # "👍", "110"
        ("vi", "ja", True, None, "ja"),  # a clear message in another language does
        ("ja-easy", "ja", True, None, "ja-easy"),  # Japanese keeps Easy Japanese
        ("en", "id", True, None, "id"),  # a language not answered yet is still noted
        ("en", "klingon", True, None, "en"),  # not a contract code
        ("zh", "zh", True, "ko", "zh"),  # the hint counts for the first message only
        ("ko", None, False, "pt", "ko"),  # a command keeps it
    ],
)
def test_next_language(current, detected, clear, hint, expected) -> None:
    assert next_language(current, detected, clear, hint) == expected


@pytest.mark.parametrize(
    ("current", "clear", "expected"),
    [
        (None, True, "ja-easy"),  # "gomi no dashikata": Easy Japanese
        ("en", True, "ja-easy"),  # a clear switch, to Easy Japanese
        ("ja", True, "ja"),  # a resident who also writes kana keeps Japanese
        ("ja-easy", True, "ja-easy"),
        (None, False, None),  # unclear romaji decides nothing either
        ("vi", False, "vi"),
    ],
)
def test_romanized_japanese_sets_easy_japanese(current, clear, expected) -> None:
    assert next_language(current, "ja", clear, romanized=True) == expected


def message(text: str, language: str, clear: bool, **extra) -> dict:
    return {"text": text, "language": language, "language_clear": clear, **extra}


@pytest.mark.parametrize(
    ("slot", "latest", "expected"),
    [
        ("ko", message("ok", "en", False), "ko"),
        ("ko", message("where is the city office", "en", True), "en"),
        (None, message("xin chào", "vi", True), "vi"),
        (None, message("こんにちは", "ja", True), "ja"),
        # unclear, no hint: undecided (English and Easy Japanese, with the menu)
        (None, message("OK", "id", False), None),
        (None, message("hi", "vi", False), None),
        (None, message("no", "pt", False), None),
        (None, message("", "und", False, metadata={"message_type": "sticker"}), None),
        # unclear with the platform's hint: the hint
        (None, message("OK", "id", False, metadata={"language_hint": "pt"}), "pt"),
        (None, message("", "und", False, metadata={"language_hint": "ko"}), "ko"),
        # romanized Japanese: Easy Japanese; in Japanese script: Japanese
        (None, message("gomi no dashikata", "ja", True, language_romanized=True), "ja-easy"),
        (None, message("ゴミの出し方", "ja", True, language_romanized=False), "ja"),
        # commands and button payloads say nothing: only the hint counts, while undecided
        (None, message("/start", "en", True, metadata={"language_hint": "vi"}), "vi"),
        (None, message('/faq{"topic": "taxes"}', "tl", True), None),
        ("ne", message('/faq{"topic": "taxes"}', "tl", True), "ne"),
        ("ne", message("/start", "en", True, metadata={"language_hint": "vi"}), "ne"),
    ],
)
def test_reply_language(slot, latest, expected) -> None:
    assert reply_language(slot, latest) == expected


def test_the_reply_language_is_stable_once_it_is_the_slot() -> None:
    """action_update_language sets the slot to the reply's language before the reply is
    written; the action reading the slot then must arrive at the same language."""
    for latest in (
        message("OK", "id", False, metadata={"language_hint": "pt"}),
        message("gomi no dashikata", "ja", True, language_romanized=True),
        message("selamat pagi", "id", True),
        message("hi", "vi", False),
    ):
        after = reply_language(None, latest)
        assert reply_language(after, latest) == after
