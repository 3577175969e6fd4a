"""Which language the conversation is in (contract: "Conversation" in docs/contract/README.md).

One rule decides both the reply's language and the conversation's: whatever single
language a reply is written in becomes the conversation's language, so that buttons and
the next messages follow it; a reply to a message that decides nothing is written in
English and Easy Japanese together and leaves the conversation undecided (None).
"""

from __future__ import annotations

from typing import Any

from bot.languages import ANSWERED, DETECTED, UNKNOWN, same_language


def next_language(
    current: str | None,
    detected: str | None,
    clear: bool,
    hint: str | None = None,
    romanized: bool = False,
) -> str | None:
    """The conversation's language after one message; None while nothing has decided it.

    Sticky: it is set by the first message that is clearly in a language (or, when that
    message is unclear, by the platform's profile-language hint) and changes only on a
    clear message in another language. An unclear message never decides it: "OK" is not
    Indonesian. Clear Japanese written in Latin letters ("gomi no dashikata") sets Easy
    Japanese, better for a resident who cannot type Japanese script; Japanese never
    replaces Easy Japanese, nor romanized Japanese Japanese.
    """
    if detected not in DETECTED or not clear:
        detected = UNKNOWN
    if detected == "ja" and romanized:
        detected = "ja-easy"
    if current is None:
        if detected != UNKNOWN:
            return detected
        return hint if hint in ANSWERED else None
    if detected != UNKNOWN and not same_language(detected, current):
        return detected
    return current


def reply_language(slot: str | None, latest_message: dict[str, Any]) -> str | None:
    """The language to answer the latest message in, which is also the conversation's
    language after it (`action_update_language` sets the slot to it): None for English
    and Easy Japanese together, with the language menu.

    Commands and button payloads (`/start`, `/faq{...}`) say nothing about the language:
    only the platform's hint counts for them, while the conversation has no language.
    """
    command = (latest_message.get("text") or "").startswith("/")
    return next_language(
        slot,
        None if command else latest_message.get("language"),
        not command and bool(latest_message.get("language_clear")),
        (latest_message.get("metadata") or {}).get("language_hint"),
        not command and bool(latest_message.get("language_romanized")),
    )
