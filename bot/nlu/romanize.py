"""Japanese, Nepali and Chinese training examples written in Latin letters, as residents
type them when their keyboard has no kana, Devanagari or Chinese input ("gomi no
dashikata", "mero visa sakiyo", "ta zai da wo").

The language detector's own n-gram model learns romanized Japanese, Nepali and Chinese from
these beside the romanized examples the training data holds. The letters come from
maintained libraries: cutlet (Hepburn romaji, on the fugashi tagger and unidic-lite the
tokenizer uses), indic-transliteration (Devanagari to ITRANS-style letters) and pypinyin
(pinyin without tone marks, as phones type it), with the spelling chats use: lower case,
long vowels as plain letters, and the word-final inherent vowel that Nepali does not
pronounce dropped (दिन "din", not "dina"; गर्न keeps it, "garna").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

# Which labels are romanized, and as which language.
ROMANIZED_AS = {"ja": "ja", "ja-easy": "ja", "ne": "ne", "zh": "zh"}

_VIRAMA = "\u094d"
_DEVANAGARI_WORD = re.compile(r"[\u0900-\u097f]+")


@lru_cache(maxsize=1)
def _cutlet():
    import cutlet

    katsu = cutlet.Cutlet()  # Hepburn, as residents write it: shi, tsu, ja
    katsu.use_foreign_spelling = False  # カード as "kaado", not "card"
    return katsu


def japanese(text: str) -> str:
    """The grammar of a Japanese text in Hepburn romaji, lower case, its nouns left out:
    病院はどこですか -> "wa doko desu ka". Every community writes Japanese nouns inside its
    own language (kokuho, kodomo teate, zairyu card); what only romanized Japanese writes
    is the rest: particles, verbs, endings."""
    import cutlet

    katsu = _cutlet()
    words = katsu.tagger(cutlet.cutlet.normalize_text(text))
    tokens = katsu.romaji_tokens(words, capitalize=False)
    kept = [
        " " if word.feature.pos1 in _NOUNS or word.surface.isascii() else str(token)
        for word, token in zip(words, tokens, strict=True)
    ]
    return " ".join("".join(kept).lower().split())


_NOUNS = {"名詞", "接頭辞", "接尾辞"}


def _is_consonant(ch: str) -> bool:
    return "\u0915" <= ch <= "\u0939" or "\u0958" <= ch <= "\u095f"


def _nepali_word(word: str) -> str:
    from indic_transliteration import sanscript

    letters = sanscript.transliterate(word, sanscript.DEVANAGARI, sanscript.OPTITRANS).lower()
    # A word ending in a lone consonant (no vowel sign, not a conjunct) is said without its
    # inherent vowel: दिन din, हजुर hajur; a conjunct keeps it: गर्न garna.
    ends_bare = len(word) >= 2 and _is_consonant(word[-1]) and word[-2] != _VIRAMA
    if ends_bare and letters.endswith("a") and not letters.endswith("aa"):
        letters = letters[:-1]
    return letters


def nepali(text: str) -> str:
    """Nepali in Devanagari as chats spell it in Latin letters: फोहोर कुन दिन फाल्ने हो ->
    "phohor kun din phalne ho"."""
    return _DEVANAGARI_WORD.sub(lambda m: _nepali_word(m.group()), text)


def chinese(text: str) -> list[str]:
    """Chinese in pinyin without tones, the two ways chats write it: a syllable at a time
    (救命 -> "jiu ming") and a word at a time ("jiuming"), cut as jieba cuts words."""
    import jieba
    from pypinyin import lazy_pinyin

    words = [lazy_pinyin(w) for w in jieba.cut(text) if _has(w, "\u4e00", "\u9fff")]
    return [
        " ".join(" ".join(w) for w in words).lower(),
        " ".join("".join(w) for w in words).lower(),
    ]


def _has(text: str, low: str, high: str) -> bool:
    return any(low <= ch <= high for ch in text)


def romanized(examples: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(language, text) in Latin letters for each Japanese, Nepali or Chinese example written
    in its own script (the Japanese without its nouns, the Chinese both ways); the others,
    or a Japanese example that is all nouns, give nothing."""
    for lang, text in examples:
        target = ROMANIZED_AS.get(lang)
        text = unicodedata.normalize("NFKC", text)
        if target == "ja" and _has(text, "\u3040", "\u9fff"):
            spellings = [japanese(text)]
        elif target == "ne" and _has(text, "\u0900", "\u097f"):
            spellings = [nepali(text)]
        elif target == "zh" and _has(text, "\u4e00", "\u9fff"):
            spellings = chinese(text)
        else:
            continue
        for letters in spellings:
            if letters.strip():
                yield target, letters
