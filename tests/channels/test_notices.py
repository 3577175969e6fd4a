"""Which language a channel's own notice is written in."""

from __future__ import annotations

from types import SimpleNamespace

from rasa.core.channels.channel import UserMessage

from bot.channels.notices import FALLBACK, Notices


class Agent:
    """The part of a Rasa agent the notices read: no tracker store, a parse."""

    tracker_store = None

    def __init__(self, parse: dict) -> None:
        self.parse = parse

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text: str) -> dict:
        return self.parse


def notices_with(parse: dict) -> Notices:
    notices = Notices()
    notices.app = SimpleNamespace(ctx=SimpleNamespace(agent=Agent(parse)))
    return notices


async def test_unclear_message_gets_english_and_easy_japanese() -> None:
    notices = notices_with({"language": "id", "language_clear": False})
    assert (
        await notices.languages(UserMessage("OK", sender_id="r1")) == FALLBACK == ("en", "ja-easy")
    )


async def test_clear_romaji_gets_easy_japanese_and_a_hint_wins() -> None:
    romaji = {"language": "ja", "language_clear": True, "language_romanized": True}
    notices = notices_with(romaji)
    assert await notices.languages(UserMessage("gomi no dashikata", sender_id="r2")) == ("ja-easy",)
    hinted = UserMessage("gomi", sender_id="r3", metadata={"language_hint": "pt"})
    assert await notices.languages(hinted) == ("pt",)
    kanji = notices_with({"language": "ja", "language_clear": True, "language_romanized": False})
    assert await kanji.languages(UserMessage("ゴミの出し方", sender_id="r4")) == ("ja",)
