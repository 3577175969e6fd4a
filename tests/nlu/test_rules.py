"""Commands, messages without words and very long messages."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rules import INPUT_PROBLEM, RuleClassifier


def classify(text: str, intent: str = "faq", entities: list | None = None) -> Message:
    data = {TEXT: text, "intent": {"name": intent, "confidence": 0.9}}
    if entities is not None:
        data["entities"] = entities
    message = Message(data=data)
    RuleClassifier(RuleClassifier.get_default_config()).process([message])
    return message


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("/start", "greet"),
        ("/help", "help"),
        ("/human", "human_handoff"),
        ("/lang", "change_language"),
        ("/LANG ko", "change_language"),
        ("/start@center_bot", "greet"),
        ("👍", "affirm"),
        ("👍🏽", "affirm"),
        ("🙏🙏", "thanks"),
        ("👋", "greet"),
        ("🆘", "emergency"),
    ],
)
def test_commands_and_emoji(text: str, intent: str) -> None:
    message = classify(text)
    assert message.get("intent") == {"name": intent, "confidence": 1.0}
    assert message.get(INPUT_PROBLEM) is None


def test_lang_command_names_the_language() -> None:
    entities = classify("/lang vi").get("entities")
    assert [(e["entity"], e["value"]) for e in entities] == [("language", "vi")]
    assert classify("/lang klingon").get("entities") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("  \n\t", "empty"),
        ("\x00\x1b", "empty"),
        ("😀🎉", "no_words"),
        ("?!…", "no_words"),
        ("👍🙏", "no_words"),
    ],
)
def test_messages_without_words(text: str, problem: str) -> None:
    message = classify(text)
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get(INPUT_PROBLEM) == problem


def test_long_message_keeps_its_intent() -> None:
    message = classify("gomi " * 2000)
    assert message.get("intent")["name"] == "faq"
    assert message.get(INPUT_PROBLEM) == "too_long"


def test_ordinary_text_is_left_alone() -> None:
    message = classify("where do I put my garbage")
    assert message.get("intent")["name"] == "faq"
    assert message.get(INPUT_PROBLEM) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("English please", "en"),
        ("한국어로 해주세요", "ko"),
        ("cho tôi tiếng Việt", "vi"),
        ("やさしい日本語でお願いします", "ja-easy"),
        ("日本語でいい", "ja"),
        ("pode falar português?", "pt"),
        ("नेपालीमा बोल्नुस्", "ne"),
        ("能说中文吗", "zh"),
        ("tagalog po", "tl"),
        ("英語で", "en"),
    ],
)
def test_change_language_names_the_language(text: str, code: str) -> None:
    message = classify(text, "change_language")
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("language", code)]


def test_a_language_entity_from_the_model_is_kept() -> None:
    entity = {"entity": "language", "value": "ko", "start": 0, "end": 6}
    message = classify("Korean", "change_language", [entity])
    assert message.get("entities") == [entity]


@pytest.mark.parametrize("kind", ["sticker", "image", "voice", "location"])
def test_non_text_messages_from_a_channel_are_marked(kind: str) -> None:
    message = Message(data={TEXT: "", "metadata": {"message_type": kind}})
    RuleClassifier(RuleClassifier.get_default_config()).process([message])
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get("input_problem") == "non_text"


def test_a_text_message_with_a_type_is_read_as_usual() -> None:
    message = Message(data={TEXT: "/start", "metadata": {"message_type": "follow"}})
    RuleClassifier(RuleClassifier.get_default_config()).process([message])
    assert message.get("intent")["name"] == "greet"
    assert message.get("input_problem") is None
