"""Rasa component: splits each message into words the way its language needs.

The language comes from `LanguageDetector`, earlier in the pipeline.
- ja: MeCab (fugashi) with the unidic-lite dictionary; lemmas for conjugated words.
- zh: jieba's dictionary-based segmentation.
- en, pt, es, id, tl, vi, ne: spaCy's rule-based tokenizers for each language; the
  Latin-script ones give accent-folded lemmas ("không" and "khong" featurize alike).
- ko, th, my and anything else: words between spaces and punctuation; the character
  n-gram featurizer carries Korean particles and unspaced Thai and Burmese.
Only the first `max_characters` of a message are read: a 10,000-character message
is answered from its beginning, as fast as a short one.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import READ_CHARACTERS, code_fingerprint, fold
from bot.nlu.langid import script_of
from bot.nlu.language_detector import LANGUAGE

SPACY_LANGUAGES = ("en", "pt", "es", "id", "tl", "vi", "ne")
_WORDS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)

Splitter = Callable[[str], list[Token]]


def _is_word(text: str) -> bool:
    """A token worth keeping: it has a letter, a digit or a symbol (emoji), not punctuation."""
    return any(unicodedata.category(ch)[0] in "LNS" for ch in text)


def _regex_tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.start()) for m in _WORDS.finditer(text)]


def _japanese() -> Splitter:
    import fugashi

    tagger = fugashi.Tagger()

    def split(text: str) -> list[Token]:
        tokens, offset = [], 0
        for word in tagger(text):
            surface = word.surface
            start = text.find(surface, offset)
            if start < 0:
                continue
            offset = start + len(surface)
            lemma = getattr(word.feature, "lemma", None) or surface
            # unidic writes loanword lemmas as "カード-card": keep the Japanese part.
            tokens.append(Token(surface, start, lemma=lemma.split("-")[0] or surface))
        return tokens

    return split


def _chinese() -> Splitter:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    def split(text: str) -> list[Token]:
        return [Token(w, start) for w, start, _ in jieba.tokenize(text) if w.strip()]

    return split


def _spacy(code: str) -> Splitter:
    import spacy

    config = {"nlp": {"tokenizer": {"use_pyvi": False}}} if code == "vi" else None
    nlp = spacy.blank(code, config=config) if config else spacy.blank(code)
    tokenizer = nlp.tokenizer
    # Accent-folded lemmas for Latin-script languages; Devanagari keeps its vowel signs.
    folding = code != "ne"

    def split(text: str) -> list[Token]:
        return [
            Token(t.text, t.idx, lemma=fold(t.text) if folding else None) for t in tokenizer(text)
        ]

    return split


def _fallback_language(text: str) -> str:
    """For texts without a detected language (bot responses): kana means Japanese, Han Chinese."""
    scripts = {script_of(ch) for ch in text}
    if scripts & {"hiragana", "katakana"}:
        return "ja"
    if "han" in scripts:
        return "zh"
    return "en"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MultilingualTokenizer(Tokenizer):
    """Tokenizes each message with the tokenizer of its detected language."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Retrain when the code that shapes what it learns changes (Rasa's cache would not)."""
        return code_fingerprint(
            ("bot.nlu.tokenizer",), ("fugashi", "unidic-lite", "jieba", "spacy")
        )

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Rasa's tokenizer options (unused: intents are not split).
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Only this many characters of a message are read.
            "max_characters": READ_CHARACTERS,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.max_characters = int(config.get("max_characters", READ_CHARACTERS))
        self._splitters: dict[str, Splitter] = {}

    def splitter(self, language: str) -> Splitter:
        """The word splitter for a language, built on first use."""
        if language not in self._splitters:
            if language == "ja":
                self._splitters[language] = _japanese()
            elif language == "zh":
                self._splitters[language] = _chinese()
            elif language in SPACY_LANGUAGES:
                self._splitters[language] = _spacy(language)
            else:
                self._splitters[language] = _regex_tokens
        return self._splitters[language]

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = (message.get(attribute) or "")[: self.max_characters]
        language: str | None = message.get(LANGUAGE)
        if not language or language == "und":
            language = _fallback_language(text)
        if language == "ja-easy":
            language = "ja"
        tokens = [t for t in self.splitter(language)(text) if _is_word(t.text)]
        if not tokens and text.strip():
            # Emoji or punctuation only: the whole text is one token, as Rasa's own tokenizers do.
            stripped = text.strip()
            tokens = [Token(stripped, text.index(stripped))]
        return self._apply_token_pattern(tokens)
