"""Chooses the weights of the Latin-script signals (bot/nlu/langid.py) on the dev splits.

`python -m bench.tune_langid` reads the dev sets (bench/data/langid_dev.tsv,
bench/data/nlu_dev/, the dev split of bench/data/public/, the training examples set aside) and measures the five peer
libraries on them once. Starting from the weights in langid.py, it scores every weight
setting of GRID for messages of up to SHORT_WORDS words with the longer ones' weights held
fixed, and then the other way round (ROUNDS times). A setting is scored by its mean accuracy over the (set, language)
cells, so that every language counts, not only the most frequent, less COST_OF_A_CELL for
each (set, answered language) cell it leaves behind the best peer: the benchmark's
target, without buying one cell with the accuracy of the others. Each round prints the
trade-off: the best mean accuracy for each number of cells behind.
Held-out sets are never read here. The chosen weights are written into langid.py by hand
(SHORT, LONG), so that a change of weights is a reviewed change.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace

from bench import langid as bench_langid
from bench import peers
from bot.languages import ANSWERED, DETECTED
from bot.nlu import langid

GRID = {
    "own": (0.25, 0.5, 1.0, 2.0, 3.0),
    "lingua": (0.15, 0.3, 0.6, 1.0, 1.5),
    "fasttext": (0.0, 0.3),
    "word": (1.6, 2.4),
    "frequency": (0.3, 0.6, 1.0, 1.5, 2.0, 3.0),
}
ROUNDS = 1
COST_OF_A_CELL = 0.001

Cell = tuple[str, str]  # (set, gold language)


def collect(identifier: langid.LanguageIdentifier, rows: list[tuple[str, str]]) -> list:
    """For each message: either a fixed detection (not Latin script) or the signals that
    the Latin decision weighs."""
    out = []
    for _, text in rows:
        seen: list[langid.LatinSignals] = []

        def capture(norm: str, seen=seen) -> langid.Detection:
            seen.append(identifier.latin_signals(norm))
            return langid.decide_latin(seen[-1])

        identifier._latin = capture  # type: ignore[method-assign]
        detection = identifier.detect(text)
        out.append(seen[0] if seen else detection.language)
    return out


class Tuner:
    def __init__(self) -> None:
        identifier = langid.LanguageIdentifier.train(bench_langid.training_examples("dev"))
        data = bench_langid.sets("dev")
        systems = {name: make() for name, make in peers.PEERS.items()}
        predictions, _ = bench_langid.measure(systems, data)
        self.cells: dict[Cell, list] = defaultdict(list)  # (gold, item) per cell
        sizes: dict[Cell, int] = defaultdict(int)
        hits: dict[tuple[str, Cell], int] = defaultdict(int)
        for set_name, rows in data.items():
            for i, ((gold, _), item) in enumerate(
                zip(rows, collect(identifier, rows), strict=True)
            ):
                if gold not in DETECTED:
                    continue
                cell = (set_name, gold)
                self.cells[cell].append((gold, item))
                sizes[cell] += 1
                for name in systems:
                    hits[(name, cell)] += predictions[name][set_name][i] == gold
        self.best_peer = {
            cell: max(hits[(name, cell)] for name in systems) / n for cell, n in sizes.items()
        }

    def score(self, short: langid.LatinWeights, long: langid.LatinWeights) -> tuple[int, float]:
        """(cells of answered languages behind the best peer, mean accuracy of the cells)."""
        accuracies = {cell: _accuracy(items, short, long) for cell, items in self.cells.items()}
        behind = [c for c, a in accuracies.items() if c[1] in ANSWERED and a < self.best_peer[c]]
        return len(behind), sum(accuracies.values()) / len(accuracies)

    def behind(self, short: langid.LatinWeights, long: langid.LatinWeights) -> list[Cell]:
        return [
            cell
            for cell, items in self.cells.items()
            if cell[1] in ANSWERED and _accuracy(items, short, long) < self.best_peer[cell]
        ]


def settings(base: langid.LatinWeights):
    for values in itertools.product(*GRID.values()):
        yield replace(base, **dict(zip(GRID, values, strict=True)))


def main() -> None:
    tuner = Tuner()
    short, long = langid.SHORT, langid.LONG
    print(f"current: {tuner.score(short, long)} (cells behind, mean accuracy)")
    for _ in range(ROUNDS):
        for label in ("short", "long"):
            scored = [
                (tuner.score(w, long) if label == "short" else tuner.score(short, w), w)
                for w in settings(short if label == "short" else long)
            ]
            print(f"\n{label}: the best mean accuracy for each number of cells behind")
            for behind, mean, w in _frontier(scored):
                print(f"  {behind:2d} behind  {mean:.4f}  {w}")
            best = max(scored, key=lambda r: _objective(r[0]))[1]
            short, long = (best, long) if label == "short" else (short, best)
    print(f"\nchosen: SHORT {short}\n        LONG  {long}\n  -> {tuner.score(short, long)}")
    print("cells still behind:", tuner.behind(short, long))


def _frontier(scored):
    best: dict[int, tuple[float, langid.LatinWeights]] = {}
    for (behind, mean), w in scored:
        if behind not in best or mean > best[behind][0]:
            best[behind] = (mean, w)
    rows, top = [], -1.0
    for behind in sorted(best):
        mean, w = best[behind]
        if mean > top:  # a row that leaves more cells behind must buy accuracy
            rows.append((behind, mean, w))
            top = mean
    return rows


def _objective(score: tuple[int, float]) -> float:
    """Mean accuracy, less COST_OF_A_CELL for each cell behind a peer: a cell is won by a
    message or two, which must not cost the other languages more than that."""
    behind, mean = score
    return mean - COST_OF_A_CELL * behind


def _accuracy(items, short, long) -> float:
    ok = 0
    for gold, item in items:
        if isinstance(item, str):
            ok += item == gold
        else:
            weights = short if item.words <= langid.SHORT_WORDS else long
            ok += langid.decide_latin(item, weights).language == gold
    return ok / len(items)


if __name__ == "__main__":
    main()
