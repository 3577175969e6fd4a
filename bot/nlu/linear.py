"""Rasa components: intents and guidebook topics by a linear model on the sparse features.

On short resident messages a linear support vector machine over word and character
n-gram counts is as accurate as DIET and the ResponseSelector without transformer layers,
and trains in seconds instead of minutes (measured side by side in README, "Training").
Both components read the sentence features of the featurizers before them, scaled as
TF-IDF would (log of the counts, each row of unit length).

Confidences are a softmax of the SVM's scores with a temperature fitted at training time:
the model is first trained on 80% of the examples, the temperature that best predicts the
other 20% (lowest log loss) is kept, and the model is then trained on everything. So a
confidence of 0.4 means about what it says, and the actions' thresholds keep their meaning.
A trained model is its weights, saved as plain arrays (numpy's .npz, no pickled objects).

- `LinearIntentClassifier` sets `intent` and `intent_ranking`, like any intent classifier.
- `LinearResponseSelector` sets `response_selector.<retrieval intent>` in the format of
  Rasa's ResponseSelector (`response.intent_response_key`, `response.confidence`,
  `ranking`), so that the contract's parse result and the actions read it unchanged.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, vstack
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from bot.nlu import code_fingerprint

logger = logging.getLogger(__name__)

RESPONSE_SELECTOR = "response_selector"
RANKING_LENGTH = 10
TEMPERATURES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0)


def features(messages: list[Message], width: int | None = None) -> csr_matrix:
    """Sentence-level sparse features of every message: log-scaled counts, unit rows.
    A message without features (an empty text has no tokens) is a row of zeros."""
    rows = []
    for message in messages:
        _, sentence = message.get_sparse_features(TEXT)
        rows.append(csr_matrix(sentence.features) if sentence is not None else None)
    if width is None:
        width = max((r.shape[1] for r in rows if r is not None), default=0)
    matrix = vstack([r if r is not None else csr_matrix((1, width)) for r in rows]).tocsr()
    matrix = matrix.astype(np.float64)
    matrix.data = np.log1p(matrix.data)
    return normalize(matrix) if matrix.shape[1] else matrix


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class LinearModel:
    """What a trained LinearSVC predicts with: one row of weights and a bias per label."""

    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def of(cls, svm: LinearSVC) -> LinearModel:
        return cls(tuple(str(c) for c in svm.classes_), svm.coef_, svm.intercept_)

    def scores(self, x: csr_matrix) -> np.ndarray:
        scores = np.asarray(x @ self.coef.T) + self.intercept
        if len(self.classes) == 2:  # one score, for the second label
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        return scores


class _LinearClassifier(GraphComponent):
    """What both components share: training, saving and loading one LinearSVC."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Retrain when the code that shapes what it learns changes (Rasa's cache would not)."""
        return code_fingerprint(("bot.nlu.linear",), ("scikit-learn",))

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # `weights` names how the trained weights are saved: Rasa's cache keys a trained
        # component by its config and data, not by its code, so a new way of saving needs a
        # new name here, or the cache would hand back weights in the old form.
        # `class_weight`: "balanced" weighs each label by the inverse of its share of the
        # examples (as sklearn does); a number w weighs by that share to the power -w, so
        # 0 treats every example alike and 1 is "balanced".
        return {"C": 3.0, "class_weight": 1.0, "random_state": 1, "weights": "npz-1"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: LinearModel | None = None,
        temperature: float = 1.0,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.temperature = temperature

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _LinearClassifier:
        return cls(config, model_storage, resource)

    def _examples(self, training_data: TrainingData) -> tuple[list[Message], list[str]]:
        raise NotImplementedError

    def _svm(self, labels: list[str]) -> LinearSVC:
        power = self.config["class_weight"]
        power = 1.0 if power == "balanced" else float(power)
        counts = Counter(labels)
        mean = len(labels) / len(counts)
        weights = {label: (mean / n) ** power for label, n in counts.items()}
        return LinearSVC(
            C=float(self.config["C"]),
            class_weight=weights,
            random_state=int(self.config["random_state"]),
        )

    def _fit_temperature(self, x: csr_matrix, labels: list[str]) -> float:
        """The softmax temperature that best predicts 20% of the examples held out."""
        counts = Counter(labels)
        if min(counts.values()) < 2 or len(labels) < 5 * len(counts):
            return 1.0
        x_fit, x_dev, y_fit, y_dev = train_test_split(
            x, labels, test_size=0.2, random_state=int(self.config["random_state"]), stratify=labels
        )
        model = LinearModel.of(self._svm(labels).fit(x_fit, y_fit))
        scores = model.scores(x_dev)
        truth = np.array([model.classes.index(y) for y in y_dev])
        loss = {
            t: -np.log(softmax(scores, t)[np.arange(len(truth)), truth] + 1e-12).mean()
            for t in TEMPERATURES
        }
        return min(loss, key=loss.get)

    def train(self, training_data: TrainingData) -> Resource:
        examples, labels = self._examples(training_data)
        if len(set(labels)) < 2:
            logger.warning("%s: fewer than two labels to learn; not trained", type(self).__name__)
            return self._resource
        x = features(examples)
        self.temperature = self._fit_temperature(x, labels)
        self.model = LinearModel.of(self._svm(labels).fit(x, labels))
        with self._model_storage.write_to(self._resource) as directory:
            np.savez_compressed(
                directory / "model.npz",
                classes=np.array(self.model.classes, dtype=str),
                coef=self.model.coef,
                intercept=self.model.intercept,
                temperature=np.array(self.temperature),
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> _LinearClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / "model.npz", allow_pickle=False) as saved:
                    model = LinearModel(
                        tuple(str(c) for c in saved["classes"]), saved["coef"], saved["intercept"]
                    )
                    temperature = float(saved["temperature"])
        except (ValueError, FileNotFoundError):
            logger.error("%s: no trained weights in the model file: retrain", cls.__name__)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, temperature)

    def probabilities(self, messages: list[Message]) -> tuple[tuple[str, ...], np.ndarray]:
        """The labels, and each message's confidence in each of them (one row a message)."""
        x = features(messages, self.model.coef.shape[1])
        return self.model.classes, softmax(self.model.scores(x), self.temperature)

    def rankings(self, messages: list[Message]) -> list[list[tuple[str, float]]]:
        """Labels with their confidences, best first, for each message."""
        if self.model is None:
            return [[] for _ in messages]
        classes, probabilities = self.probabilities(messages)
        out = []
        for row in probabilities:
            order = np.argsort(-row)[:RANKING_LENGTH]
            out.append([(str(classes[i]), float(row[i])) for i in order])
        return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(_LinearClassifier):
    """The intent of every message (guidebook questions are one intent, `faq`).

    With `topics: true` it learns each guidebook topic as a label of its own (`faq/<topic>`)
    beside the other intents, and the confidence in `faq` is the sum of its topics'. Then
    "an earthquake now, we are trapped" (emergency) is set against the earthquake questions
    themselves, weighed like any other label, instead of against one large `faq` label whose
    thousands of examples each count for little.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**_LinearClassifier.get_default_config(), "topics": False}

    def _examples(self, training_data):
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if self.config["topics"]:
            return examples, [e.get(INTENT_RESPONSE_KEY) or e.get(INTENT) for e in examples]
        return examples, [e.get(INTENT) for e in examples]

    def probabilities(self, messages: list[Message]) -> tuple[tuple[str, ...], np.ndarray]:
        classes, probabilities = super().probabilities(messages)
        intents = tuple(dict.fromkeys(c.split("/", 1)[0] for c in classes))
        columns = np.array([intents.index(c.split("/", 1)[0]) for c in classes])
        summed = np.zeros((probabilities.shape[0], len(intents)))
        np.add.at(summed.T, columns, probabilities.T)
        return intents, summed

    def process(self, messages: list[Message]) -> list[Message]:
        for message, ranking in zip(messages, self.rankings(messages), strict=True):
            if not ranking:
                continue
            intents = [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: c} for n, c in ranking]
            message.set(INTENT, intents[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, intents, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearResponseSelector(_LinearClassifier):
    """The guidebook topic (`faq/<topic>`) of every message, in ResponseSelector's format."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**_LinearClassifier.get_default_config(), "retrieval_intent": "faq"}

    def _examples(self, training_data):
        intent = self.config["retrieval_intent"]
        examples = [
            e
            for e in training_data.intent_examples
            if e.get(INTENT) == intent and e.get(INTENT_RESPONSE_KEY) and e.get(TEXT)
        ]
        return examples, [e.get(INTENT_RESPONSE_KEY) for e in examples]

    def process(self, messages: list[Message]) -> list[Message]:
        intent = self.config["retrieval_intent"]
        for message, ranking in zip(messages, self.rankings(messages), strict=True):
            if not ranking:
                continue
            key, confidence = ranking[0]
            selected = message.get(RESPONSE_SELECTOR) or {}
            selected["all_retrieval_intents"] = [intent]
            selected[intent] = {
                "response": {
                    "responses": None,
                    PREDICTED_CONFIDENCE_KEY: confidence,
                    INTENT_RESPONSE_KEY: key,
                    "utter_action": f"utter_{key}",
                },
                "ranking": [
                    {"id": i, PREDICTED_CONFIDENCE_KEY: c, INTENT_RESPONSE_KEY: k}
                    for i, (k, c) in enumerate(ranking)
                ],
            }
            message.set(RESPONSE_SELECTOR, selected, add_to_output=True)
        return messages
