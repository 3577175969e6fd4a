"""What a channel says by itself, when the assistant cannot answer.

- `failure`: Rasa or the action server failed on a message, or answered nothing.
- `too_many`: the resident has QUEUE_PER_RESIDENT events waiting already.
- `busy`: the server has QUEUE_TOTAL events waiting already.

Each is a message of guidebook/messages/<lang>.yml (with the center's consultation phone,
and 110/119 on its last line: the message that could not be answered may be an emergency),
in the conversation's language: the tracker's `language` slot; when the conversation has
none (or the tracker store is what fails), the platform's language hint; else the language
the model detects in the message, when it is clear ("hi" or "ok" are not; clear romanized
Japanese is answered in Easy Japanese, as the assistant does); else English and Easy
Japanese together, as the assistant's own replies while no language is decided.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.guidebook import Renderer, load_guidebook
from bot.languages import ANSWERED, BILINGUAL, DETECTED, UNKNOWN, reply_language
from bot.settings import Settings

logger = logging.getLogger(__name__)

KEYS = ("failure", "too_many", "busy")
# When no language is known: the same pair as the assistant's undecided replies.
FALLBACK = BILINGUAL


@lru_cache(maxsize=1)
def renderer() -> Renderer:
    settings = Settings.from_env()
    return Renderer(load_guidebook(settings.guidebook_dir, settings.center))


class Notices:
    """Writes a channel's own messages; `app` is the Rasa server (set when it starts)."""

    def __init__(self) -> None:
        self.app: Any = None

    @property
    def agent(self) -> Any:
        """The server's Rasa agent (it changes when a model is loaded), or None."""
        return getattr(self.app.ctx, "agent", None) if self.app is not None else None

    async def languages(self, message: UserMessage) -> tuple[str, ...]:
        """The conversation's language, or the best guess, or FALLBACK."""
        language = await self._first(message, ANSWERED)
        return (language,) if language else FALLBACK

    async def conversation_language(self, message: UserMessage) -> str:
        """The language a desk ticket is opened in: as `languages`, but a language not
        answered yet stays itself (the consultants read インドネシア語, the resident is
        written to in English and Easy Japanese), and with none decided it is UNKNOWN: an
        unclear "help" does not make the resident English."""
        return await self._first(message, (*ANSWERED, *DETECTED)) or UNKNOWN

    async def _first(self, message: UserMessage, accepted: tuple[str, ...]) -> str | None:
        """The first of the slot, the hint and a clear detection that is `accepted`."""
        for guess in (self._slot, self._hint, self._detected):
            try:
                language = await guess(message)
            except Exception as error:  # noqa: BLE001 - the next guess, then the fallback
                logger.info("notices: no language from %s (%s)", guess.__name__, error)
                continue
            if language in accepted:
                return language
        return None

    async def _slot(self, message: UserMessage) -> str | None:
        if self.agent is None or self.agent.tracker_store is None:
            return None
        tracker = await self.agent.tracker_store.retrieve(message.sender_id)
        return tracker.get_slot("language") if tracker else None

    async def _hint(self, message: UserMessage) -> str | None:
        return (message.metadata or {}).get("language_hint")

    async def _detected(self, message: UserMessage) -> str | None:
        text = (message.text or "").strip()
        if self.agent is None or not text or text.startswith("/") or not self.agent.is_ready():
            return None  # nothing to read, or a command or button payload
        parse = await self.agent.parse_message(message.text)
        return reply_language(None, parse)  # clear romaji is Easy Japanese, as in the actions

    async def text(self, key: str, message: UserMessage) -> str:
        """The notice `key` for the resident who sent `message`."""
        languages = await self.languages(message)
        return "\n\n".join(renderer().message(key, language) for language in languages)
