"""Which language a short resident message is written in: deterministic, in well under 1 ms.

Signals, each used where it is strong:

1. Unicode scripts decide most languages outright: Hangul (ko), kana (ja), Thai (th),
   Myanmar (my), Devanagari (ne; Hindi is told apart by its grammar words and langdetect's
   profiles, scored exhaustively so that no seed is needed, and reported as unknown).
   Hangul, Thai, Myanmar and Devanagari decide over Latin letters and quoted Japanese.
2. Han-only text is Chinese or Japanese: characters only one of them writes (the national
   character sets, `lexicon.py`), Chinese function characters, words of one of them
   (the Han terms of the project's Japanese or Chinese training examples), then how often
   each language writes the words (wordfreq, `signals.py`); the rest is Japanese.
3. Latin-script text (en, pt, tl, vi, id, es, and romanized ja, ne or zh) adds up, per
   candidate (`decide_latin`, with weights for short and for longer messages):
   - lingua's and fastText's probabilities, and wordfreq's word frequencies (`signals.py`),
   - character n-gram naive Bayes learnt from the Latin words of the project's training
     data and from its Japanese, Nepali and Chinese examples romanized (`romanize.py`),
   - a lexicon of function words, greetings and thanks,
   - letters only one candidate writes (Vietnamese tone marks, ç/ã, ñ), and
   - for romanized Japanese, whether each word can be spelt in Hepburn syllables.

`LanguageIdentifier.train` learns the n-gram model from (language, text) pairs; the
Rasa component in `language_detector.py` feeds it the NLU training data.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import regex

from bot.languages import UNKNOWN
from bot.nlu import lexicon, romanize, signals

LATIN_CANDIDATES = ("en", "pt", "tl", "vi", "id", "es")
ROMANIZED = ("ja", "ne", "zh")  # written in Latin letters by some (romaji, pinyin)
LATIN_SCORED = LATIN_CANDIDATES + ROMANIZED
# The project's own n-grams know romanized Japanese, Nepali and Chinese too
# (bot/nlu/romanize.py).
OWN_LATIN = LATIN_SCORED
DEVANAGARI_CANDIDATES = ("ne", "hi")
NGRAM_ORDERS = (1, 2, 3)

# Weights of the Latin-script signals (chosen on the dev splits: bench/tune_langid.py),
# one set for messages of up to SHORT_WORDS words and one for longer ones: on a word or
# two the lexicon and the libraries know more, on a sentence the project's own n-grams.
SHORT_WORDS = 2
PROBABILITY_FLOOR = 1e-4
# Non-Latin letters carry more information than Latin ones when scripts are mixed.
NON_LATIN_WEIGHT = 2.0
# Nepali residents type romanized Nepali in spellings of their own (lagcha, kaile, aaucha),
# which no transliteration of the Devanagari examples gives: the words of the training
# examples typed so, that no other candidate writes, are learnt as its lexicon (on the dev
# splits, Nepali set aside 85% -> 90%, short messages 95% -> 100%; learning Japanese romaji
# the same way changed nothing: Hepburn spelling and the lexicon cover it).
LEARNT_WORDS = ("ne",)
LEARNT_MIN_EXAMPLES = 2
LEARNT_MIN_LETTERS = 3
COMMUNITY_SCRIPTS = ("hangul", "thai", "myanmar", "devanagari")
# Han-only text is Chinese when Chinese writes a run at least this many times as often as
# Japanese (wordfreq; chosen on the dev splits): 去, 想, 時候, 電視 are Chinese; 学校, 水,
# 中国, 住民票 are written by both and stay Japanese. A run that is one word of Chinese's
# dictionary (jieba) needs less than one that Chinese writes only as a phrase of words,
# whose frequency wordfreq infers from its parts: 上班, 衣服, 休息 are Chinese, while
# 出生届 (出生 + 届, "session" in Chinese) stays Japanese. Only far above it is the
# message clear enough to switch a conversation (医院 and 北京 are Japanese too). A word
# Japanese never showed counts as written this often.
CHINESE_USAGE_RATIO = 30.0
CHINESE_WORD_RATIO = 15.0
CHINESE_CLEAR_RATIO = 200.0
JAPANESE_FREQUENCY_FLOOR = 1e-8

# A word that Hepburn romanization can spell: syllables of an optional consonant (doubled,
# or with y) and a vowel, or a syllabic n. Nearly every word of romanized Japanese is one;
# about half of English, Tagalog or Portuguese words are not ("the", "card", "salamat").
_ROMAJI_SYLLABLE = (
    r"(?:(?:kk|ss|tt|pp|cch|tch|ssh)?(?:ky|gy|sh|ch|ts|ny|hy|by|py|my|ry|j|f|[kgsztdnhbpmryw])?"
    r"[aeiou]|n)"
)
_ROMAJI_WORD = re.compile(f"(?:{_ROMAJI_SYLLABLE})+")
# Log-likelihood ratios of a spellable and an unspellable word, romanized Japanese against
# the other Latin candidates (counted on the training data: 97% against about 45%).
ROMAJI_SPELLABLE, ROMAJI_UNSPELLABLE = 0.77, -2.9
# A lexicon word of romanized Japanese, Nepali or Chinese this long is theirs alone
# (arigatou, dhanyabad, xiexie); a shorter one only if no other candidate's word list holds
# it (doko, but not dame or nani).
TELLING_LETTERS = 5

_URL = re.compile(
    r"https?://[\x21-\x7e]+|www\.[\x21-\x7e]+|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|@[A-Za-z0-9_]+"
)
# Letters with their combining marks (Devanagari, Thai and Myanmar vowel signs are marks).
_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)?")
# A Latin word, hyphens and apostrophes inside it (Wi-Fi, e-Tax), not one with digits (N2).
_LATIN_WORD = regex.compile(
    r"(?<![\p{Latin}\p{M}\p{N}])[\p{Latin}\p{M}]+(?:[-'’][\p{Latin}\p{M}]+)*(?![\p{Latin}\p{M}\p{N}])"
)


_ZH_CHARS = lexicon.ZH_ONLY | lexicon.ZH_FUNCTION
# Letters of kaomoji, not of words: a Thai letter or digit, or a Hangul jamo, with no letter
# of its script beside it (٩(๑❛ᴗ❛๑)۶, (ง •̀_•́)ง, (ㅠ﹏ㅠ); NFKC writes jamo as conjoining jamo).
# Thai words are never one letter; jamo in a row (ㅠㅠ, ㅋㅋ) are Korean.
_KAOMOJI = regex.compile(
    r"(?<![\u0E00-\u0E7F])[\u0E00-\u0E7F](?![\u0E00-\u0E7F])"
    r"|(?<![\u1100-\u11FF\u3130-\u318F])[\u1100-\u11FF\u3130-\u318F](?![\u1100-\u11FF\u3130-\u318F])"
)
_TERM_PHRASES = regex.compile(
    r"(?<!\p{Latin})(?:" + "|".join(lexicon.TERM_PHRASES) + r")(?!\p{Latin})"
)
# Quotation marks around what is asked about; the letters around it decide when they are
# at least this many.
_A_NOT_A = regex.compile(r"(\p{Han})不\1")
_QUOTED = regex.compile(r'"[^"]+"|“[^”]+”|「[^」]+」|『[^』]+』|«[^»]+»')
QUOTED_MIN_LETTERS = 3


@dataclass(frozen=True)
class Detection:
    """The language of one message, how sure the detector is, whether it is clear, and
    whether it is written in Latin letters although its language has a script of its own
    (romanized Japanese, Nepali or Chinese)."""

    language: str
    confidence: float
    clear: bool
    romanized: bool = False


def normalize(text: str) -> str:
    """NFKC, lower case, no URLs, e-mail addresses or control characters."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _URL.sub(" ", text)
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return text.lower()


def script_of(ch: str) -> str | None:
    """The script group of a letter, or None for anything that is not a letter."""
    o = ord(ch)
    if o < 0x80:
        return "latin" if ch.isalpha() else None
    if 0x3040 <= o <= 0x309F:
        return "hiragana"
    if 0x30A0 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "katakana"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or o >= 0x20000:
        return "han" if ch.isalpha() else None
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x0E00 <= o <= 0x0E7F:
        return "thai"
    if 0x1000 <= o <= 0x109F or 0xAA60 <= o <= 0xAA7F or 0xA9E0 <= o <= 0xA9FF:
        return "myanmar"
    if 0x0900 <= o <= 0x097F:
        return "devanagari"
    if 0x00C0 <= o <= 0x024F or 0x1E00 <= o <= 0x1EFF:
        return "latin" if ch.isalpha() else None
    if ch.isalpha():
        return "other"
    return None


_HAN_RUN = regex.compile(r"\p{Han}+")


@lru_cache(maxsize=1)
def _tagger():
    """fugashi on unidic-lite, to cut Japanese as wordfreq's Japanese lists are cut."""
    import fugashi

    return fugashi.Tagger()


def load_models() -> None:
    """Load lingua, fastText, the word lists and the tagger now (when the model loads), not
    on a resident's first message."""
    signals.load(LATIN_CANDIDATES)
    _tagger()


class _Token(NamedTuple):
    surface: str
    pos1: str  # part of speech (名詞, 接尾辞...)
    pos2: str  # its subclass (数詞: a numeral)
    unknown: bool  # not in unidic


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[_Token, ...]:
    """fugashi's words of `text`, read out of the tagger at once (it reuses its tokens on
    its next call)."""
    return tuple(
        _Token(t.surface, t.feature.pos1, t.feature.pos2, t.is_unk) for t in _tagger()(text)
    )


# What a Japanese noun compound is made of: 所得+税, 不+注意, 会議+中, 特別+永住+者.
_COMPOUND = frozenset({"名詞", "代名詞", "形状詞", "接頭辞", "接尾辞"})


def japanese_word(text: str) -> bool:
    """unidic-lite reads `text` as one known word or as a compound of known nouns (所得税,
    国民健康保険); not 口音 or 車子, which fugashi can only cut into characters."""
    tokens = _tokens(text)
    if not tokens or any(t.unknown for t in tokens):
        return False
    parts = {t.pos1 for t in tokens}
    # Nouns (and prefixes inside a word) of a character each are how fugashi cuts what it
    # does not know (口+音, 房+東+不退+押+金, 有人+在+打+我); a Japanese compound has at most
    # one (出生+届, 不+動産+屋), and two characters are Japanese only with a prefix, a suffix,
    # a pronoun or a numeral (市+内, 十+分).
    # Numerals are nouns of a character too, and Japanese writes them so (一日, 十分, 何時).
    singles = sum(
        len(t.surface) == 1
        and ((t.pos1 == "名詞" and t.pos2 != "数詞") or (t.pos1 == "接頭辞" and i))
        for i, t in enumerate(tokens)
    )
    return len(tokens) == 1 or (
        parts <= _COMPOUND
        and singles <= 1
        and (
            len(text) >= 3
            or bool(parts & {"代名詞", "接頭辞", "接尾辞"})
            or any(t.pos2 == "数詞" for t in tokens)
        )
    )


@lru_cache(maxsize=4096)
def chinese_usage(run: str) -> float:
    """How many times as often Chinese writes a run of Han characters as Japanese does."""
    japanese = signals.japanese_frequency(run) if japanese_word(run) else 0.0
    return signals.chinese_frequency(run) / max(japanese, JAPANESE_FREQUENCY_FLOOR)


@lru_cache(maxsize=4096)
def chinese_pieces(run: str) -> tuple[str, ...]:
    """What the usage of a run of Han characters is read from: the run itself, and, when
    Japanese does not read the run as one word, the words that wordfreq's Chinese tokenizer
    (jieba) cuts it into (我有時看電視: 看, 電視)."""
    from wordfreq import tokenize

    return (run,) if japanese_word(run) else (run, *tokenize(run, "zh"))


@lru_cache(maxsize=4096)
def chinese_word(piece: str) -> bool:
    """One word of Chinese's dictionary: jieba does not cut it (上班, 衣服; not 出生届)."""
    from wordfreq import tokenize

    return tokenize(piece, "zh") == [piece]


@lru_cache(maxsize=4096)
def chinese_usage_of_run(run: str) -> float:
    """How many times as often Chinese writes a run of Han characters as Japanese does:
    the most Chinese of its pieces."""
    return max(chinese_usage(p) for p in chinese_pieces(run))


def chinese_by_usage(run: str) -> bool:
    """Chinese writes the run (or one of its pieces) far more often than Japanese does:
    CHINESE_WORD_RATIO times for a word of Chinese's dictionary, CHINESE_USAGE_RATIO for a
    phrase."""
    return any(
        chinese_usage(p) >= (CHINESE_WORD_RATIO if chinese_word(p) else CHINESE_USAGE_RATIO)
        for p in chinese_pieces(run)
    )


def chinese_letters(run: str) -> int:
    """The characters of a Han run that mark Chinese (`lexicon.ZH_ONLY`, `ZH_FUNCTION`),
    except inside a Japanese word: one of two characters or more that unidic and wordfreq's
    Japanese list know and that Chinese does not write far more often (還付, 旦那, 那覇,
    是非), and 的 as the suffix of a Japanese noun (一時的, 意図的; not 我的 or 的人)."""
    if not any(ch in _ZH_CHARS for ch in run):
        return 0
    count, before = 0, ""
    for word, pos, _, unknown in _tokens(run):
        japanese = not unknown and (
            (len(word) >= 2 and signals.japanese_listed(word) and not chinese_by_usage(word))
            or (word == "的" and pos == "接尾辞" and len(before) >= 2)
        )
        if not japanese:
            count += sum(ch in _ZH_CHARS for ch in word)
        before = word
    return count


def _learn_words(examples: list[tuple[str, str]]) -> dict[str, list[str]]:
    """For each of LEARNT_WORDS, the Latin words of its training examples (in at least
    LEARNT_MIN_EXAMPLES of them) that no other language's examples write and no word list
    of the Latin candidates holds: lagcha, kaile, bhayo; not "ko", "ma" or "paisa" if
    another language writes them."""
    found: dict[str, Counter] = defaultdict(Counter)
    for lang, text in examples:
        lang = "ja" if lang == "ja-easy" else lang
        words = _WORD.findall(normalize(text))
        latin = [w for w in words if _latin_word(w)]
        # A romanized example teaches its words; a Latin word inside Devanagari is a
        # loanword or a name ("chatgpt हो?") that every language writes.
        if lang in LEARNT_WORDS and 2 * len(latin) <= len(words):
            continue
        found[lang].update(set(latin))
    learnt = {}
    for lang in LEARNT_WORDS:
        others = set().union(*(words for other, words in found.items() if other != lang))
        learnt[lang] = sorted(
            w
            for w, n in found[lang].items()
            if n >= LEARNT_MIN_EXAMPLES
            and len(w) >= LEARNT_MIN_LETTERS
            and w not in others
            and not signals.listed(w, LATIN_CANDIDATES)
        )
    return learnt


def _joined(words: list[str], known: frozenset[str]) -> list[str]:
    """The words with each run of two or three that together make a word of `known`
    written as that word: ["ni", "hao", "a"] -> ["nihao", "a"]."""
    out, i = [], 0
    while i < len(words):
        for n in (3, 2):
            if i + n <= len(words) and "".join(words[i : i + n]) in known:
                out.append("".join(words[i : i + n]))
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _latin_word(word: str) -> bool:
    return all(script_of(ch) in ("latin", None) for ch in word)


def _grams(text: str) -> list[str]:
    """Character 1- to 3-grams of each word, with spaces marking word edges."""
    out: list[str] = []
    for word in _WORD.findall(text):
        padded = f" {word} "
        for n in NGRAM_ORDERS:
            out.extend(
                padded[i : i + n] for i in range(len(padded) - n + 1) if padded[i : i + n] != " "
            )
    return out


class NgramModel:
    """Multinomial naive Bayes over character n-grams, one distribution per language."""

    def __init__(self, counts: dict[str, dict[str, int]]):
        self.counts = counts
        self.languages = tuple(sorted(counts))
        vocabulary = {g for c in counts.values() for g in c}
        self._unseen: dict[str, float] = {}
        self._logp: dict[str, dict[str, float]] = {}
        for lang, c in counts.items():
            total = sum(c.values()) + 0.5 * (len(vocabulary) + 1)
            self._unseen[lang] = math.log(0.5 / total)
            self._logp[lang] = {g: math.log((k + 0.5) / total) for g, k in c.items()}

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]]) -> NgramModel:
        """Counts of the n-grams of the examples' Latin-script words: the model weighs Latin
        text only, so the Devanagari of the Nepali examples must not dilute their romanized
        Nepali ("mero visa sakiyo")."""
        counts: dict[str, Counter] = defaultdict(Counter)
        for lang, text in examples:
            latin = [w for w in _WORD.findall(normalize(text)) if _latin_word(w)]
            if latin:
                counts[lang].update(_grams(" ".join(latin)))
        return cls({lang: dict(c) for lang, c in counts.items()})

    def well_known(self, languages: Iterable[str], min_grams: int = 20000) -> tuple[str, ...]:
        """The languages with enough training text for their n-gram statistics to be trusted."""
        return tuple(
            lang for lang in languages if sum(self.counts.get(lang, {}).values()) >= min_grams
        )

    def mean_loglik(self, grams: list[str], languages: Iterable[str]) -> dict[str, float]:
        """Average log-likelihood of the n-grams under each language that the model knows."""
        known = [g for g in grams if any(g in self._logp[lang] for lang in self.languages)]
        out = {}
        for lang in languages:
            if lang not in self._logp:
                continue
            table, unseen = self._logp[lang], self._unseen[lang]
            out[lang] = sum(table.get(g, unseen) for g in known) / len(known) if known else 0.0
        return out


@lru_cache(maxsize=1)
def _profile_model() -> NgramModel:
    """langdetect's shipped n-gram profiles of the Devanagari candidates."""
    import langdetect

    directory = Path(langdetect.__file__).parent / "profiles"
    counts: dict[str, dict[str, int]] = {}
    for lang in DEVANAGARI_CANDIDATES:
        profile = json.loads((directory / lang).read_text(encoding="utf-8"))
        counts[lang] = {g.lower(): int(k) for g, k in profile["freq"].items()}
    return NgramModel(counts)


def _log_softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    z = top + math.log(sum(math.exp(v - top) for v in scores.values()))
    return {k: v - z for k, v in scores.items()}


def _decide(scores: dict[str, float]) -> tuple[str, float]:
    post = _log_softmax(scores)
    best = max(post, key=lambda k: (post[k], k))
    return best, math.exp(post[best])


class LanguageIdentifier:
    """Detects the language of a message; see the module docstring for how."""

    def __init__(
        self,
        ngrams: NgramModel | None = None,
        japanese_terms: Iterable[str] = (),
        chinese_terms: Iterable[str] = (),
        learnt_words: dict[str, Iterable[str]] | None = None,
    ):
        self.ngrams = ngrams or NgramModel({})
        self.japanese_terms = frozenset(japanese_terms)
        self.chinese_terms = frozenset(chinese_terms)
        self._terms = self.japanese_terms | self.chinese_terms
        self.learnt_words = {k: frozenset(v) for k, v in (learnt_words or {}).items()}
        # The lexicon of each Latin-scored language, with the words learnt for it.
        self.latin_words = {
            lang: lexicon.LATIN_WORDS[lang] | self.learnt_words.get(lang, frozenset())
            for lang in LATIN_SCORED
        }

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]]) -> LanguageIdentifier:
        """Learn the n-gram model, and the runs of Han characters (two or more) that the
        Japanese examples write and the Chinese ones do not, and the reverse, from
        (language, text) pairs."""
        examples = list(examples)
        runs: dict[str, set[str]] = defaultdict(set)
        for lang, text in examples:
            runs[lang].update(r for r in _HAN_RUN.findall(normalize(text)) if len(r) >= 2)
        japanese = runs["ja"] | runs["ja-easy"]
        return cls(
            NgramModel.train(examples + list(romanize.romanized(examples))),
            sorted(japanese - runs["zh"]),
            sorted(runs["zh"] - japanese),
            _learn_words(examples),
        )

    def to_dict(self) -> dict:
        return {
            "ngram_counts": self.ngrams.counts,
            "japanese_terms": sorted(self.japanese_terms),
            "chinese_terms": sorted(self.chinese_terms),
            "learnt_words": {k: sorted(v) for k, v in sorted(self.learnt_words.items())},
        }

    @classmethod
    def from_dict(cls, data: dict) -> LanguageIdentifier:
        return cls(
            NgramModel(data.get("ngram_counts", {})),
            data.get("japanese_terms", ()),
            data.get("chinese_terms", ()),
            data.get("learnt_words", {}),
        )

    def detect(self, text: str) -> Detection:
        """The language of `text` alone, with a confidence and whether it is clear."""
        norm = _KAOMOJI.sub(" ", normalize(text))
        # Text in quotation marks is what the resident asks about ('what does "よろしく
        # お願いします" mean?', 「ちょっと待ってください」是什么意思): the words around it decide.
        around = _QUOTED.sub(" ", norm)
        # So is Chinese or Japanese after a colon in a Latin message ("ano ibig sabihin
        # nito: 来週の月曜日に来てください"); not Latin words after it ("住民票: where?").
        head, colon, tail = around.rpartition(":")
        after = {script_of(ch) for ch in tail}
        if (
            colon
            and "latin" not in after
            and after & {"han", "hiragana", "katakana"}
            and sum(script_of(ch) == "latin" for ch in head) >= QUOTED_MIN_LETTERS
        ):
            around = head
        if around != norm and sum(1 for ch in around if script_of(ch)) >= QUOTED_MIN_LETTERS:
            norm = around
        scripts: Counter = Counter(s for s in map(script_of, norm) if s)
        letters = sum(scripts.values())
        if not letters:
            return Detection(UNKNOWN, 0.0, False)
        # Hangul, Thai, Myanmar and Devanagari are written by their own communities only,
        # while every community writes Latin letters and quotes Japanese: one letter of
        # them decides ("my number card 재발급", "city office मा address दर्ता").
        # Mostly Latin around them, they lean but do not switch a conversation.
        own = {k: scripts[k] for k in COMMUNITY_SCRIPTS if scripts[k]}
        if own:
            group = max(own, key=lambda k: (own[k], k))
            detection = self._community(group, norm, scripts)
            if NON_LATIN_WEIGHT * own[group] < scripts["latin"]:
                detection = replace(detection, clear=False)
            return detection
        cjk = scripts["han"] + scripts["hiragana"] + scripts["katakana"]
        weighted = {
            "cjk": NON_LATIN_WEIGHT * cjk,
            "latin": scripts["latin"],
            "other": scripts["other"],
        }
        # On a tie the other script wins: "ok的" and "iPhone 16多少钱" are Chinese.
        group = max(weighted, key=lambda k: (weighted[k], k != "latin", k))
        if cjk and scripts["latin"]:
            group = self._mixed(norm, scripts, group)
        if group == "cjk":
            return self._chinese_or_japanese(norm, scripts)
        if group == "latin":
            # the Latin words decide, alone: quoted Japanese makes nothing clear
            latin = (" ".join(_LATIN_WORD.findall(norm)) or norm) if cjk else norm
            # Every community writes the English names of Japanese institutions ("hello
            # work em sendai", "my number card mat roi"): the other words decide, and a
            # message of those names alone is in no clear language.
            rest = _TERM_PHRASES.sub(" ", latin)
            if _WORD.search(rest):
                return self._latin(rest)
            return replace(self._latin(latin), clear=False)
        return Detection(UNKNOWN, 0.0, False)

    def _mixed(self, norm: str, scripts: Counter, group: str) -> str:
        """Latin letters beside Chinese or Japanese ones: which script the message is
        written in ("cjk" or "latin"), from the one that `group`, the letter count, says."""
        # Japanese or Chinese grammar (hiragana, 你, 吗) around Latin words that carry no
        # language is theirs: "Facebookで", "Wi-Fi password 教えて", "Tatoeba你".
        speaks = self._carries_language(norm)
        grammar = scripts["hiragana"] or any(ch in lexicon.ZH_FUNCTION for ch in norm)
        if group == "latin" and grammar and not speaks:
            return "cjk"
        # Japanese terms (Han and katakana; no hiragana, nothing only Chinese writes)
        # beside Latin words that carry a language are quoted: "I need 住民票" and "住民票
        # where?" are English, while "Wi-Fi 設定" and "LINE Pay 登録方法" are Japanese.
        if group == "cjk" and speaks and not (scripts["hiragana"] or _ZH_CHARS & set(norm)):
            return "latin"
        return group

    def _carries_language(self, norm: str) -> bool:
        """A Latin word of the text is a word of a lexicon ("I need", "preciso do", "ahile
        pitdai cha"). Names, nouns, the English names of Japanese institutions ("my number
        card", "hello work") and what every community writes ("ok", "hello", "thank you")
        carry none."""
        return any(
            w in words and w not in lexicon.UNIVERSAL_WORDS
            for w in _LATIN_WORD.findall(_TERM_PHRASES.sub(" ", norm))
            for words in self.latin_words.values()
        )

    def _community(self, group: str, norm: str, scripts: Counter) -> Detection:
        if group == "devanagari":
            return self._nepali(norm)
        lang = {"hangul": "ko", "thai": "th", "myanmar": "my"}[group]
        return Detection(lang, 1.0, scripts[group] >= 2)

    def _chinese_or_japanese(self, norm: str, scripts: Counter) -> Detection:
        hira, kata, han = scripts["hiragana"], scripts["katakana"], scripts["han"]
        runs = _HAN_RUN.findall(norm)
        zh = 2.0 * sum(map(chinese_letters, runs))
        # A run of the Chinese training examples that the Japanese ones never write.
        zh += 2.0 * sum(r in self.chinese_terms for r in runs)
        # 了 ends Chinese clauses; in Japanese it follows 完, 終, 修 or 満 (完了, 終了) or
        # starts 了解 ("OK").
        zh += 2.0 * len(re.findall(r"(?<![完終修満])了(?!解)", norm))
        # A verb or adjective asked as "A not A" (能不能, 是不是, 要不要) is Chinese grammar;
        # Japanese writes 不 before a word, never between a character and itself.
        zh += 2.0 * len(_A_NOT_A.findall(norm))
        # Katakana loanwords appear in Chinese messages too; hiragana almost never does.
        ja = 2.0 * hira + (1.0 if hira else 0.3) * kata
        ja += 1.5 * sum(ch in lexicon.JA_ONLY for ch in norm)
        # Without hiragana, a run that Chinese writes far more often than Japanese counts
        # for Chinese too (時候, 需要; beside katakana: マイナンバーカード 需要), unless the
        # Japanese training examples write it (分別: sorting rubbish).
        usage = [] if hira else [r for r in runs if r not in self._terms]
        most = max(map(chinese_usage_of_run, usage), default=0.0)
        by_usage = 2.0 * sum(map(chinese_by_usage, usage))
        if by_usage and not zh and not ja:
            # Han only, and how often the words are written is all there is: only a word
            # Chinese writes far more often still is clear enough to switch a conversation.
            return Detection("zh", 0.7, han >= 2 and most >= CHINESE_CLEAR_RATIO)
        zh += by_usage
        if zh or ja:
            lang = "zh" if zh > ja else "ja"
            margin = abs(zh - ja) / (zh + ja)
            return Detection(lang, 0.5 + 0.5 * margin, margin >= 0.3)
        # Han only, written by both: Japanese (a center in Japan reads 住民票 or 学校 as
        # Japanese), clearly so only if Japanese writes it at least as often as Chinese.
        return Detection("ja", 0.6, han >= 3 and most <= 1.0)

    def _nepali(self, norm: str) -> Detection:
        words = _WORD.findall(norm) or norm.split()
        ne = sum(w in lexicon.NE_WORDS or w.endswith(lexicon.NE_ENDINGS) for w in words)
        hi = sum(w in lexicon.HI_WORDS for w in words)
        profile = _profile_model().mean_loglik(_grams(norm), DEVANAGARI_CANDIDATES)
        # Hindi is not a language of the center: only its own grammar words make text Hindi.
        if hi > ne and (hi >= 2 or profile["hi"] > profile["ne"]):
            return Detection(UNKNOWN, 0.5, False)
        margin = 1.0 / (1.0 + math.exp(-(ne - hi + 4 * (profile["ne"] - profile["hi"]))))
        return Detection("ne", max(margin, 0.6), True)

    def latin_signals(self, norm: str) -> LatinSignals:
        """Everything the Latin-script decision looks at, before any weighting."""
        words = _WORD.findall(norm)
        grams = _grams(norm)
        # Pinyin typed a syllable at a time ("ni hao", "zen me ban") is looked up as the
        # words the lexicon holds (nihao, zenmeban).
        written = {lang: words for lang in LATIN_SCORED}
        written["zh"] = _joined(words, self.latin_words["zh"])
        # What every community writes ("thank you", "ok") is no language's word.
        hits = {
            lang: sum(
                w in self.latin_words[lang] and w not in lexicon.UNIVERSAL_WORDS
                for w in written[lang]
            )
            for lang in LATIN_SCORED
        }
        return LatinSignals(
            words=len(words),
            letters=sum(len(w) for w in words),
            universal_only=all(w in lexicon.UNIVERSAL_WORDS for w in words),
            own=self.ngrams.mean_loglik(grams, self.ngrams.well_known(OWN_LATIN)),
            lingua=signals.lingua(norm, LATIN_CANDIDATES),
            fasttext=signals.fasttext(norm, LATIN_CANDIDATES),
            frequency=signals.word_frequencies(words, LATIN_CANDIDATES),
            hits=hits,
            telling={
                lang: sum(
                    w in self.latin_words[lang]
                    and (len(w) >= TELLING_LETTERS or not signals.listed(w, LATIN_CANDIDATES))
                    for w in written[lang]
                )
                for lang in ROMANIZED
            },
            romaji=sum(
                ROMAJI_SPELLABLE if _ROMAJI_WORD.fullmatch(w) else ROMAJI_UNSPELLABLE for w in words
            ),
            special={
                "vi": sum(ch in lexicon.VI_LETTERS for ch in norm),
                "pt": sum(ch in lexicon.PT_LETTERS for ch in norm),
                "es": sum(ch in lexicon.ES_LETTERS for ch in norm),
            },
        )

    def _latin(self, norm: str) -> Detection:
        return decide_latin(self.latin_signals(norm))


@dataclass(frozen=True)
class LatinSignals:
    """The evidence on one Latin-script message (see `LanguageIdentifier.latin_signals`)."""

    words: int
    letters: int
    universal_only: bool
    own: dict[str, float]  # mean log-likelihood under the project's own n-grams
    lingua: dict[str, float]  # probabilities
    fasttext: dict[str, float]  # probabilities
    frequency: dict[str, float]  # log-likelihood of the words under wordfreq's lists
    hits: dict[str, int]  # lexicon words of each language
    telling: dict[str, int]  # lexicon words of a romanized language that only it writes
    romaji: float  # how much more likely the spelling is under romanized Japanese
    special: dict[str, int]  # letters only that language writes


@dataclass(frozen=True)
class LatinWeights:
    """How much each signal counts (chosen on the dev splits only: bench/tune_langid.py)."""

    own: float
    lingua: float
    fasttext: float
    word: float
    letter: float
    romaji: float
    frequency: float


SHORT = LatinWeights(
    own=0.5, lingua=0.6, fasttext=0.3, word=2.4, letter=2.5, romaji=0.5, frequency=1.0
)
LONG = LatinWeights(
    own=2.0, lingua=0.15, fasttext=0.3, word=2.4, letter=2.5, romaji=0.5, frequency=0.3
)


def _log_probabilities(probabilities: dict[str, float]) -> dict[str, float]:
    return {k: math.log(max(p, PROBABILITY_FLOOR)) for k, p in probabilities.items()}


def decide_latin(s: LatinSignals, w: LatinWeights | None = None) -> Detection:
    """The language of a Latin-script message from its signals."""
    w = w or (SHORT if s.words <= SHORT_WORDS else LONG)
    scores = dict.fromkeys(LATIN_SCORED, 0.0)
    own = _log_softmax({k: 4.0 * v for k, v in s.own.items()}) if s.own else {}
    for weight, table in (
        (w.own, own),
        (w.lingua, _log_probabilities(s.lingua)),
        (w.fasttext, _log_probabilities(s.fasttext)),
        (w.frequency, s.frequency),
    ):
        if not table or not weight:
            continue
        # A candidate a signal does not know is neither favoured nor punished by it;
        # romanized Japanese (and Nepali, for the libraries) get the average and must win
        # by their own words and n-grams, unless the message holds a long word that only
        # they write (arigatou, dhanyabad): the libraries cannot know it.
        best, average = max(table.values()), sum(table.values()) / len(table)
        for lang in LATIN_SCORED:
            default = average if lang in ROMANIZED and not s.telling.get(lang) else best
            scores[lang] += weight * table.get(lang, default)
    for lang in LATIN_SCORED:
        # Romanized Japanese and Nepali words are specific: each counts double.
        scores[lang] += w.word * s.hits[lang] * (2 if lang in ROMANIZED else 1)
    for lang, n in s.special.items():
        scores[lang] += w.letter * n
    scores["ja"] += w.romaji * s.romaji
    lang, p = _decide(scores)
    # A word or two decide a language only by a word or letter of its own ("obrigado",
    # "salamat po", "ç"): words that others write too ("residence") lean, but never switch
    # a conversation. For a romanized language the word must be one only it writes: not
    # "dame".
    own_evidence = (
        s.telling[lang] > 0 if lang in ROMANIZED else s.hits[lang] > 0 or s.special.get(lang, 0) > 0
    )
    clear = (
        not s.universal_only
        and p >= 0.7
        and (own_evidence or (s.words > SHORT_WORDS and s.letters >= 4))
    )
    return Detection(lang, p, clear, romanized=lang in ROMANIZED)
