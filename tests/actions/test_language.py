"""The conversation's language: sticky, changed only by clear messages (contract)."""

from __future__ import annotations

import pytest

from actions.language import next_language, reply_language


@pytest.mark.parametrize(
    ("current", "detected", "clear", "hint", "expected"),
    [
        (None, "ko", True, None, "ko"),  # first clear message sets it
        (None, "en", False, None, None),  # "ok" first: nothing yet
        (None, "en", False, "pt", "pt"),  # ...unless the platform hints
        (None, "und", False, "xx", None),  # an unknown hint is ignored
        ("vi", "en", False, None, "vi"),  # "ok" never changes it
        ("vi", "und", False, None, "vi"),  # "👍", "110"
        ("vi", "ja", True, None, "ja"),  # a clear message in another language does
        ("ja-easy", "ja", True, None, "ja-easy"),  # Japanese keeps Easy Japanese
        ("en", "id", True, None, "id"),  # a language not answered yet is still noted
        ("en", "klingon", True, None, "en"),  # not a contract code
        ("zh", "zh", True, "ko", "zh"),  # the hint counts for the first message only
    ],
)
def test_next_language(current, detected, clear, hint, expected) -> None:
    assert next_language(current, detected, clear, hint) == expected


def test_reply_language() -> None:
    assert reply_language("ko", {"language": "en"}) == "ko"
    assert reply_language(None, {"language": "vi"}) == "vi"
    assert reply_language(None, {"language": "und", "metadata": {"language_hint": "pt"}}) == "pt"
    assert reply_language(None, {"language": "und"}) == "en"
    # A command says nothing about the language: the platform's hint counts.
    start = {"text": "/start", "language": "en", "metadata": {"language_hint": "vi"}}
    assert reply_language(None, start) == "vi"
