"""The linear classifiers: trained, saved, loaded, and read as Rasa's own components are."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from bot.nlu.linear import LinearIntentClassifier, LinearResponseSelector

VOCABULARY = ["visa", "renew", "garbage", "day", "hello", "fire", "extend", "trash"]
DATA = [
    ("visa renew", "faq", "faq/period_of_stay_extension"),
    ("extend visa", "faq", "faq/period_of_stay_extension"),
    ("renew", "faq", "faq/period_of_stay_extension"),
    ("garbage day", "faq", "faq/garbage_disposal"),
    ("trash day", "faq", "faq/garbage_disposal"),
    ("garbage", "faq", "faq/garbage_disposal"),
    ("hello", "greet", None),
    ("hello hello", "greet", None),
]


def message(text: str, intent: str | None = None, key: str | None = None) -> Message:
    counts = np.zeros((1, len(VOCABULARY)))
    for word in text.split():
        counts[0, VOCABULARY.index(word)] += 1
    m = Message({TEXT: text})
    if intent:
        m.set(INTENT, intent)
    if key:
        m.set(INTENT_RESPONSE_KEY, key)
    m.add_features(Features(coo_matrix(counts), "sentence", TEXT, "test"))
    return m


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def trained(cls, storage, name: str):
    context = ExecutionContext(graph_schema=None, node_name=name)
    resource = Resource(name)
    component = cls.create(cls.get_default_config(), storage, resource, context)
    component.train(TrainingData([message(*row) for row in DATA]))
    return cls.load(cls.get_default_config(), storage, resource, context)


def test_intents_after_saving_and_loading(storage) -> None:
    classifier = trained(LinearIntentClassifier, storage, "intents")
    visa, hi = classifier.process([message("renew visa"), message("hello")])
    assert visa.get(INTENT)["name"] == "faq" and hi.get(INTENT)["name"] == "greet"
    ranking = visa.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["faq", "greet"]
    assert ranking[0]["confidence"] > 0.5 > ranking[1]["confidence"]
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6


def test_topics_in_the_response_selector_format(storage) -> None:
    selector = trained(LinearResponseSelector, storage, "topics")
    [m] = selector.process([message("trash")])
    faq = m.get("response_selector")["faq"]
    assert faq["response"]["intent_response_key"] == "faq/garbage_disposal"
    assert faq["response"]["confidence"] == faq["ranking"][0]["confidence"]
    assert [r["intent_response_key"] for r in faq["ranking"]] == [
        "faq/garbage_disposal",
        "faq/period_of_stay_extension",
    ]
    assert m.get("response_selector")["all_retrieval_intents"] == ["faq"]


def test_a_message_without_features_still_gets_a_ranking(storage) -> None:
    selector = trained(LinearResponseSelector, storage, "empty")
    m = Message({TEXT: ""})
    m.add_features(Features(coo_matrix(np.zeros((1, len(VOCABULARY)))), "sentence", TEXT, "t"))
    [m] = selector.process([m])
    assert len(m.get("response_selector")["faq"]["ranking"]) == 2


def test_untrained_component_leaves_messages_alone(storage) -> None:
    context = ExecutionContext(graph_schema=None, node_name="none")
    component = LinearIntentClassifier.create({}, storage, Resource("none"), context)
    [m] = component.process([message("hello")])
    assert m.get(INTENT) is None


def test_a_message_with_no_features_at_all(storage) -> None:
    """An empty text has no tokens, so the featurizers give it no sentence features."""
    classifier = trained(LinearIntentClassifier, storage, "no-features")
    [m] = classifier.process([Message({TEXT: ""})])
    assert len(m.get("intent_ranking")) == 2
