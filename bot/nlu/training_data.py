"""Reads nlu_data/ as (language, intent, text) rows, outside Rasa: for tests and benchmarks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import yaml

from bot.settings import ROOT

NLU_DATA = ROOT / "nlu_data"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}|\[([^\]]+)\]\([^)]*\)")


class Example(NamedTuple):
    language: str
    intent: str
    text: str


def plain_text(example: str) -> str:
    """An example without its entity annotations: `[Korean]{"entity": ...}` becomes `Korean`."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example).strip()


def read_examples(directory: Path = NLU_DATA) -> Iterator[Example]:
    """Every training example of every intent block that names its language."""
    for path in sorted(directory.glob("*/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            language = (block.get("metadata") or {}).get("language")
            if not language or "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield Example(language, block["intent"], plain_text(line[2:]))
