"""A held-out figure measures messages never trained on. Short messages are written on
both sides ("hello", "救命", "불이야"), so `make bench` leaves out of every held-out set
the messages that are also training examples."""

from __future__ import annotations

import pytest

from bench.nlu import HELDOUT, INDEPENDENT, _norm, load_heldout, training_texts
from bench.safety import EMERGENCY, EMERGENCY_INDEPENDENT, OUT_OF_SCOPE


@pytest.mark.parametrize(
    "directory", [HELDOUT, INDEPENDENT, EMERGENCY, EMERGENCY_INDEPENDENT, OUT_OF_SCOPE]
)
def test_bench_leaves_out_held_out_messages_that_are_training_examples(directory) -> None:
    measured = load_heldout(directory)
    lines = [
        line
        for path in sorted(directory.glob("*.tsv"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert measured and len(measured) <= len(lines)
    assert not [text for _, _, text in measured if _norm(text) in training_texts()]
    # most of each set is new: a set copied into the training data would fail here
    assert len(measured) >= 0.85 * len(lines)
