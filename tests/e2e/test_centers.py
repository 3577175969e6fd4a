"""The same questions, answered for each center from its own profile."""

from __future__ import annotations

import pytest

from tests.e2e.test_rest_conversations import new_resident, text_of

QUESTIONS = [
    ("where is the support center and when is it open?", "en"),
    ("相談センターの電話番号を教えてください", "ja"),
    ("咨询中心的电话是多少", "zh"),
    ("qual o telefone do centro de apoio?", "pt"),
]


@pytest.mark.parametrize(("text", "language"), QUESTIONS)
def test_miyagi_answers_with_its_own_details(assistant, text: str, language: str) -> None:
    reply = text_of(assistant.say(new_resident(), text))
    assert "022-275-9990" in reply
    assert "0422-36-4511" not in reply


@pytest.mark.parametrize(("text", "language"), QUESTIONS)
def test_musashino_answers_with_its_own_details(musashino, text: str, language: str) -> None:
    reply = text_of(musashino.say(new_resident(), text))
    assert "0422-36-4511" in reply
    assert "022-275" not in reply


def test_a_topic_answered_in_several_languages_for_musashino(musashino) -> None:
    for text, word in [
        ("how do i sort garbage", "morning"),
        ("국민건강보험 가입 어떻게 해요", "14"),
        ("bao hiem suc khoe quoc dan dang ky o dau", "14"),
    ]:
        assert word in text_of(musashino.say(new_resident(), text)), text
