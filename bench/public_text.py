"""Public text for language identification: sentences, and single words and word pairs
taken from them (bench/data/public/, Tatoeba sentences; SOURCE.md there names the source
and the licence).

Each sentence falls in the dev split or the held-out split by a hash of its text, so the
words and pairs of a held-out sentence are held out too. Tuning may look at `dev` only;
`make bench` reports `heldout`. Words are cut as each language writes them: at spaces, or
with the project's own tokenizers for Japanese (fugashi) and Chinese (jieba); Thai and
Burmese, written without spaces, give sentences only. A word or pair that another
language's sentences also contain ("Tom", "no", "OK") says nothing about the language and
is left out.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import regex

SENTENCES = Path(__file__).parent / "data" / "public" / "sentences.tsv"
SPLITS = ("dev", "heldout")
KINDS = ("single words", "word pairs", "sentences")
PER_LANGUAGE = 250  # words and pairs drawn per language and split
UNSEGMENTED = ("th", "my")

_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*")


def split_of(sentence: str) -> str:
    """`dev` for about half of the sentences, `heldout` for the rest; fixed by the text."""
    return "dev" if hashlib.sha256(sentence.encode("utf-8")).digest()[0] < 128 else "heldout"


def read_sentences(path: Path = SENTENCES) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            lang, text = line.split("\t", 1)
            rows.append((lang, text.strip()))
    return rows


@lru_cache(maxsize=1)
def _japanese():
    import fugashi

    return fugashi.Tagger()


def words_of(lang: str, sentence: str) -> list[str]:
    """The words of a sentence in its own writing; punctuation and numbers dropped."""
    if lang == "ja":
        pieces = [w.surface for w in _japanese()(sentence)]
    elif lang == "zh":
        import jieba

        pieces = list(jieba.cut(sentence))
    else:
        pieces = sentence.split()
    out = []
    for piece in pieces:
        out.extend(_WORD.findall(piece))
    return out


@lru_cache(maxsize=2)
def build(path: Path = SENTENCES) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{split: {kind: [(language, text), ...]}}, the same on every run."""
    rows = read_sentences(path)
    words: dict[tuple[str, str], list[str]] = defaultdict(list)
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    seen_words: dict[str, set[str]] = defaultdict(set)  # lower-cased word -> languages
    seen_pairs: dict[str, set[str]] = defaultdict(set)
    out: dict[str, dict[str, list[tuple[str, str]]]] = {s: {k: [] for k in KINDS} for s in SPLITS}
    for lang, sentence in rows:
        split = split_of(sentence)
        out[split]["sentences"].append((lang, sentence))
        if lang in UNSEGMENTED:
            continue
        ws = words_of(lang, sentence)
        sep = "" if lang in ("ja", "zh") else " "
        ps = [sep.join(ws[i : i + 2]) for i in range(len(ws) - 1)]
        words[(lang, split)].extend(ws)
        pairs[(lang, split)].extend(ps)
        for w in ws:
            seen_words[w.lower()].add(lang)
        for p in ps:
            seen_pairs[p.lower()].add(lang)
    for (lang, split), found in sorted(words.items()):
        out[split]["single words"] += _draw(lang, found, seen_words, f"w{lang}{split}")
    for (lang, split), found in sorted(pairs.items()):
        out[split]["word pairs"] += _draw(lang, found, seen_pairs, f"p{lang}{split}")
    return out


def _draw(
    lang: str, found: list[str], seen: dict[str, set[str]], seed: str
) -> list[tuple[str, str]]:
    """Up to PER_LANGUAGE distinct items that only this language's sentences contain."""
    own = sorted({t for t in found if seen[t.lower()] == {lang}})
    random.Random(seed).shuffle(own)
    return [(lang, t) for t in own[:PER_LANGUAGE]]
