"""Emergencies and out-of-scope questions on held-out sets, per language.

- `bench/data/emergency/<lang>.tsv`: at least 48 messages of someone in danger now
  (label `emergency`) and 32 near-misses that are not (which number to call, how to
  prepare, an accident last month: labelled with their topic).
- `bench/data/out_of_scope/<lang>.tsv`: questions the center does not handle.
- the emergencies and other messages of the topic held-out set (bench/data/nlu_heldout/).
Both were written apart from the training data and are never trained on; the danger
phrases were tuned on `bench/data/emergency_dev/` and the training data only.
- `bench/data/emergency_independent/<lang>.tsv`: a second held-out set, written later by
  other hands who saw nothing of the project (60 emergencies and 40 other messages per
  language), printed as a table of its own.

Emergency recall is shown for the classifiers alone (what the model said before the
danger phrases, `danger.overrode`), the danger phrases alone, and both (what residents
get). False alarms are counted on every non-emergency message of the three sets. "Answered as a
topic" is what action_answer_faq would answer: intent faq and both confidences at or
above the actions' thresholds.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.nlu import MODEL, baseline_predictions, load_heldout, parse_all
from bench.tables import pct, table

DATA = Path(__file__).parent / "data"
EMERGENCY, OUT_OF_SCOPE = DATA / "emergency", DATA / "out_of_scope"
# The tuning split: emergencies, near-misses and out-of-scope questions, and ordinary
# guidebook questions; thresholds and weights were chosen on these.
EMERGENCY_DEV, NLU_DEV = DATA / "emergency_dev", DATA / "nlu_dev"
EMERGENCY_INDEPENDENT = DATA / "emergency_independent"
TARGET_RECALL, TARGET_FALSE_ALARMS, TARGET_OOS = 0.99, 0.03, 0.05


def load(directory: Path) -> list[tuple[str, str, str]]:
    """(language, label, text) rows of every <language>.tsv in the folder."""
    return load_heldout(directory)


def answered_as_topic(parse: dict) -> bool:
    from actions.actions import INTENT_THRESHOLD, TOPIC_THRESHOLD

    intent = parse.get("intent") or {}
    response = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    return (
        intent.get("name") == "faq"
        and (intent.get("confidence") or 0) >= INTENT_THRESHOLD
        and (response.get("confidence") or 0) >= TOPIC_THRESHOLD
    )


def classifier_intent(parse: dict) -> str:
    danger = parse.get("danger") or {}
    return danger.get("overrode") or (parse.get("intent") or {}).get("name") or ""


def evaluate(model: Path = MODEL) -> dict:
    """Per-language counts of the model on the emergency and out-of-scope sets."""
    sets = {"emergency": load(EMERGENCY), "oos": load(OUT_OF_SCOPE), "topics": load_heldout()}
    rows = [(name, *row) for name, set_rows in sets.items() for row in set_rows]
    parses = parse_all([t for *_, t in rows], model)
    c: dict[str, Counter] = {}
    for (source, lang, label, _), parse in zip(rows, parses, strict=True):
        n = c.setdefault(lang, Counter())
        said = (parse.get("intent") or {}).get("name")
        if label == "emergency":
            n["emergencies"] += 1
            n["caught"] += said == "emergency"
            n["by classifier"] += classifier_intent(parse) == "emergency"
            n["by phrases"] += bool(parse.get("danger"))
        else:
            n["others"] += 1
            n["false alarms"] += said == "emergency"
        if source == "oos":
            n["oos"] += 1
            n["oos as topic"] += answered_as_topic(parse)
    return c


def independent_table(model: Path = MODEL) -> bool:
    """Recall and false alarms on the second, independent held-out set."""
    rows = load(EMERGENCY_INDEPENDENT)
    if not rows:
        return True
    parses = parse_all([t for *_, t in rows], model)
    c: dict[str, Counter] = {}
    for (lang, label, _), parse in zip(rows, parses, strict=True):
        n = c.setdefault(lang, Counter())
        said = (parse.get("intent") or {}).get("name") == "emergency"
        if label == "emergency":
            n["emergencies"] += 1
            n["caught"] += said
            n["by classifier"] += classifier_intent(parse) == "emergency"
            n["by phrases"] += bool(parse.get("danger"))
        else:
            n["others"] += 1
            n["false alarms"] += said
    total = sum(c.values(), Counter())
    body = [
        [
            lang,
            n["emergencies"],
            pct(n["by classifier"], n["emergencies"]),
            pct(n["by phrases"], n["emergencies"]),
            pct(n["caught"], n["emergencies"]),
            n["others"],
            pct(n["false alarms"], n["others"]),
        ]
        for lang, n in [(lang, c[lang]) for lang in sorted(c)] + [("all", total)]
    ]
    print("\nEmergencies, independent held-out set (bench/data/emergency_independent)")
    print(
        table(
            [
                "language",
                "emergencies",
                "classifier",
                "phrases",
                "recall",
                "others",
                "false alarms",
            ],
            body,
        )
    )
    recall = total["caught"] / total["emergencies"]
    alarms = total["false alarms"] / total["others"]
    print(f"Recall {recall:.1%}, false alarms {alarms:.1%} (same targets)")
    return recall >= TARGET_RECALL and alarms <= TARGET_FALSE_ALARMS


def dev_table(model: Path = MODEL) -> None:
    """The same figures on the tuning split, for comparison with the held-out ones."""
    rows = [("em", *r) for r in load(EMERGENCY_DEV)] + [("topic", *r) for r in load(NLU_DEV)]
    if not rows:
        return
    parses = parse_all([t for *_, t in rows], model)
    c: dict[str, Counter] = {}
    for (source, lang, label, _), parse in zip(rows, parses, strict=True):
        n = c.setdefault(lang, Counter())
        said = (parse.get("intent") or {}).get("name") == "emergency"
        if label == "emergency":
            n["emergencies"] += 1
            n["caught"] += said
        elif source == "em":
            n["near"] += 1
            n["near alarms"] += said
            if label == "out_of_scope":
                n["oos"] += 1
                n["oos as topic"] += answered_as_topic(parse)
        else:
            n["questions"] += 1
            n["question alarms"] += said
    total = sum(c.values(), Counter())
    body = [
        [
            lang,
            n["emergencies"],
            pct(n["caught"], n["emergencies"]),
            pct(n["near alarms"], n["near"]),
            pct(n["question alarms"], n["questions"]),
            pct(n["oos as topic"], n["oos"]),
        ]
        for lang, n in [(lang, c[lang]) for lang in sorted(c)] + [("all", total)]
    ]
    print("\nThe same on the dev sets (bench/data/emergency_dev, nlu_dev: the tuning split)")
    print(
        table(
            [
                "language",
                "emergencies",
                "recall",
                "near-miss alarms",
                "question alarms",
                "out of scope as topic",
            ],
            body,
        )
    )


def run(model: Path = MODEL) -> bool:
    if not MODEL.exists() or not any(EMERGENCY.glob("*.tsv")):
        print("\nSafety: no trained model or no held-out set; skipped")
        return False
    c = evaluate(model)
    oos = load(OUT_OF_SCOPE)
    base = baseline_predictions([t for _, _, t in oos])
    base_topic = Counter(
        lang for (lang, _, _), b in zip(oos, base, strict=True) if b.startswith("faq/")
    )
    langs = sorted(c)
    total = sum(c.values(), Counter())
    body = []
    for lang, n in [(lang, c[lang]) for lang in langs] + [("all", total)]:
        body.append(
            [
                lang,
                n["emergencies"],
                pct(n["by classifier"], n["emergencies"]),
                pct(n["by phrases"], n["emergencies"]),
                pct(n["caught"], n["emergencies"]),
                n["others"],
                pct(n["false alarms"], n["others"]),
                n["oos"],
                pct(n["oos as topic"], n["oos"]),
                pct(base_topic[lang] if lang != "all" else sum(base_topic.values()), n["oos"]),
            ]
        )
    print("\nEmergencies and out of scope (held out), per language")
    print(
        table(
            [
                "language",
                "emergencies",
                "classifier",
                "phrases",
                "recall",
                "non-emerg.",
                "false alarms",
                "out of scope",
                "as topic",
                "TF-IDF as topic",
            ],
            body,
        )
    )
    recall = total["caught"] / total["emergencies"]
    alarms = total["false alarms"] / total["others"]
    as_topic = total["oos as topic"] / total["oos"]
    passed = recall >= TARGET_RECALL and alarms <= TARGET_FALSE_ALARMS and as_topic <= TARGET_OOS
    print(
        f"Target: emergency recall >= {TARGET_RECALL:.0%}, false alarms <= {TARGET_FALSE_ALARMS:.0%}, "
        f"out of scope answered as a topic <= {TARGET_OOS:.0%}: {'met' if passed else 'NOT met'} "
        f"({recall:.1%}, {alarms:.1%}, {as_topic:.1%})"
    )
    passed = independent_table(model) and passed
    dev_table(model)
    return passed
