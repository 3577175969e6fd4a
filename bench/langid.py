"""Language identification: the project's detector beside five libraries, in one run.

Sets (none was used to build or tune the detector; tuning looks at the dev splits only,
which add a fifth of the training examples, set aside from the training on that split):
- short resident messages: bench/data/langid_heldout.tsv
- resident questions: bench/data/nlu_heldout/ and nlu_heldout_independent/ (language from
  the file name)
- public text: the held-out split of bench/data/public/ (Tatoeba sentences), as single
  words, word pairs and sentences (bench/public_text.py)
- the resident questions and public sentences again, written without accents and tone
  marks (only those it changes), as many residents type
- the public Japanese and Chinese words and pairs written in Han characters alone, where
  what both languages write stays Japanese (the rule for Han-only text)

Peers (bench/peers.py): lingua, py3langid, fastText lid.176, langdetect, CLD2, each
restricted to the project's languages where it can be. Target: the project leads every set
and every answered language in it (ties count as leading), under 1 ms a message.
"""

from __future__ import annotations

import hashlib
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import regex

from bench import peers, public_text
from bench.tables import pct, table
from bot.languages import ANSWERED, DETECTED
from bot.nlu.langid import LATIN_CANDIDATES, LanguageIdentifier
from bot.nlu.training_data import read_examples

DATA = Path(__file__).parent / "data"
HELDOUT = DATA / "langid_heldout.tsv"
QUESTIONS = (DATA / "nlu_heldout", DATA / "nlu_heldout_independent")
TARGET_MS = 1.0
ASIDE_FOLDS = 5
_HAN_ONLY = regex.compile(r"\p{Han}+")

Rows = list[tuple[str, str]]


def load(path: Path = HELDOUT) -> Rows:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            lang, text = line.split("\t", 1)
            rows.append((lang, text))
    return rows


def questions(directories: tuple[Path, ...] = QUESTIONS) -> Rows:
    """Resident questions of the intent sets, each labelled with its file's language."""
    rows = []
    for directory in directories:
        for path in sorted(directory.glob("*.tsv")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rows.append((path.stem, line.split("\t", 1)[1]))
    return rows


def without_accents(rows: Rows) -> Rows:
    """The Latin-script rows whose text changes when written without accents and tone
    marks, as many residents type ("toi muon gia han visa", "como renovo o visto")."""
    out = []
    for lang, text in rows:
        plain = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
        plain = unicodedata.normalize(
            "NFC", "".join(ch for ch in plain if unicodedata.category(ch) != "Mn")
        )
        if lang in LATIN_CANDIDATES and plain != text:
            out.append((lang, plain))
    return out


def han_only(rows: Rows) -> Rows:
    """The Japanese and Chinese rows written in Han characters alone (学校, 時候, 住民票),
    where the two languages share most of their characters."""
    return [
        (lang, text)
        for lang, text in rows
        if lang in ("ja", "zh") and _HAN_ONLY.fullmatch(text.replace(" ", ""))
    ]


def set_aside(text: str) -> bool:
    """One training example in ASIDE_FOLDS, fixed by its text: on the dev split the project
    is trained without them and measured on them, a large dev set of resident messages."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % ASIDE_FOLDS == 0


def training_examples(split: str = "heldout") -> Rows:
    """(language, text) of the training data the project learns from on this split."""
    return [
        (e.language, e.text) for e in read_examples() if split == "heldout" or not set_aside(e.text)
    ]


def aside() -> Rows:
    """The training examples set aside on the dev split, Easy Japanese labelled Japanese
    (the detector tells scripts and languages, not registers)."""
    return [
        ("ja" if e.language == "ja-easy" else e.language, e.text)
        for e in read_examples()
        if set_aside(e.text)
    ]


def sets(split: str = "heldout") -> dict[str, Rows]:
    public = public_text.build()[split]
    short = load() if split == "heldout" else load(DATA / "langid_dev.tsv")
    asked = questions() if split == "heldout" else questions((DATA / "nlu_dev",))
    return {
        **({"training examples set aside": aside()} if split == "dev" else {}),
        "short resident messages": short,
        "resident questions": asked,
        **{f"public text, {kind}": public[kind] for kind in public_text.KINDS},
        "without accents: resident questions": without_accents(asked),
        "without accents: public sentences": without_accents(public["sentences"]),
        "Han only: public words and pairs": han_only(public["single words"] + public["word pairs"]),
    }


def project(split: str = "heldout") -> Callable[[str], str]:
    ours = LanguageIdentifier.train(training_examples(split))
    return lambda text: ours.detect(text).language


def timed(fn: Callable[[str], str], texts: list[str]) -> tuple[list[str], list[float]]:
    out, times = [], []
    for text in texts:
        start = time.perf_counter()
        out.append(fn(text))
        times.append(time.perf_counter() - start)
    return out, times


def measure(systems: dict[str, Callable[[str], str]], data: dict[str, Rows]):
    """{system: {set: [prediction, ...]}} and each system's median ms over all messages."""
    predictions: dict[str, dict[str, list[str]]] = {}
    median_ms: dict[str, float] = {}
    for name, fn in systems.items():
        fn("warm up")
        predictions[name], all_times = {}, []
        for set_name, rows in data.items():
            predictions[name][set_name], times = timed(fn, [t for _, t in rows])
            all_times += times
        median_ms[name] = statistics.median(all_times) * 1000
    return predictions, median_ms


def run(split: str = "heldout") -> bool:
    data = sets(split)
    systems = {"project": project(split), **{name: make() for name, make in peers.PEERS.items()}}
    predictions, median_ms = measure(systems, data)
    names = list(systems)

    def accuracy(name: str, set_name: str, lang: str | None = None) -> tuple[int, int]:
        rows = data[set_name]
        pairs = [
            (gold, got)
            for (gold, _), got in zip(rows, predictions[name][set_name], strict=True)
            if lang is None or gold == lang
        ]
        return sum(g == p for g, p in pairs), len(pairs)

    print(f"\nLanguage identification: {split} sets, each library restricted to our languages")
    body, leads = [], True
    for set_name, rows in data.items():
        scores = {n: accuracy(n, set_name) for n in names}
        best = max(ok / total for ok, total in scores.values())
        leads &= scores["project"][0] / scores["project"][1] >= best
        body.append([set_name, len(rows)] + [pct(*scores[n]) for n in names])
    body.append(["median ms a message", ""] + [f"{median_ms[n]:.3f}" for n in names])
    print(table(["set", "n"] + names, body))

    behind = []
    for set_name, rows in data.items():
        present = [lang for lang in DETECTED if any(g == lang for g, _ in rows)]
        lines = []
        for lang in present:
            scores = {n: accuracy(n, set_name, lang) for n in names}
            best = max(ok / total for ok, total in scores.values())
            ours = scores["project"][0] / scores["project"][1]
            mark = "" if ours >= best else " <"
            if mark and lang in ANSWERED:
                behind.append(f"{set_name} / {lang}")
            lines.append([lang + mark, scores["project"][1]] + [pct(*scores[n]) for n in names])
        print(f"\n{set_name}, by language ('<': the project is behind a peer)")
        print(table(["language", "n"] + names, lines))

    errors = Counter()
    for set_name, rows in data.items():
        for (gold, _), got in zip(rows, predictions["project"][set_name], strict=True):
            if got != gold:
                errors[(set_name, gold, got)] += 1
    if errors:
        print("\nThe project's most frequent confusions (set, gold -> detected, count):")
        for (set_name, gold, got), n in errors.most_common(12):
            print(f"  {set_name}: {gold} -> {got}: {n}")

    fast = median_ms["project"] < TARGET_MS
    passed = leads and not behind and fast
    print(
        f"\nTarget: the project leads every set and every answered language, < {TARGET_MS} ms: "
        f"{'met' if passed else 'NOT met'}"
        + (f" (behind on: {', '.join(behind)})" if behind else "")
        + f" ({median_ms['project']:.3f} ms)"
    )
    return passed


if __name__ == "__main__":
    import sys

    # `python -m bench.langid dev`: the same tables on the dev splits, for tuning.
    run(sys.argv[1] if len(sys.argv) > 1 else "heldout")
