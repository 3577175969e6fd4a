"""The languages of the contract (docs/contract/README.md): codes and what each is for,
and which language the conversation is in ("Conversation" in the contract).

One rule decides both the reply's language and the conversation's: whatever single
language a reply is written in becomes the conversation's language, so that buttons and
the next messages follow it; a reply to a message that decides nothing is written in
English and Easy Japanese together and leaves the conversation undecided (None).
"""

from __future__ import annotations

from typing import Any

# Languages the assistant answers in, in menu order. `ja-easy` is chosen, never detected.
ANSWERED: tuple[str, ...] = ("ja", "ja-easy", "en", "zh", "ko", "pt", "tl", "vi", "ne")

# Languages the detector recognises: the answered ones (but ja-easy) and four more.
DETECTED: tuple[str, ...] = ("ja", "en", "zh", "ko", "pt", "tl", "vi", "ne", "id", "es", "th", "my")

# Detected but not answered yet: replies come in English and Easy Japanese.
NOT_YET_ANSWERED: frozenset[str] = frozenset(set(DETECTED) - set(ANSWERED))

# The languages of a reply that no single language fits: for a language not answered yet,
# and while nothing has decided the conversation's language (an unclear first message).
BILINGUAL: tuple[str, ...] = ("en", "ja-easy")

UNKNOWN = "und"

# How each language names itself: the labels of the language menu.
AUTONYMS: dict[str, str] = {
    "ja": "日本語",
    "ja-easy": "やさしい日本語",
    "en": "English",
    "zh": "中文",
    "ko": "한국어",
    "pt": "Português",
    "tl": "Tagalog",
    "vi": "Tiếng Việt",
    "ne": "नेपाली",
}


def same_language(a: str | None, b: str | None) -> bool:
    """Japanese and Easy Japanese are one language for detection: `ja` never overrides `ja-easy`."""
    if a is None or b is None:
        return a == b
    return a.split("-")[0] == b.split("-")[0]


def reply_languages(conversation: str | None) -> list[str]:
    """The guidebook languages a reply is written in for a conversation language: that
    one when it is answered, else English and Easy Japanese (a language not answered yet,
    or None: no language decided yet)."""
    if conversation in ANSWERED:
        return [conversation]
    return list(BILINGUAL)


def from_locale(locale: str | None) -> str | None:
    """The answered language of a platform's locale tag ("pt-BR", "zh-Hant", "fil"), if any.

    LINE profiles and Telegram users carry such tags; they are a hint for a first message
    that says too little to detect. Plain Japanese stays `ja`: Easy Japanese is chosen.
    """
    if not locale:
        return None
    base = locale.strip().replace("_", "-").split("-")[0].lower()
    base = "tl" if base == "fil" else base
    return base if base in ANSWERED else None


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
