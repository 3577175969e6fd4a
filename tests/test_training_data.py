"""The training data: every intent and topic in every language, valid for Rasa."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict

import yaml

from bot.nlu.training_data import read_examples
from bot.settings import ROOT
from tests.conftest import CONTRACT

ANSWERED_DATA = ("ja", "en", "zh", "ko", "pt", "tl", "vi", "ne")
CORE = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "bot_challenge",
    "help",
    "human_handoff",
    "emergency",
    "change_language",
    "out_of_scope",
)


def counts() -> dict[str, Counter]:
    by_language: dict[str, Counter] = defaultdict(Counter)
    for example in read_examples():
        by_language[example.language][example.intent] += 1
    return by_language


def test_core_intents_in_every_language() -> None:
    data = counts()
    for lang in ANSWERED_DATA:
        for intent in CORE:
            assert data[lang][intent] >= 8, f"{lang}: {intent} has {data[lang][intent]} examples"


def test_every_topic_in_every_language() -> None:
    topics = [t["id"] for t in yaml.safe_load((CONTRACT / "topics.yml").read_text())["topics"]]
    data = counts()
    for lang in ANSWERED_DATA:
        for topic in topics:
            assert data[lang][f"faq/{topic}"] >= 12, (
                f"{lang}: faq/{topic} has {data[lang][f'faq/{topic}']}"
            )


def test_no_example_has_two_intents() -> None:
    seen: dict[str, str] = {}
    for example in read_examples():
        key = example.text.lower()
        assert seen.setdefault(key, example.intent) == example.intent, f"{example.text!r}"


def test_rasa_data_validate() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            "nlu_data",
            "--config",
            "config.yml",
            "--fail-on-warnings",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # Rasa warns that retrieval intents have no `utter_faq/...` responses: answers come from
    # the guidebook through action_answer_faq. Everything else must be clean.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "UserWarning" in line
        and "utter_faq" not in line
        and "duplicated intents" not in line
        and "Misaligned entity annotation" not in line
    ]
    assert not problems, "\n".join(problems)
    assert "Validating intents" in result.stdout + result.stderr
