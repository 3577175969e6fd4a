"""Chooses the weights of the Latin-script signals (bot/nlu/langid.py) on the dev splits.

`python -m bench.tune_langid` scores every weight setting of GRID on the dev sets
(bench/data/langid_dev.tsv, bench/data/nlu_dev/, the dev split of bench/data/public/),
once for messages of up to SHORT_WORDS words and once for longer ones, and prints the
current weights and the best ones. A setting is scored by its mean accuracy over the
(set, language) cells that hold at least MIN_CELL such messages, so that every language
counts, not only the most frequent. Held-out sets are never read here. The chosen
weights are written into langid.py by hand (SHORT, LONG), so that a change of weights is
a reviewed change.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable

from bench import langid as bench_langid
from bot.nlu import langid
from bot.nlu.training_data import read_examples

GRID = {
    "own": (0.25, 0.5, 1.0, 2.0, 3.0, 4.0),
    "lingua": (0.15, 0.3, 0.6, 1.0, 2.0),
    "fasttext": (0.0, 0.15, 0.3, 0.6),
    "word": (1.6, 2.4, 4.0),
    "letter": (2.5,),
    "romaji": (0.5,),
}
MIN_CELL = 10


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


def cells(data: dict[str, list], short: bool) -> dict[tuple[str, str], list]:
    """The Latin-script messages of one length class, by (set, gold language)."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for set_name, items in data.items():
        for gold, item in items:
            if not isinstance(item, str) and (item.words <= langid.SHORT_WORDS) == short:
                out[(set_name, gold)].append(item)
    return {k: v for k, v in out.items() if len(v) >= MIN_CELL}


def score(groups: dict[tuple[str, str], list], weights: langid.LatinWeights) -> float:
    accuracies = [
        sum(langid.decide_latin(s, weights).language == gold for s in items) / len(items)
        for (_, gold), items in groups.items()
    ]
    return sum(accuracies) / len(accuracies)


def main() -> None:
    identifier = langid.LanguageIdentifier.train((e.language, e.text) for e in read_examples())
    data = {name: collect(identifier, rows) for name, rows in bench_langid.sets("dev").items()}
    for label, short, current in (("short", True, langid.SHORT), ("long", False, langid.LONG)):
        groups = cells(data, short)
        results = []
        for values in itertools.product(*GRID.values()):
            weights = langid.LatinWeights(**dict(zip(GRID, values, strict=True)))
            results.append((score(groups, weights), weights))
        results.sort(key=lambda r: r[0], reverse=True)
        print(f"\n{label} messages: {len(groups)} (set, language) cells")
        print(f"  current {score(groups, current):.4f} {current}")
        for mean, weights in results[:5]:
            print(f"  best    {mean:.4f} {weights}")


if __name__ == "__main__":
    main()
