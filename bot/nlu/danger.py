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
- `now`: it is happening now, or a cry for help ("right now", "tasukete", "助けて").
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
    return all(ch.isascii() for ch in phrase)


def _pattern(phrase: str) -> str:
    phrase = normalize(phrase.rstrip("*")).strip() + ("*" if phrase.endswith("*") else "")
    if not _is_latin(phrase):
        return re.escape(phrase.rstrip("*"))
    words = []
    for word in phrase.split(" "):
        prefix = word.endswith("*")
        words.append(re.escape(word.rstrip("*")) + (r"[^ ]*" if prefix else ""))
    return r"(?<= )" + " ".join(words) + r"(?= )"


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
        # One alternation per kind, one group per phrase: a message is read once per kind.
        self._compiled: dict[str, tuple[re.Pattern | None, list[Finding]]] = {}
        for kind in KINDS:
            findings = [
                Finding(str(phrase), kind, language)
                for language, kinds in sorted(lists.items())
                for phrase in kinds.get(kind) or []
            ]
            pattern = "|".join(f"({_pattern(f.phrase)})" for f in findings)
            self._compiled[kind] = (re.compile(pattern) if findings else None, findings)

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
        pattern, findings = self._compiled[kind]
        found = pattern.search(text) if pattern is not None else None
        return findings[found.lastindex - 1] if found else None

    def check(self, text: str) -> Finding | None:
        """The phrase that makes this message an emergency, or None."""
        normalized = normalize(text)
        danger = self._first("danger", normalized)
        now = self._first("now", normalized)
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
