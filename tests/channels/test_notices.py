"""Which language a channel's own notice is written in."""

from __future__ import annotations

from types import SimpleNamespace

from rasa.core.channels.channel import UserMessage

from bot.channels.notices import FALLBACK, Notices
from bot.languages import UNKNOWN


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


async def test_a_ticket_takes_no_language_from_an_unclear_message() -> None:
    """The desk's ticket: an unclear "help" leaves the language undecided, a clear message
    in a language not answered yet names it, clear romaji is Easy Japanese, a hint wins."""
    unclear = notices_with({"language": "en", "language_clear": False})
    assert await unclear.conversation_language(UserMessage("help", sender_id="r5")) == UNKNOWN
    indonesian = notices_with({"language": "id", "language_clear": True})
    message = UserMessage("saya mau bicara dengan orang", sender_id="r6")
    assert await indonesian.conversation_language(message) == "id"
    assert await indonesian.languages(message) == FALLBACK
    romaji = notices_with({"language": "ja", "language_clear": True, "language_romanized": True})
    assert await romaji.conversation_language(
        UserMessage("hito to hanashitai", sender_id="r7")
    ) == ("ja-easy")
    hinted = UserMessage("help", sender_id="r8", metadata={"language_hint": "vi"})
    assert await unclear.conversation_language(hinted) == "vi"
