"""The emergency safety net: its rule, its matching, and the shipped phrase lists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bench.nlu import load_heldout
from bot.nlu.danger import DANGER_DIR, DangerNet, danger_net, normalize
from bot.nlu.rules import RuleClassifier
from bot.nlu.training_data import read_examples
from bot.settings import ROOT

ANSWERED_DATA = ("ja", "en", "zh", "ko", "pt", "tl", "vi", "ne")
DEV = ROOT / "bench" / "data" / "emergency_dev"

NET = DangerNet(
    {
        "en": {
            "danger": ["knife", "bleed*", "not breathing"],
            "weak": ["fire"],
            "now": ["right now", "help me"],
            "about": ["what number", "last month"],
        },
        "ja": {"danger": ["息してない", "kaji desu"], "weak": ["火事"], "now": ["助けて"]},
        "vi": {"danger": ["không thở"]},
        "ne": {"danger": ["चक्कु"]},
    }
)


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("a man with a KNIFE outside", True),  # danger alone, any case
        ("he is bleeding a lot", True),  # prefix entry
        ("fire", False),  # weak alone
        ("fire, help me!!", True),  # weak with now
        ("what number for a knife attack", False),  # about blocks
        ("what number?? he is not breathing right now", True),  # now lifts about
        ("i cut my finger with a knife last month", False),
        ("knifes", False),  # whole words only
        ("nonknife", False),
        ("母が息してない", True),  # substring in Japanese
        ("火事", False),
        ("火事です！助けて", True),
        ("kaji desu!", True),
        ("ban toi khong tho", True),  # Vietnamese without tone marks
        ("Bạn tôi KHÔNG THỞ", True),
        ("कोही चक्कु लिएर घर बाहिर छ", True),  # Devanagari marks kept
        ("fire!!", True),  # a short cry is now
        ("fire!! next door, the whole floor", True),  # so are two exclamation marks
        ("fire!! what number do i call", True),  # and they lift about
        ("fire insurance is so expensive!", False),  # one mark in a long message is not
        ("what number for a fire!!", True),
        ("火事！！隣の部屋", True),  # full-width marks too
        ("", False),
    ],
)
def test_rule_and_matching(text: str, fires: bool) -> None:
    assert (NET.check(text) is not None) == fires


def test_finding_names_the_phrase() -> None:
    finding = NET.check("he's bleeding")
    assert (finding.phrase, finding.kind, finding.language) == ("bleed*", "danger", "en")


def test_normalize() -> None:
    assert normalize("Não, CORAÇÃO!") == " nao coracao "
    assert normalize("Đang cháy") == " dang chay "
    assert normalize("ＡＢＣ　火事") == " abc 火事 "
    assert normalize("घरमा आगो") == " घरमा आगो "  # vowel signs are letters' marks, not spaces


def test_every_answered_language_has_a_list() -> None:
    assert {p.stem for p in DANGER_DIR.glob("*.yml")} >= set(ANSWERED_DATA)
    for language, kinds in danger_net().lists.items():
        assert kinds["danger"], f"{language}: no danger phrases"
        assert kinds["now"], f"{language}: no `now` phrases"


def test_a_list_must_name_its_language(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text("language: ko\ndanger: [knife]\n")
    with pytest.raises(ValueError, match="en.yml"):
        DangerNet.load(tmp_path)
    (tmp_path / "en.yml").write_text("language: en\ndangers: [knife]\n")
    with pytest.raises(ValueError, match="only"):
        DangerNet.load(tmp_path)


def _dev_rows() -> list[tuple[str, str, str]]:
    return [(e.language, e.intent, e.text) for e in read_examples()] + load_heldout(DEV)


def test_shipped_lists_on_the_training_and_dev_data() -> None:
    """The tuning split: most emergencies caught by phrases alone (the classifier catches
    the rest), almost no false alarm on any other message of any language."""
    caught, emergencies, alarms, others = Counter(), Counter(), Counter(), Counter()
    false_alarms = []
    for language, label, text in _dev_rows():
        fired = danger_net().check(text) is not None
        if label == "emergency":
            emergencies[language] += 1
            caught[language] += fired
        else:
            others[language] += 1
            alarms[language] += fired
            if fired:
                false_alarms.append(text)
    for language in ANSWERED_DATA:
        assert caught[language] >= 0.8 * emergencies[language], (
            f"{language}: phrases catch {caught[language]} of {emergencies[language]}"
        )
    assert sum(alarms.values()) <= 0.005 * sum(others.values()), false_alarms


def _message(text: str, intent: str = "faq", confidence: float = 0.99) -> Message:
    message = Message({TEXT: text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}])
    return message


def test_rule_classifier_turns_danger_into_emergency() -> None:
    rules = RuleClassifier({}, names={}, net=NET)
    [message] = rules.process([_message("there's a man with a knife outside my door")])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["emergency", "faq"]
    assert message.get("danger") == {
        "phrase": "knife",
        "kind": "danger",
        "language": "en",
        "overrode": "faq",
    }


def test_rule_classifier_leaves_other_messages_alone() -> None:
    rules = RuleClassifier({}, names={}, net=NET)
    quiet, command = rules.process(
        [_message("what is the fire number"), _message("/help knife", "faq")]
    )
    assert quiet.get("intent")["name"] == "faq" and quiet.get("danger") is None
    assert command.get("intent")["name"] == "help"


def test_danger_at_the_end_of_a_long_message_within_the_reading_limit() -> None:
    rules = RuleClassifier({"max_characters": 2000}, names={}, net=NET)
    text = "I wanted to ask about my visa renewal. " * 30 + "my husband has a knife"
    [message] = rules.process([_message(text)])
    assert message.get("intent")["name"] == "emergency"


def test_a_likely_emergency_wins_below_the_top_intent() -> None:
    rules = RuleClassifier({"emergency_confidence": 0.3}, names={}, net=NET)
    likely, unlikely = _message("my friend fell"), _message("my friend fell")
    for m, p in ((likely, 0.35), (unlikely, 0.2)):
        m.set("intent", {"name": "faq", "confidence": 1 - p})
        m.set("intent_ranking", [m.get("intent"), {"name": "emergency", "confidence": p}])
    rules.process([likely, unlikely])
    assert likely.get("intent")["name"] == "emergency"
    assert likely.get("danger") is None
    assert unlikely.get("intent")["name"] == "faq"
