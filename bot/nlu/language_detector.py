"""Rasa component: sets `language` (and `language_confidence`, `language_clear`,
`language_romanized`) on every parsed message.

First in the pipeline, so the tokenizer can split each message the way its language
needs. It learns its character n-grams from the NLU training data, whose intent blocks
carry `metadata: {language: <code>}`; see `langid.py` for how it decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from bot.languages import DETECTED
from bot.nlu import READ_CHARACTERS, code_fingerprint
from bot.nlu.langid import LanguageIdentifier, load_models

LANGUAGE = "language"
LANGUAGE_CONFIDENCE = "language_confidence"
LANGUAGE_CLEAR = "language_clear"
LANGUAGE_ROMANIZED = "language_romanized"
_MODEL_FILE = "langid.json"


def training_language(message: Message, among: Iterable[str] = DETECTED) -> str | None:
    """The language a training example was written in, from its intent block's metadata."""
    metadata = message.get(METADATA) or {}
    lang = (metadata.get(METADATA_INTENT) or {}).get(LANGUAGE)
    return lang if lang in among else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Detects the language of each message; see bot/nlu/langid.py."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Retrain when the code that shapes what it learns changes (Rasa's cache would not)."""
        return code_fingerprint(
            ("bot.nlu.language_detector", "bot.nlu.langid", "bot.nlu.romanize", "bot.nlu.signals"),
            (
                "cutlet",
                "fugashi",
                "unidic-lite",
                "indic-transliteration",
                "pypinyin",
                "jieba",
                "wordfreq",  # the learnt words leave out what its lists hold
            ),
        )

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options: the detector is deterministic and tuned in langid.py."""
        return {}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        identifier: LanguageIdentifier | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.identifier = identifier or LanguageIdentifier()
        load_models()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn character n-grams from the training examples that name their language."""
        examples = [
            (lang, m.get(TEXT))
            for m in training_data.training_examples
            # Easy Japanese too: its Han terms and its romaji are Japanese.
            if m.get(TEXT) and (lang := training_language(m, (*DETECTED, "ja-easy")))
        ]
        self.identifier = LanguageIdentifier.train(examples)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _MODEL_FILE, self.identifier.to_dict())
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        try:
            with model_storage.read_from(resource) as directory:
                identifier = LanguageIdentifier.from_dict(read_json_file(directory / _MODEL_FILE))
        except (ValueError, FileNotFoundError):
            identifier = None
        return cls(config, model_storage, resource, identifier)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep the language they were written in; others are detected."""
        for message in training_data.training_examples:
            known = training_language(message)
            if known:
                message.set(LANGUAGE, known)
            elif message.get(TEXT) is not None:
                self._detect(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._detect(message)
        return messages

    def _detect(self, message: Message) -> None:
        # The first READ_CHARACTERS only, as the tokenizer and the rules: a huge message
        # costs no more than a long one.
        detection = self.identifier.detect((message.get(TEXT) or "")[:READ_CHARACTERS])
        message.set(LANGUAGE, detection.language, add_to_output=True)
        message.set(LANGUAGE_CONFIDENCE, round(detection.confidence, 3), add_to_output=True)
        message.set(LANGUAGE_CLEAR, detection.clear, add_to_output=True)
        message.set(LANGUAGE_ROMANIZED, detection.romanized, add_to_output=True)
