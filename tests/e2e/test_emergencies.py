"""Emergencies through the real trained assistant: found, and answered before anything else."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from bench.nlu import load_heldout
from bot.guidebook import Renderer, load_guidebook
from bot.settings import ROOT
from tests.conftest import GUIDEBOOK

DEV = ROOT / "bench" / "data" / "emergency_dev"
_ids = itertools.count()


def dev_rows() -> list[tuple[str, str, str]]:
    return load_heldout(DEV)


def first_line(replies: list[dict]) -> str:
    return replies[0]["text"].splitlines()[0]


def test_dev_messages_through_the_model(assistant) -> None:
    """Thirty danger messages per language (the tuning split, not the held-out one) are
    emergencies, all but at most 3%; few of the near-misses beside them are."""
    missed, alarms, total = [], [], Counter()
    for language, label, text in dev_rows():
        said = assistant.parse(text)["intent"]["name"]
        total[label == "emergency"] += 1
        if label == "emergency" and said != "emergency":
            missed.append((language, text, said))
        if label != "emergency" and said == "emergency":
            alarms.append((language, text))
    assert total[True] >= 8 * 30
    assert len(missed) <= 0.03 * total[True], missed
    # The near-misses of the dev set were written to be hard (a fire drill, throwing an old
    # knife away, violence in the past): the 3% target is for questions at large (make bench).
    assert len(alarms) <= 0.10 * total[False], alarms


def test_violence_now_gets_110_first_then_the_dv_answer(assistant) -> None:
    renderer = Renderer(load_guidebook(GUIDEBOOK, "miyagi"))
    replies = assistant.say(f"danger-{next(_ids)}", "my husband is hitting me right now")
    assert "110" in first_line(replies) and "119" in first_line(replies)
    dv = renderer.answer("domestic_violence", "en")[0].text.splitlines()[0]
    assert any(dv in r.get("text", "") for r in replies[1:]), replies


@pytest.mark.parametrize(
    "text",
    [
        "hi, i wanted to ask how to renew my visa but there is a man with a knife at my door",
        "ビザの更新について聞きたいのですが、今、夫が包丁を持って暴れています",
        "xin chào, tôi muốn hỏi về bảo hiểm nhưng bạn tôi bị ngất không tỉnh",
    ],
)
def test_danger_inside_a_longer_question_comes_first(assistant, text: str) -> None:
    replies = assistant.say(f"danger-{next(_ids)}", text)
    assert "110" in first_line(replies) and "119" in first_line(replies), replies


def test_a_question_about_emergencies_is_a_topic(assistant) -> None:
    result = assistant.parse("what number do i call for an ambulance in japan?")
    assert result["intent"]["name"] == "faq"
    key = result["response_selector"]["faq"]["response"]["intent_response_key"]
    assert key == "faq/emergency_numbers"
