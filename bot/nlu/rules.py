"""Rasa component: intents that need no model, decided last in the pipeline.

- Commands typed in any channel: `/start` greet, `/help` help, `/human` human_handoff,
  `/lang` (or `/lang ko`) change_language.
- Messages without words: empty or blank text, control characters, emoji or symbols
  only. A few emoji mean an intent (👍 affirm, 🙏 thanks, 👋 greet, 🆘 emergency);
  the rest are `out_of_scope` with `input_problem: no_words`, so the reply can say
  that only words can be read.
- Stickers, photos, voice, files and locations (the LINE and Telegram channels send them
  with an empty text and `metadata.message_type`): `out_of_scope` with `input_problem:
  non_text`, so the reply can say that only text can be read.
- Danger now (bot/nlu/danger.py's phrase lists: "a man with a knife", "息してない"), or
  `emergency` anywhere in the classifier's ranking at `emergency_confidence` or more:
  `emergency`, whatever the classifiers said first and however sure they were, with the phrase
  that decided it as `danger` in the parse result (and the classifier's own confidence in
  `emergency` as `emergency_score`). The classifiers' topic is kept, so the
  reply can follow the emergency numbers with, say, the domestic violence answer.
- Very long messages keep their intent and are marked `input_problem: too_long`.
- `change_language` without a `language` entity gets one when the text names an
  answered language ("English please", "한국어로", "tiếng Việt"): from the names in
  guidebook/messages/*.yml, the menu's autonyms and `lexicon.LANGUAGE_ALIASES`.
Buttons send Rasa's own `/intent{"entity": "value"}` payloads, which Rasa's
RegexMessageHandler decides after this component.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.languages import ANSWERED, AUTONYMS
from bot.nlu import READ_CHARACTERS, code_fingerprint
from bot.nlu.danger import DangerNet, danger_net
from bot.nlu.lexicon import LANGUAGE_ALIASES
from bot.settings import Settings

INPUT_PROBLEM = "input_problem"
DANGER = "danger"
# The intent classifier's own confidence in `emergency`, before this component decided.
EMERGENCY_SCORE = "emergency_score"

COMMANDS = {
    "start": "greet",
    "help": "help",
    "human": "human_handoff",
    "consultant": "human_handoff",
    "lang": "change_language",
    "language": "change_language",
}
EMOJI_INTENTS = {
    "👍": "affirm",
    "👌": "affirm",
    "🙆": "affirm",
    "⭕": "affirm",
    "🙏": "thanks",
    "👋": "greet",
    "🙅": "deny",
    "👎": "deny",
    "❌": "deny",
    "🆘": "emergency",
}
_COMMAND = re.compile(r"^/(?P<name>[a-z_]+)(?:@\w+)?(?:\s+(?P<arg>\S+))?\s*$", re.IGNORECASE)


def _is_modifier(ch: str) -> bool:
    """Variation selectors, joiners and skin tones: parts of an emoji, not symbols of their own."""
    return ch in "\ufe0f\ufe0e\u200d" or 0x1F3FB <= ord(ch) <= 0x1F3FF


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def language_names(guidebook_dir) -> dict[str, str]:
    """Every known name of an answered language (lower case) -> its code."""
    import yaml

    names: dict[str, str] = {}
    for path in sorted((guidebook_dir / "messages").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for code, name in (data.get("language_names") or {}).items():
            if code in ANSWERED and name:
                names.setdefault(str(name).lower(), code)
    for code, name in AUTONYMS.items():
        names.setdefault(name.lower(), code)
    for code, aliases in LANGUAGE_ALIASES.items():
        for alias in aliases:
            names.setdefault(alias.lower(), code)
    return names


def _set_intent(message: Message, name: str, entities: list[dict] | None = None) -> None:
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
    message.set(ENTITIES, entities or [], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RuleClassifier(GraphComponent):
    """Decides commands and messages without words; leaves everything else alone."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Retrain when the code that shapes what it learns changes (Rasa's cache would not)."""
        return code_fingerprint(("bot.nlu.rules", "bot.nlu.danger"), ())

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Messages longer than this are marked too_long (the tokenizer reads this much).
        # `emergency` wins whenever the intent classifier gives it at least this confidence,
        # even below another intent: a missed emergency costs more than a false alarm.
        # Chosen on the dev sets bench/data/emergency_dev and nlu_dev (README, "Emergencies").
        return {"max_characters": READ_CHARACTERS, "emergency_confidence": 0.15}

    def __init__(
        self,
        config: dict[str, Any],
        names: dict[str, str] | None = None,
        net: DangerNet | None = None,
    ) -> None:
        self.max_characters = int(config.get("max_characters", READ_CHARACTERS))
        self.emergency_confidence = float(config.get("emergency_confidence", 0.15))
        self.net = net if net is not None else danger_net()
        self.names = (
            names if names is not None else language_names(Settings.from_env().guidebook_dir)
        )
        ordered = sorted(self.names, key=len, reverse=True)
        self._name_pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleClassifier:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._decide(message)
        return messages

    def _decide(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        stripped = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
        problem = None
        command = _COMMAND.match(stripped)
        message_type = (message.get(METADATA) or {}).get("message_type") or "text"
        if message_type != "text" and not stripped:
            problem = "non_text"
            _set_intent(message, "out_of_scope")
        elif command and command.group("name").lower() in COMMANDS:
            entities = []
            arg = (command.group("arg") or "").lower()
            if command.group("name").lower() in ("lang", "language") and arg in ANSWERED:
                start = stripped.index(command.group("arg"))
                entities = [
                    {
                        "entity": "language",
                        "value": arg,
                        "start": start,
                        "end": start + len(arg),
                        "extractor": "RuleClassifier",
                    }
                ]
            _set_intent(message, COMMANDS[command.group("name").lower()], entities)
        elif not stripped:
            problem = "empty"
            _set_intent(message, "out_of_scope")
        elif not has_words(stripped):
            symbols = [ch for ch in stripped if not ch.isspace() and not _is_modifier(ch)]
            meanings = {EMOJI_INTENTS.get(ch) for ch in symbols}
            if len(meanings) == 1 and None not in meanings:
                _set_intent(message, meanings.pop())
            else:
                problem = "no_words"
                _set_intent(message, "out_of_scope")
        else:
            if len(text) > self.max_characters:
                problem = "too_long"
            self._danger(message, text[: self.max_characters])
        self._name_language(message, text)
        message.set(INPUT_PROBLEM, problem, add_to_output=True)

    def _danger(self, message: Message, text: str) -> None:
        """Emergency when a danger phrase says so, or when the classifier thinks it likely;
        the classifiers' ranking stays below it."""
        finding = self.net.check(text)
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        danger = finding.as_dict() | {"overrode": intent} if finding else None
        message.set(DANGER, danger, add_to_output=True)
        score = max(
            (
                r.get(PREDICTED_CONFIDENCE_KEY) or 0.0
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) == "emergency"
            ),
            default=0.0,
        )
        message.set(EMERGENCY_SCORE, round(score, 4), add_to_output=True)
        likely = score >= self.emergency_confidence
        if (finding is None and not likely) or intent == "emergency":
            return
        emergency = {INTENT_NAME_KEY: "emergency", PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) != "emergency"
        ]
        message.set(INTENT, emergency, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [emergency] + ranking, add_to_output=True)

    def _name_language(self, message: Message, text: str) -> None:
        """Adds the `language` entity to change_language when the text names a language."""
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != "change_language":
            return
        entities = message.get(ENTITIES) or []
        if any(e.get("entity") == "language" and e.get("value") in ANSWERED for e in entities):
            return
        found = self._name_pattern.search(text.lower()) if self._name_pattern else None
        if found:
            entity = {
                "entity": "language",
                "value": self.names[found.group()],
                "start": found.start(),
                "end": found.end(),
                "extractor": "RuleClassifier",
            }
            kept = [e for e in entities if e.get("entity") != "language"]
            message.set(ENTITIES, kept + [entity], add_to_output=True)
