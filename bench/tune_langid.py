"""Chooses the weights of the Latin-script signals (bot/nlu/langid.py) on the dev splits.

`python -m bench.tune_langid` prints the accuracy of each weight setting on the dev sets
(bench/data/langid_dev.tsv, bench/data/nlu_dev/, the dev split of bench/data/public/) and
the best ones. Held-out sets are never read here. The chosen weights are then written into
langid.py by hand, so that a change of weights is a reviewed change.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from bench import langid as bench_langid
from bot.nlu import langid
from bot.nlu.training_data import read_examples

GRID = {
    "own": (0.5, 1.0, 1.5),
    "lingua": (0.3, 0.6, 1.0, 1.5, 2.0),
    "fasttext": (0.0, 0.15, 0.3, 0.6, 1.0),
    "word": (1.6, 2.4, 3.2),
    "letter": (2.5,),
    "romaji": (0.0, 0.5, 1.0),
}


def collect(identifier: langid.LanguageIdentifier, rows: Iterable[tuple[str, str]]):
    """For each message: its gold language, and either a fixed detection (not Latin
    script) or the signals the Latin decision weighs."""
    out = []
    for gold, text in rows:
        seen: list[langid.LatinSignals] = []

        def capture(norm: str, seen=seen) -> langid.Detection:
            seen.append(identifier.latin_signals(norm))
            return langid.decide_latin(seen[-1])

        identifier._latin = capture  # type: ignore[method-assign]
        detection = identifier.detect(text)
        out.append((gold, seen[0] if seen else detection.language))
    return out


def accuracy(items, weights: langid.LatinWeights) -> float:
    ok = 0
    for gold, item in items:
        got = item if isinstance(item, str) else langid.decide_latin(item, weights).language
        ok += got == gold
    return ok / len(items)


def main() -> None:
    identifier = langid.LanguageIdentifier.train((e.language, e.text) for e in read_examples())
    data = {name: collect(identifier, rows) for name, rows in bench_langid.sets("dev").items()}
    results = []
    for values in itertools.product(*GRID.values()):
        weights = langid.LatinWeights(**dict(zip(GRID, values, strict=True)))
        scores = {name: accuracy(items, weights) for name, items in data.items()}
        results.append((sum(scores.values()) / len(scores), min(scores.values()), weights, scores))
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    current = langid.LatinWeights()
    for label, (mean, worst, weights, scores) in [("current", _score(data, current))] + [
        (f"#{i + 1}", r) for i, r in enumerate(results[:10])
    ]:
        cells = " ".join(f"{name[:22]}={v:.3f}" for name, v in scores.items())
        print(f"{label:8s} mean={mean:.4f} worst={worst:.3f} {weights}\n         {cells}")


def _score(data, weights):
    scores = {name: accuracy(items, weights) for name, items in data.items()}
    return (sum(scores.values()) / len(scores), min(scores.values()), weights, scores)


if __name__ == "__main__":
    main()
