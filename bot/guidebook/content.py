"""Loads the guidebook data files and checks that they are complete.

A missing translation, key or placeholder is a `GuidebookError` at load time, never a
silent fallback at answer time: the action server refuses to start with a broken
guidebook, and `make test` names the file and key to fix.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.desk.hours import HoursError, OpeningHours
from bot.languages import ANSWERED

# Placeholders that answers and messages may use (guidebook/README.md).
CENTER_PLACEHOLDERS = {
    "center_name": "name",
    "support_center": "support_center",
    "center_phone": "phone",
    "consultation_phone": "consultation_phone",
    "center_email": "email",
    "center_address": "address",
    "center_hours": "hours",
    "center_languages": "languages",
    "advice_line_adult": ("prefecture_advice_lines", "adult"),
    "advice_line_child": ("prefecture_advice_lines", "child"),
}
MESSAGE_PLACEHOLDERS = {"language_name", "chapter", "ticket", "opening"}
LOCALIZED_CENTER_FIELDS = ("name", "support_center", "address", "hours", "languages")


class GuidebookError(ValueError):
    """The guidebook data is incomplete or inconsistent; the message says where."""


@dataclass(frozen=True)
class Topic:
    id: str
    chapter: str
    escalate: bool
    related: tuple[str, ...]


@dataclass(frozen=True)
class Guidebook:
    topics: dict[str, Topic]
    chapters: tuple[str, ...]
    answers: dict[str, dict[str, dict[str, str]]]  # lang -> topic -> {title, text}
    messages: dict[str, dict[str, Any]]  # lang -> {messages, chapters, buttons, language_names}
    center: dict[str, Any]

    def program(self, topic_id: str, lang: str) -> str | None:
        """The center's own program for a topic (profile `programs`), if it has one."""
        texts = (self.center.get("programs") or {}).get(topic_id)
        return texts[lang].strip() if texts else None

    def center_values(self, lang: str) -> dict[str, str]:
        """The center's details for the placeholders, in one language."""
        values = {}
        for placeholder, field in CENTER_PLACEHOLDERS.items():
            if isinstance(field, tuple):
                value = self.center[field[0]][field[1]]
            else:
                value = self.center[field]
            values[placeholder] = value[lang] if isinstance(value, dict) else str(value)
        return values


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)
    except FileNotFoundError as e:
        raise GuidebookError(f"{path}: file missing") from e
    except yaml.YAMLError as e:
        raise GuidebookError(f"{path}: not valid YAML: {e}") from e


def placeholders(text: str) -> set[str]:
    """The {names} used in a text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _check_text(where: str, text: Any, allowed: set[str]) -> None:
    if not isinstance(text, str) or not text.strip():
        raise GuidebookError(f"{where}: empty or missing")
    try:
        unknown = placeholders(text) - allowed
    except ValueError as e:
        raise GuidebookError(f"{where}: broken braces: {e}") from e
    if unknown:
        raise GuidebookError(f"{where}: unknown placeholder(s) {sorted(unknown)}")


def _load_topics(directory: Path) -> tuple[dict[str, Topic], tuple[str, ...]]:
    data = _read(directory / "topics.yml")
    chapters = tuple(data["chapters"])
    topics = {}
    for topic_id, t in data["topics"].items():
        if t["chapter"] not in chapters:
            raise GuidebookError(f"topics.yml: {topic_id}: unknown chapter {t['chapter']}")
        topics[topic_id] = Topic(
            topic_id, t["chapter"], t.get("escalate") == "offer", tuple(t.get("related", ()))
        )
    for t in topics.values():
        for r in t.related:
            if r not in topics:
                raise GuidebookError(f"topics.yml: {t.id}: related topic {r} does not exist")
    return topics, chapters


def _load_center(directory: Path, center: str) -> dict[str, Any]:
    path = directory / "centers" / f"{center}.yml"
    if not path.exists():
        known = sorted(p.stem for p in (directory / "centers").glob("*.yml"))
        raise GuidebookError(f"CENTER={center!r}: no profile {path}; known centers: {known}")
    profile = _read(path)
    for field in CENTER_PLACEHOLDERS.values():
        key = field[0] if isinstance(field, tuple) else field
        if key not in profile:
            raise GuidebookError(f"{path}: missing {key}")
    for field in LOCALIZED_CENTER_FIELDS:
        missing = [lang for lang in ANSWERED if not profile[field].get(lang)]
        if missing:
            raise GuidebookError(f"{path}: {field} has no text for {missing}")
    try:
        OpeningHours.from_profile(profile)
    except HoursError as error:
        raise GuidebookError(f"{path}: {error}") from None
    return profile


def _check_programs(path: Path, profile: dict[str, Any], topics: dict[str, Topic]) -> None:
    """`programs`: the center's own program for a topic, in every language."""
    programs = profile.get("programs") or {}
    if not isinstance(programs, dict):
        raise GuidebookError(f"{path}: programs must map topic ids to texts")
    for topic_id, texts in programs.items():
        if topic_id not in topics:
            raise GuidebookError(f"{path}: programs.{topic_id}: no such topic in topics.yml")
        if not isinstance(texts, dict):
            raise GuidebookError(f"{path}: programs.{topic_id}: give a text for each language")
        missing = [lang for lang in ANSWERED if not texts.get(lang)]
        if missing:
            raise GuidebookError(f"{path}: programs.{topic_id} has no text for {missing}")
        for lang in ANSWERED:
            _check_text(
                f"{path}: programs.{topic_id}.{lang}", texts[lang], set(CENTER_PLACEHOLDERS)
            )


def load_guidebook(directory: Path, center: str) -> Guidebook:
    """Load and check everything; raises GuidebookError naming the first problem."""
    topics, chapters = _load_topics(directory)
    center_profile = _load_center(directory, center)
    _check_programs(directory / "centers" / f"{center}.yml", center_profile, topics)
    reference = _read(directory / "messages" / "en.yml")
    messages, answers = {}, {}
    for lang in ANSWERED:
        path = directory / "messages" / f"{lang}.yml"
        data = _read(path)
        for section in ("messages", "buttons", "chapters", "language_names"):
            missing = set(reference[section]) - set(data.get(section) or {})
            if missing:
                raise GuidebookError(f"{path}: {section} missing {sorted(missing)}")
        for key, text in data["messages"].items():
            _check_text(
                f"{path}: messages.{key}", text, set(CENTER_PLACEHOLDERS) | MESSAGE_PLACEHOLDERS
            )
        missing_chapters = set(chapters) - set(data["chapters"])
        if missing_chapters:
            raise GuidebookError(f"{path}: chapters missing {sorted(missing_chapters)}")
        messages[lang] = data

        path = directory / "answers" / f"{lang}.yml"
        entries = (_read(path) or {}).get("answers") or {}
        answers[lang] = {}
        for topic_id in topics:
            entry = entries.get(topic_id)
            if not isinstance(entry, dict):
                raise GuidebookError(f"{path}: no answer for topic {topic_id}")
            _check_text(f"{path}: {topic_id}.title", entry.get("title"), set())
            _check_text(f"{path}: {topic_id}.text", entry.get("text"), set(CENTER_PLACEHOLDERS))
            answers[lang][topic_id] = {
                "title": entry["title"].strip(),
                "text": entry["text"].strip(),
            }
        unknown = set(entries) - set(topics)
        if unknown:
            raise GuidebookError(f"{path}: answers for unknown topics {sorted(unknown)}")
    return Guidebook(topics, chapters, answers, messages, center_profile)
