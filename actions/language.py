"""Which language the conversation is in (contract: "Conversation" in docs/contract/README.md)."""

from __future__ import annotations

from typing import Any

from bot.languages import ANSWERED, DEFAULT, DETECTED, UNKNOWN, same_language


def next_language(
    current: str | None, detected: str | None, clear: bool, hint: str | None = None
) -> str | None:
    """The conversation's language after one message.

    Sticky: it is set by the first message that is clearly in a language (or, for an
    unclear first message, by the platform's profile-language hint) and changes only on a
    clear message in another language. Japanese never replaces Easy Japanese.
    """
    if detected not in DETECTED:
        detected = UNKNOWN
    if current is None:
        if detected != UNKNOWN and clear:
            return detected
        if hint in ANSWERED:
            return hint
        return None
    if detected != UNKNOWN and clear and not same_language(detected, current):
        return detected
    return current


def reply_language(slot: str | None, latest_message: dict[str, Any]) -> str:
    """The language to answer in: the conversation's, else this message's, else the hint.
    Commands and button payloads (`/start`, `/faq{...}`) say nothing about the language."""
    if slot:
        return slot
    detected = latest_message.get("language")
    if detected in DETECTED and not (latest_message.get("text") or "").startswith("/"):
        return detected
    hint = (latest_message.get("metadata") or {}).get("language_hint")
    return hint if hint in ANSWERED else DEFAULT
