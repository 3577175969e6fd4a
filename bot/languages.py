"""The languages of the contract (docs/contract/README.md): codes and what each is for."""

from __future__ import annotations

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
