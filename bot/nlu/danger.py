"""The emergency safety net: danger phrases per language, independent of any model.

A classifier trained on examples can still send "there's a man with a knife outside my
door" to a guidebook topic with full confidence. This net reads the phrase lists in
`bot/nlu/danger/<lang>.yml` and decides, for every message, whether it reports someone in
danger now:

    fires = (a `danger` phrase, or a `weak` phrase together with a `now` phrase)
            and not (an `about` phrase without a `now` phrase)

- `danger`: enough on their own ("knife", "not breathing", "刺された").
- `weak`: danger only when it is happening now ("fire" alone may be a question about fire
  insurance; "fire, help!" is not).
- `now`: it is happening now, or a cry for help ("right now", "tasukete", "助けて"). A
  short cry (an exclamation of at most three words and ten letters: "fire!!", "ナイフ!!",
  "칼!!") counts as `now` too.
- `about`: the message asks *about* emergencies ("what number", "how to prepare", "last
  month"): left to the classifier (faq/emergency_numbers, faq/disaster_preparedness...).

Matching is on normalized text (NFKC, lower case, Latin letters without accents or tone
marks, so "khong tho" matches "không thở"). A phrase written in Latin letters matches whole
words (`bleed*` also matches "bleeding"); any other phrase (Japanese, Chinese, Korean,
Devanagari) matches anywhere, since particles and postpositions attach to the word.
Every language's lists are applied to every message: residents mix languages, and a
danger phrase in another script cannot match text that lacks that script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DANGER_DIR = Path(__file__).parent / "danger"
KINDS = ("danger", "weak", "now", "about")


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    if ch.isascii() or "LATIN" not in unicodedata.name(ch, ""):
        return ch
    base = unicodedata.normalize("NFD", ch)[0]
    return base if base.isascii() else ch


def _is_word_char(ch: str) -> bool:
    # Letters, marks (Devanagari vowel signs are marks) and digits; not punctuation or spaces.
    return unicodedata.category(ch)[0] in "LMN"


def normalize(text: str) -> str:
    """Lower case, Latin letters without accents, punctuation and spaces as one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(_fold_char(ch) if _is_word_char(ch) else " " for ch in text)
    return " " + " ".join(text.split()) + " "


def _is_latin(phrase: str) -> bool:
    """Written in Latin letters, once accents and tone marks are folded ("cháy" is)."""
    return all(ch.isascii() for ch in normalize(phrase.replace("*", "")))


def _words(phrase: str) -> tuple[tuple[str, bool], ...]:
    """A Latin-letter phrase as (word, any ending allowed) pairs, normalized."""
    pairs = []
    for word in phrase.split():
        pairs += [(w, word.endswith("*")) for w in normalize(word.rstrip("*")).split()]
    return tuple(pairs)


def _matches_at(words: list[str], i: int, phrase: tuple[tuple[str, bool], ...]) -> bool:
    if i + len(phrase) > len(words):
        return False
    return all(
        words[i + k].startswith(w) if prefix else words[i + k] == w
        for k, (w, prefix) in enumerate(phrase)
    )


# A cry: at most this many words and letters (Chinese and Japanese write no spaces).
CRY_WORDS, CRY_LETTERS = 3, 10


_CRIES = re.compile(r"[!！]{2,}")


def _cry(text: str, normalized: str) -> Finding | None:
    """A short exclamation ("fire!!", "火事！") is a cry for help, and so are two
    exclamation marks or more anywhere ("kaji!! next door", "gasu kusai!! what number i
    call": on the dev sets and the training data, 10 more emergencies and no false alarm)."""
    words = normalized.split()
    if _CRIES.search(text):
        return Finding("!!", "now", "any")
    if (
        ("!" in text or "！" in text)
        and len(words) <= CRY_WORDS
        and sum(len(w) for w in words) <= CRY_LETTERS
    ):
        return Finding("!", "now", "any")
    return None


@dataclass(frozen=True)
class Finding:
    """Why the net fired: the phrase that matched, its kind and list."""

    phrase: str
    kind: str
    language: str

    def as_dict(self) -> dict[str, str]:
        return {"phrase": self.phrase, "kind": self.kind, "language": self.language}


class DangerNet:
    """The phrase lists of every language, compiled once."""

    def __init__(self, lists: dict[str, dict[str, list[str]]]):
        self.lists = lists
        # Per kind: Latin-letter phrases by their first word's first letters (a message is
        # read word by word), other phrases as substrings.
        self._latin: dict[str, dict[str, list[tuple[tuple, Finding]]]] = {}
        self._substrings: dict[str, list[tuple[str, Finding]]] = {}
        for kind in KINDS:
            latin: dict[str, list[tuple[tuple, Finding]]] = {}
            substrings = []
            for language, kinds in sorted(lists.items()):
                for phrase in kinds.get(kind) or []:
                    finding = Finding(str(phrase), kind, language)
                    if _is_latin(str(phrase)):
                        words = _words(str(phrase))
                        if words:
                            latin.setdefault(words[0][0][:2], []).append((words, finding))
                    elif normalize(str(phrase)).strip():
                        substrings.append((normalize(str(phrase)).strip(), finding))
            self._latin[kind], self._substrings[kind] = latin, substrings

    @classmethod
    def load(cls, directory: Path = DANGER_DIR) -> DangerNet:
        lists = {}
        for path in sorted(directory.glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            unknown = set(data) - set(KINDS) - {"language"}
            if unknown or data.get("language") != path.stem:
                raise ValueError(f"{path}: needs `language: {path.stem}` and only {KINDS}")
            lists[path.stem] = {kind: list(data.get(kind) or []) for kind in KINDS}
        return cls(lists)

    def _first(self, kind: str, text: str) -> Finding | None:
        for substring, finding in self._substrings[kind]:
            if substring in text:
                return finding
        latin = self._latin[kind]
        words = text.split()
        for i, word in enumerate(words):
            for phrase, finding in latin.get(word[:2], ()):
                if _matches_at(words, i, phrase):
                    return finding
        return None

    def check(self, text: str) -> Finding | None:
        """The phrase that makes this message an emergency, or None."""
        normalized = normalize(text)
        danger = self._first("danger", normalized)
        now = self._first("now", normalized) or _cry(text, normalized)
        if danger is None:
            weak = self._first("weak", normalized)
            danger = weak if weak is not None and now is not None else None
        if danger is None:
            return None
        if now is None and self._first("about", normalized) is not None:
            return None
        return danger


@lru_cache(maxsize=1)
def danger_net() -> DangerNet:
    return DangerNet.load()
