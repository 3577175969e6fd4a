"""Training time and accuracy of the configuration in use beside the one it replaced.

Both are trained in this run, one after the other, from scratch (each with an empty Rasa
cache of its own, so nothing is reused), on the same data and machine:

- `config.yml`: linear SVMs for intents and topics (bot/nlu/linear.py);
- `bench/configs/diet.yml`: DIET (30 epochs) and the ResponseSelector (60 epochs) without
  transformer layers, the configuration before it.

Each model is then measured on the held-out sets: topic and intent accuracy
(bench/data/nlu_heldout/, and the independent Nepali set), emergency recall, false
alarms and out-of-scope questions answered as a topic (bench/safety.py).
Set BENCH_TRAINING=skip to leave this part out (15-25 minutes on 2 cores, DIET most of it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import nlu, safety
from bench.tables import pct, table
from bot.settings import ROOT

CONFIGS = {
    "linear (config.yml)": ROOT / "config.yml",
    "DIET + ResponseSelector (before)": ROOT / "bench" / "configs" / "diet.yml",
}
TARGET_SECONDS = 240


def train(config: Path, out: Path) -> float:
    env = dict(os.environ, RASA_CACHE_DIRECTORY=str(out / "cache"))
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bot.train", "--config", str(config), "--out", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - start


def accuracy(model: Path, rows: list[tuple[str, str, str]]) -> float:
    predictions = nlu.model_predictions([t for _, _, t in rows], model)
    return sum(p == label for (_, label, _), p in zip(rows, predictions, strict=True)) / len(rows)


def run() -> bool:
    if os.environ.get("BENCH_TRAINING") == "skip":
        print("\nTraining comparison: skipped (BENCH_TRAINING=skip)")
        return True
    heldout = nlu.load_heldout()
    independent = nlu.load_heldout(nlu.INDEPENDENT)
    body, results = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        for name, config in CONFIGS.items():
            out = Path(tmp) / config.stem
            seconds = train(config, out)
            model = out / "assistant.tar.gz"
            s = sum(safety.evaluate(model).values(), Counter())
            results[name] = (seconds, accuracy(model, heldout))
            body.append(
                [
                    name,
                    f"{seconds:.0f} s",
                    pct(round(results[name][1] * 10000), 10000),
                    pct(round(accuracy(model, independent) * 10000), 10000)
                    if independent
                    else "n/a",
                    pct(s["caught"], s["emergencies"]),
                    pct(s["false alarms"], s["others"]),
                    pct(s["oos as topic"], s["oos"]),
                ]
            )
    print("\nTraining from scratch, then the held-out sets (same run, same machine)")
    print(
        table(
            [
                "configuration",
                "training",
                "topics+intents",
                "independent",
                "emergency recall",
                "false alarms",
                "out of scope as topic",
            ],
            body,
        )
    )
    (seconds, acc), (_, before) = results.values()
    passed = seconds < TARGET_SECONDS and acc >= before
    print(
        f"Target: training under {TARGET_SECONDS} s with accuracy not lower than before: "
        f"{'met' if passed else 'NOT met'} ({seconds:.0f} s, {acc:.1%} vs {before:.1%})"
    )
    return passed
