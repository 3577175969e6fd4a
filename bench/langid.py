"""Language identification on the held-out set, beside plain langdetect, in the same run."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

from bench.tables import pct, table
from bot.languages import DETECTED
from bot.nlu.langid import LanguageIdentifier
from bot.nlu.training_data import read_examples

HELDOUT = Path(__file__).parent / "data" / "langid_heldout.tsv"
TARGET_OVERALL, TARGET_EACH, TARGET_MS = 0.98, 0.90, 1.0


def load(path: Path = HELDOUT) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            lang, text = line.split("\t", 1)
            rows.append((lang, text))
    return rows


def plain_langdetect():
    """langdetect as commonly used: all its languages, seeded for repeatability."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def run(text: str) -> str:
        try:
            code = detect(text)
        except LangDetectException:
            return "und"
        return "zh" if code.startswith("zh") else code

    return run


def timed(fn, texts: list[str]) -> tuple[list[str], float]:
    out, times = [], []
    for text in texts:
        start = time.perf_counter()
        out.append(fn(text))
        times.append(time.perf_counter() - start)
    return out, statistics.median(times) * 1000


def run() -> bool:
    rows = load()
    texts = [t for _, t in rows]
    ours = LanguageIdentifier.train((e.language, e.text) for e in read_examples())
    ours.detect("warm up")
    baseline = plain_langdetect()
    baseline("warm up")
    our_pred, our_ms = timed(lambda t: ours.detect(t).language, texts)
    base_pred, base_ms = timed(baseline, texts)

    total, ok_ours, ok_base = Counter(), Counter(), Counter()
    for (lang, _), a, b in zip(rows, our_pred, base_pred, strict=False):
        total[lang] += 1
        ok_ours[lang] += a == lang
        ok_base[lang] += b == lang
    body = [
        [lang, total[lang], pct(ok_ours[lang], total[lang]), pct(ok_base[lang], total[lang])]
        for lang in DETECTED
    ]
    n = sum(total.values())
    body.append(["all", n, pct(sum(ok_ours.values()), n), pct(sum(ok_base.values()), n)])
    body.append(["median ms", "", f"{our_ms:.3f}", f"{base_ms:.3f}"])
    print(f"\nLanguage identification: {HELDOUT.name} (held out; never used to build or tune)")
    print(table(["language", "messages", "ours", "plain langdetect"], body))
    errors = [(lang, p, t) for (lang, t), p in zip(rows, our_pred, strict=False) if p != lang]
    if errors:
        print("\nMissed:")
        for lang, p, t in errors:
            print(f"  {lang} -> {p}: {t}")
    overall = sum(ok_ours.values()) / n
    worst = min(ok_ours[lang] / total[lang] for lang in total)
    passed = overall >= TARGET_OVERALL and worst >= TARGET_EACH and our_ms < TARGET_MS
    print(
        f"\nTarget: >= {TARGET_OVERALL:.0%} overall, >= {TARGET_EACH:.0%} per language, < {TARGET_MS} ms: "
        f"{'met' if passed else 'NOT met'} ({overall:.1%} overall, worst {worst:.1%}, {our_ms:.3f} ms)"
    )
    return passed
