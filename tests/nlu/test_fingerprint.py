"""Rasa's training cache keys a component by its config and data; our components add their
code, so that `make train` after a code change retrains them instead of restoring them."""

from __future__ import annotations

import importlib
import sys

import pytest

from bot.nlu import code_fingerprint
from bot.nlu.language_detector import LanguageDetector
from bot.nlu.linear import LinearIntentClassifier, LinearResponseSelector
from bot.nlu.rules import RuleClassifier
from bot.nlu.tokenizer import MultilingualTokenizer


def test_the_fingerprint_follows_the_source(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = tmp_path / "fingerprinted_module.py"
    module.write_text("WEIGHT = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    before = code_fingerprint(("fingerprinted_module",), ("fugashi",))
    assert before == code_fingerprint(("fingerprinted_module",), ("fugashi",))
    module.write_text("WEIGHT = 2\n", encoding="utf-8")
    assert code_fingerprint(("fingerprinted_module",), ("fugashi",)) != before
    assert code_fingerprint(("fingerprinted_module",), ("jieba",)) != code_fingerprint(
        ("fingerprinted_module",), ("fugashi",)
    )
    sys.modules.pop("fingerprinted_module", None)


@pytest.mark.parametrize(
    "component",
    [
        LanguageDetector,
        LinearIntentClassifier,
        LinearResponseSelector,
        MultilingualTokenizer,
        RuleClassifier,
    ],
)
def test_every_component_of_ours_adds_its_code(component) -> None:
    addon = component.fingerprint_addon({})
    assert isinstance(addon, str) and len(addon) == 64
