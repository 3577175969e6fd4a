"""Actions, run as the action server runs them: a Tracker in, messages and events out."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as A
from bot.unanswered import UnansweredLog


def tracker(
    text: str = "hi",
    intent: str = "greet",
    confidence: float = 0.99,
    slots: dict | None = None,
    **parse: Any,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "language": parse.pop("language", "en"),
        "language_clear": parse.pop("language_clear", True),
    }
    latest.update(parse)
    values = {"language": None, "language_notice": None, "topic": None}
    values.update(slots or {})
    return Tracker("resident", values, latest, [], False, None, {}, "action_listen")


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def texts(messages) -> str:
    return "\n".join(m["text"] for m in messages)


async def test_update_language_sets_and_keeps() -> None:
    _, events = await run(A.ActionUpdateLanguage(), tracker("안녕하세요", language="ko"))
    assert events == [SlotSet("language", "ko")]
    _, events = await run(
        A.ActionUpdateLanguage(),
        tracker("ok", language="en", language_clear=False, slots={"language": "ko"}),
    )
    assert events == []
    _, events = await run(
        A.ActionUpdateLanguage(),
        tracker('/change_language{"language":"vi"}', slots={"language": "ko"}),
    )
    assert events == []


async def test_greet_offers_the_language_menu() -> None:
    t = tracker("oi", language="pt", language_clear=False, slots={"language": "pt"})
    messages, _ = await run(A.ActionGreet(), t)
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert '/change_language{"language": "ja-easy"}' in payloads
    assert len(payloads) == 9
    assert "Olá" in texts(messages)


async def test_emergency_comes_first_and_in_the_conversation_language() -> None:
    messages, events = await run(
        A.ActionEmergency(), tracker("fire!", "emergency", slots={"language": "vi"}, language="id")
    )
    assert messages[0]["text"].splitlines()[0].count("110") == 1 and "119" in messages[0]["text"]
    assert events == []


def selected(topic: str, confidence: float) -> dict:
    response = {"intent_response_key": f"faq/{topic}", "confidence": confidence}
    return {"faq": {"response": response, "ranking": [response]}}


async def test_emergency_then_the_topic_it_is_also_about() -> None:
    messages, events = await run(
        A.ActionEmergency(),
        tracker(
            "my husband is hitting me right now",
            "emergency",
            response_selector=selected("domestic_violence", 0.8),
        ),
    )
    assert "110" in messages[0]["text"].splitlines()[0]
    dv = A.renderer().answer("domestic_violence", "en")[0].text
    assert [m["text"] for m in messages[1:]] == [dv]
    assert events == [SlotSet("topic", "domestic_violence")]


@pytest.mark.parametrize(
    ("topic", "confidence"), [("domestic_violence", 0.3), ("emergency_numbers", 0.99)]
)
async def test_emergency_alone_when_the_topic_is_unsure_or_repeats_it(
    topic: str, confidence: float
) -> None:
    messages, events = await run(
        A.ActionEmergency(),
        tracker("help!!", "emergency", response_selector=selected(topic, confidence)),
    )
    assert len(messages) == 1 and "119" in messages[0]["text"]
    assert events == []


@pytest.mark.parametrize(
    ("code", "word"), [("ko", "한국어"), ("ja-easy", "やさしい"), ("ne", "नेपाली")]
)
async def test_change_language_by_entity(code: str, word: str) -> None:
    t = tracker("x", "change_language", entities=[{"entity": "language", "value": code}])
    messages, events = await run(A.ActionChangeLanguage(), t)
    assert SlotSet("language", code) in events
    assert word in texts(messages)


async def test_change_language_without_entity_shows_menu() -> None:
    messages, events = await run(A.ActionChangeLanguage(), tracker("/lang", "change_language"))
    assert events == [] and len(messages[-1]["buttons"]) == 9


async def test_faq_answer_by_response_selector() -> None:
    selector = {
        "faq": {"response": {"intent_response_key": "faq/garbage_disposal", "confidence": 0.9}}
    }
    messages, events = await run(
        A.ActionAnswerFaq(),
        tracker("gomi?", "faq", response_selector=selector, slots={"language": "en"}),
    )
    assert "morning" in texts(messages)
    assert SlotSet("topic", "garbage_disposal") in events
    assert messages[-1]["buttons"][-1]["payload"] == "/human_handoff"


async def test_faq_answer_by_button() -> None:
    t = tracker(
        '/faq{"topic": "earthquake"}',
        "faq",
        entities=[{"entity": "topic", "value": "earthquake"}],
        slots={"language": "ja"},
    )
    messages, _ = await run(A.ActionAnswerFaq(), t)
    assert "揺れ" in texts(messages)


RANKING = [
    {"intent_response_key": "faq/taxes", "confidence": 0.12},
    {"intent_response_key": "faq/national_pension", "confidence": 0.1},
    {"intent_response_key": "faq/pension_lump_sum", "confidence": 0.08},
    {"intent_response_key": "faq/health_insurance", "confidence": 0.05},
]


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


async def test_unsure_offers_three_topics_then_a_consultant(database) -> None:
    selector = {
        "faq": {
            "response": {"intent_response_key": "faq/taxes", "confidence": 0.12},
            "ranking": RANKING,
        }
    }
    t = tracker("money thing??", "faq", response_selector=selector, slots={"language": "en"})
    messages, events = await run(A.ActionAnswerFaq(), t)
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert payloads == [
        '/faq{"topic": "taxes"}',
        '/faq{"topic": "national_pension"}',
        '/faq{"topic": "pension_lump_sum"}',
        "/human_handoff",
    ]
    assert events == [SlotSet("misses", 1)]
    # A second miss in a row: the consultant directly.
    t = tracker(
        "still money??", "faq", response_selector=selector, slots={"language": "en", "misses": 1}
    )
    messages, events = await run(A.ActionAnswerFaq(), t)
    assert "still" in messages[0]["text"] and "022-275-9990" in texts(messages)
    assert events == [SlotSet("misses", 0)]
    questions = UnansweredLog(database).questions()
    assert [(q.text, q.language, q.nearest) for q in questions] == [
        ("money thing??", "en", "taxes"),
        ("still money??", "en", "taxes"),
    ]
    assert [t for t, _ in questions[0].guesses] == ["taxes", "national_pension", "pension_lump_sum"]


async def test_low_intent_confidence_is_unsure_whatever_the_intent(database) -> None:
    selector = {"faq": {"ranking": RANKING}}
    messages, events = await run(
        A.ActionGreet(), tracker("hmm", "greet", 0.2, response_selector=selector)
    )
    assert "not sure" in messages[0]["text"]
    assert events == [SlotSet("misses", 1)]


async def test_an_answer_resets_the_misses(database) -> None:
    selector = {
        "faq": {
            "response": {"intent_response_key": "faq/taxes", "confidence": 0.9},
            "ranking": RANKING,
        }
    }
    t = tracker("tax", "faq", response_selector=selector, slots={"language": "en", "misses": 1})
    _, events = await run(A.ActionAnswerFaq(), t)
    assert SlotSet("misses", 0) in events


async def test_emergency_is_never_gated_by_confidence() -> None:
    messages, _ = await run(A.ActionEmergency(), tracker("help fire", "emergency", 0.1))
    assert "110" in messages[0]["text"]


async def test_out_of_scope_is_recorded(database) -> None:
    await run(A.ActionOutOfScope(), tracker("best ramen in town?", "out_of_scope", 0.9))
    assert [q.text for q in UnansweredLog(database).questions()] == ["best ramen in town?"]


async def test_language_not_answered_yet_is_said_once_in_english_and_easy_japanese() -> None:
    selector = {"faq": {"response": {"intent_response_key": "faq/taxes", "confidence": 0.9}}}
    t = tracker("pajak", "faq", response_selector=selector, slots={"language": "id"}, language="id")
    messages, events = await run(A.ActionAnswerFaq(), t)
    assert "Indonesian" in messages[0]["text"]
    assert "インドネシア" in messages[1]["text"]
    assert SlotSet("language_notice", "id") in events
    t = tracker(
        "pajak",
        "faq",
        response_selector=selector,
        slots={"language": "id", "language_notice": "id"},
        language="id",
    )
    messages, _ = await run(A.ActionAnswerFaq(), t)
    assert "Indonesian" not in texts(messages)
    assert len(messages) == 2  # the answer in English and in Easy Japanese


@pytest.mark.parametrize(
    ("problem", "key_text"), [("empty", "empty"), ("no_words", "only read words")]
)
async def test_messages_without_words(problem: str, key_text: str) -> None:
    messages, _ = await run(
        A.ActionOutOfScope(), tracker("", "out_of_scope", input_problem=problem)
    )
    assert key_text in texts(messages)


async def test_long_message_gets_a_note_before_the_answer() -> None:
    selector = {"faq": {"response": {"intent_response_key": "faq/taxes", "confidence": 0.9}}}
    t = tracker(
        "tax " * 1000,
        "faq",
        response_selector=selector,
        input_problem="too_long",
        slots={"language": "en"},
    )
    messages, _ = await run(A.ActionAnswerFaq(), t)
    assert "long" in messages[0]["text"]


async def test_small_talk_and_handoff_name_the_center(monkeypatch) -> None:
    monkeypatch.setenv("CENTER", "musashino")
    A.renderer.cache_clear()
    try:
        messages, _ = await run(
            A.ActionHumanHandoff(), tracker("human", "human_handoff")
        )  # no desk
        assert "0422-36-4511" in texts(messages)
        messages, _ = await run(A.ActionSmallTalk(), tracker("are you a bot", "bot_challenge"))
        assert "Musashino" in texts(messages)
    finally:
        monkeypatch.delenv("CENTER")
        A.renderer.cache_clear()


@pytest.fixture
def desk(monkeypatch):
    """A consultants' group is configured."""
    monkeypatch.setenv("CONSULTANT_TELEGRAM_CHAT_ID", "-1001234567890")
    A.desk_on.cache_clear()
    yield
    monkeypatch.delenv("CONSULTANT_TELEGRAM_CHAT_ID")
    A.desk_on.cache_clear()


def _desk_asks(messages) -> list[dict]:
    return [m["custom"]["desk"] for m in messages if (m.get("custom") or {}).get("desk")]


async def test_with_a_desk_a_handoff_asks_it_for_a_ticket_with_its_reason(desk) -> None:
    messages, _ = await run(A.ActionHumanHandoff(), tracker("talk to a person", "human_handoff"))
    assert _desk_asks(messages) == [{"reason": "handoff", "topic": None}]
    assert not [m for m in messages if m.get("text")]  # the desk writes what the resident is told
    after_dv = tracker("/human_handoff", "human_handoff", slots={"topic": "domestic_violence"})
    messages, _ = await run(A.ActionHumanHandoff(), after_dv)
    assert _desk_asks(messages) == [{"reason": "offer", "topic": "domestic_violence"}]
    messages, _ = await run(A.ActionHumanHandoff(), tracker("/human", "human_handoff"))
    assert _desk_asks(messages) == [{"reason": "command", "topic": None}]


async def test_with_a_desk_an_emergency_gets_the_numbers_first_then_an_urgent_ticket(desk) -> None:
    selector = {
        "faq": {"response": {"intent_response_key": "faq/domestic_violence", "confidence": 0.9}}
    }
    t = tracker("he is hitting me now", "emergency", response_selector=selector)
    messages, _ = await run(A.ActionEmergency(), t)
    assert "110" in messages[0]["text"] and "119" in messages[0]["text"]
    assert _desk_asks(messages) == [{"reason": "emergency", "topic": "domestic_violence"}]
    assert messages[-1].get("custom")  # the ticket comes after every text


async def test_without_a_desk_the_resident_is_told_how_to_reach_the_center() -> None:
    messages, _ = await run(A.ActionHumanHandoff(), tracker("talk to a person", "human_handoff"))
    assert not _desk_asks(messages)
    assert "022-275-9990" in texts(messages)


# -- an unclear first message never decides the language ----------------------------------

MENU = [f'/change_language{{"language": "{code}"}}' for code in A.ANSWERED]


def unclear(text: str, intent: str, detected: str = "und", **parse: Any) -> Tracker:
    """A first message that says too little: no conversation language, no platform hint."""
    return tracker(text, intent, language=detected, language_clear=False, **parse)


def payloads(messages) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def menu_at_the_end(messages) -> None:
    """The menu once, on the last message, which says "which language?" in both."""
    assert [p for p in payloads(messages) if p.startswith("/change_language")] == MENU
    assert [b["payload"] for b in messages[-1]["buttons"]] == MENU
    assert messages[-1]["text"] == A.renderer().language_menu(None)[0].text


def both(replies_en, replies_easy) -> list[str]:
    return [r.text for r in replies_en] + [r.text for r in replies_easy]


@pytest.mark.parametrize(
    ("text", "detected"), [("OK", "id"), ("hi", "vi"), ("no", "pt"), ("tax", "tl")]
)
async def test_update_language_leaves_an_unclear_first_message_undecided(text, detected) -> None:
    _, events = await run(A.ActionUpdateLanguage(), unclear(text, "affirm", detected))
    assert events == []


@pytest.mark.parametrize(
    ("text", "parse", "expected"),
    [
        ("OK", {"language": "id", "language_clear": False}, "pt"),  # the hint
        ("/start", {"language": "en"}, "pt"),  # a command: the hint too
        ("안녕하세요", {"language": "ko"}, "ko"),  # a clear message beats the hint
        ("gomi no dashikata", {"language": "ja", "language_romanized": True}, "ja-easy"),
        ("ゴミの出し方", {"language": "ja", "language_romanized": False}, "ja"),
    ],
)
async def test_update_language_sets_what_the_reply_is_written_in(text, parse, expected) -> None:
    t = tracker(text, metadata={"language_hint": "pt"}, **parse)
    _, events = await run(A.ActionUpdateLanguage(), t)
    assert events == [SlotSet("language", expected)]


async def test_a_button_before_any_language_stays_undecided() -> None:
    t = tracker('/faq{"topic": "taxes"}', "faq", language="tl", language_clear=False)
    _, events = await run(A.ActionUpdateLanguage(), t)
    assert events == []


async def test_an_unclear_greeting_greets_in_english_and_easy_japanese_with_the_menu() -> None:
    messages, events = await run(A.ActionGreet(), unclear("hi", "greet", "vi"))
    assert [m["text"] for m in messages] == both(
        A.renderer().say("greet", "en"), A.renderer().say("greet", "ja-easy")
    )
    assert payloads(messages) == MENU  # once, on the greeting's last bubble
    assert events == []


@pytest.mark.parametrize(
    ("text", "intent"), [("OK", "affirm"), ("no", "deny"), ("thanks", "thanks")]
)
async def test_unclear_small_talk_in_both_languages_then_the_menu(text, intent) -> None:
    messages, events = await run(A.ActionSmallTalk(), unclear(text, intent, "id"))
    assert [m["text"] for m in messages[:-1]] == both(
        A.renderer().say(intent, "en"), A.renderer().say(intent, "ja-easy")
    )
    assert "Indonesian" not in texts(messages)  # never the "not answered yet" notice
    menu_at_the_end(messages)
    assert SlotSet("language_notice", "id") not in events


async def test_a_sticker_first_in_both_languages_then_the_menu() -> None:
    t = unclear("", "out_of_scope", input_problem="non_text", metadata={"message_type": "sticker"})
    messages, _ = await run(A.ActionOutOfScope(), t)
    assert [m["text"] for m in messages[:-1]] == both(
        A.renderer().say("non_text", "en"), A.renderer().say("non_text", "ja-easy")
    )
    assert "/human_handoff" in payloads(messages)
    menu_at_the_end(messages)


async def test_a_topic_button_before_any_language_answers_in_both_then_the_menu() -> None:
    t = tracker(
        '/faq{"topic": "taxes"}',
        "faq",
        entities=[{"entity": "topic", "value": "taxes"}],
        language="en",
    )
    messages, events = await run(A.ActionAnswerFaq(), t)
    assert [m["text"] for m in messages[:-1]] == both(
        A.renderer().answer("taxes", "en"), A.renderer().answer("taxes", "ja-easy")
    )
    related = [b.payload for b in A.renderer().answer("taxes", "en")[-1].buttons]
    assert messages[-2]["buttons"] and [b["payload"] for b in messages[-2]["buttons"]] == related
    menu_at_the_end(messages)
    assert events == [SlotSet("topic", "taxes")]


async def test_an_unsure_first_message_offers_topics_in_both_then_the_menu(database) -> None:
    t = unclear("tax?", "faq", "tl", response_selector={"faq": {"ranking": RANKING}})
    messages, _ = await run(A.ActionAnswerFaq(), t)
    assert [m["text"] for m in messages[:2]] == both(
        A.renderer().did_you_mean(["taxes"], "en"), A.renderer().did_you_mean(["taxes"], "ja-easy")
    )
    menu_at_the_end(messages)


async def test_an_unclear_emergency_gives_110_and_119_first_in_both_languages() -> None:
    messages, _ = await run(A.ActionEmergency(), unclear("help!!", "emergency", "en"))
    assert [m["text"] for m in messages[:2]] == both(
        A.renderer().say("emergency", "en"), A.renderer().say("emergency", "ja-easy")
    )
    assert "110" in messages[0]["text"].splitlines()[0] and "119" in messages[1]["text"]
    menu_at_the_end(messages)


async def test_with_a_desk_an_unclear_emergency_asks_the_desk_last_and_offers_no_menu(
    desk,
) -> None:
    messages, _ = await run(A.ActionEmergency(), unclear("!!!", "emergency"))
    assert "110" in messages[0]["text"] and "110" in messages[1]["text"]
    assert _desk_asks(messages) == [{"reason": "emergency", "topic": None}]
    assert messages[-1].get("custom") and not payloads(messages)


async def test_with_a_desk_an_undecided_handoff_offers_no_menu(desk) -> None:
    messages, _ = await run(A.ActionHumanHandoff(), tracker("/human", "human_handoff"))
    assert _desk_asks(messages) == [{"reason": "command", "topic": None}]
    assert not payloads(messages)


async def test_an_undecided_lang_command_shows_one_menu_in_both_languages() -> None:
    messages, events = await run(A.ActionChangeLanguage(), tracker("/lang", "change_language"))
    assert len(messages) == 1
    assert messages[0]["text"] == "\n".join(
        A.renderer().message("language_menu", lang) for lang in ("en", "ja-easy")
    )
    menu_at_the_end(messages)
    assert events == []


async def test_a_menu_button_before_any_language_answers_in_that_language_alone() -> None:
    t = tracker(
        '/change_language{"language": "vi"}',
        "change_language",
        entities=[{"entity": "language", "value": "vi"}],
    )
    messages, events = await run(A.ActionChangeLanguage(), t)
    assert [m["text"] for m in messages] == [A.renderer().say("language_changed", "vi")[0].text]
    assert SlotSet("language", "vi") in events


async def test_a_not_yet_answered_language_is_noticed_only_after_a_clear_message() -> None:
    selector = {"faq": {"response": {"intent_response_key": "faq/taxes", "confidence": 0.9}}}
    unclear_id = unclear("pajak", "faq", "id", response_selector=selector)
    messages, events = await run(A.ActionAnswerFaq(), unclear_id)
    assert "Indonesian" not in texts(messages) and SlotSet("language_notice", "id") not in events
    clear_id = tracker("pajak", "faq", language="id", response_selector=selector)
    messages, events = await run(A.ActionAnswerFaq(), clear_id)
    assert "Indonesian" in messages[0]["text"] and SlotSet("language_notice", "id") in events
    assert not [p for p in payloads(messages) if p.startswith("/change_language")]


async def test_the_hint_answers_an_unclear_first_message_in_one_language_without_menu() -> None:
    t = unclear("OK", "affirm", "id", metadata={"language_hint": "pt"})
    messages, _ = await run(A.ActionSmallTalk(), t)
    assert [m["text"] for m in messages] == [A.renderer().say("affirm", "pt")[0].text]


async def test_romanized_japanese_is_answered_in_easy_japanese() -> None:
    selector = {
        "faq": {"response": {"intent_response_key": "faq/garbage_disposal", "confidence": 0.9}}
    }
    t = tracker(
        "gomi no dashikata",
        "faq",
        language="ja",
        language_romanized=True,
        response_selector=selector,
    )
    messages, _ = await run(A.ActionAnswerFaq(), t)
    assert [m["text"] for m in messages] == [
        r.text for r in A.renderer().answer("garbage_disposal", "ja-easy")
    ]
