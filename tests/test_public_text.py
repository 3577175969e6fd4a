"""The public-text sample (bench/data/public/): human-written Tatoeba sentences that measure
language identification on ordinary text. It measures only if it is what it says: every line
a detected language, no sentence twice, enough of each language to give a figure, and nothing
the identifier was trained on or is tuned against (bench/data/public/SOURCE.md)."""

from __future__ import annotations

from collections import Counter

from bench.nlu import _norm, training_texts
from bot.languages import DETECTED
from bot.settings import ROOT

PUBLIC = ROOT / "bench" / "data" / "public" / "sentences.tsv"
MINIMUM = 150
# Tatoeba's whole English-Nepali test set is 115 lines, most of them one word: 70 remain.
SMALLER = {"ne": 60}


def rows() -> list[tuple[str, str]]:
    lines = PUBLIC.read_text(encoding="utf-8").splitlines()
    assert all(line.count("\t") == 1 for line in lines), "each line is lang<TAB>sentence"
    return [tuple(line.split("\t")) for line in lines]


def test_every_line_is_a_detected_language_and_a_clean_sentence() -> None:
    for lang, text in rows():
        assert lang in DETECTED, lang
        assert text and text == text.strip() and len(text) <= 200, (lang, text)


def test_languages_come_in_one_block_each() -> None:
    langs = [lang for lang, _ in rows()]
    blocks = [lang for i, lang in enumerate(langs) if i == 0 or langs[i - 1] != lang]
    assert len(blocks) == len(set(blocks)), blocks


def test_no_sentence_twice() -> None:
    counts = Counter(_norm(text) for _, text in rows())
    assert not [text for text, n in counts.items() if n > 1]


def test_enough_sentences_in_every_language_present() -> None:
    counts = Counter(lang for lang, _ in rows())
    assert len(counts) == len(DETECTED)
    for lang, n in counts.items():
        assert n >= SMALLER.get(lang, MINIMUM), f"{lang}: {n}"


def test_nothing_trained_on_or_in_the_langid_sets() -> None:
    langid = {
        _norm(line.split("\t", 1)[1])
        for path in sorted((ROOT / "bench" / "data").glob("langid_*.tsv"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if "\t" in line
    }
    known = training_texts() | langid
    assert langid and training_texts()
    assert not [text for _, text in rows() if _norm(text) in known]
