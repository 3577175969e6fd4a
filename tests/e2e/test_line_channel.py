"""The LINE channel of the running assistant, against the fake LINE API (tests/fakes.py).

Every webhook call is real HTTP to the Rasa server; every reply is the real line-bot-sdk
client calling the fake through LINE_API_BASE_URL.
"""

from __future__ import annotations

import itertools

import pytest

from bot.guidebook import Renderer, load_guidebook
from tests import fakes
from tests.conftest import GUIDEBOOK

_ids = itertools.count()
MIYAGI = Renderer(load_guidebook(GUIDEBOOK, "miyagi"))
CONSULTANT = "/human_handoff"


def new_user() -> str:
    return f"U{next(_ids):032x}"


def texts(call: fakes.Call) -> list[str]:
    return [m["text"] for m in call.body["messages"]]


def quick_replies(call: fakes.Call) -> list[str]:
    last = call.body["messages"][-1]
    return [i["action"]["data"] for i in (last.get("quickReply") or {}).get("items", [])]


def flat(strings: list[str]) -> str:
    return " ".join(" ".join(strings).split())


def expected(replies) -> str:
    return flat([r.text for r in replies])


def say(assistant, platforms, user: str, text: str, **event) -> fakes.Call:
    """Sends one text event and returns the reply call that answered it."""
    event = fakes.line_event(user, text, **event)
    status, _ = assistant.line(event)
    assert status == 200
    [call] = platforms.wait_for("message/reply", replyToken=event["replyToken"])
    return call


def settle(assistant, platforms, user: str) -> None:
    """Waits until everything sent for `user` before now has been handled."""
    say(assistant, platforms, user, "thanks")


def test_health(assistant) -> None:
    assert assistant.get("/webhooks/line/")["status"] == "ok"


@pytest.mark.parametrize(
    "text",
    [
        "I lost my residence card",
        "在留カードをなくしました",
        "como faço pra renovar o visto",
        "tôi muốn gia hạn visa",
        "在留卡丢了怎么办",
        "मेरो कार्ड हरायो",
    ],
)
def test_answers_in_the_residents_language_as_rest_does(assistant, platforms, text) -> None:
    call = say(assistant, platforms, new_user(), text)
    rest = assistant.say(f"rest-{new_user()}", text)
    assert flat(texts(call)) == flat([r["text"] for r in rest if r.get("text")])
    assert CONSULTANT in quick_replies(call)
    assert call.headers["Authorization"] == f"Bearer {fakes.LINE_TOKEN}"


def test_missing_and_forged_signatures_are_refused_and_nothing_is_processed(
    assistant, platforms
) -> None:
    user = new_user()
    event = fakes.line_event(user, "I lost my residence card")
    assert assistant.line(event, signature=None)[0] == 400
    assert assistant.line(event, signature="forged")[0] == 401
    body = fakes.line_body(event)
    other = fakes.line_signature(body, secret="another-channel-secret")
    assert assistant.line(event, signature=other)[0] == 401
    settle(assistant, platforms, user)
    assert not [c for c in platforms.calls if c.body.get("replyToken") == event["replyToken"]]
    assert not platforms.calls_to("message/push", to=user)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"destination": "U0"}', b'{"events": "nope"}', b"\xff\xfe", b"[]"],
)
def test_signed_bodies_that_are_not_webhooks_get_400(assistant, body: bytes) -> None:
    status, answer = assistant.line(body=body)
    assert status == 400, answer


def test_events_that_cannot_be_read_are_skipped_and_the_rest_answered(assistant, platforms) -> None:
    user = new_user()
    odd = [
        "not an event",
        {"type": "message", "message": "x", "source": {"type": "user", "userId": user}},
        {"type": "message", "source": "nobody"},
        {"type": "postback", "postback": [], "source": {"type": "user", "userId": user}},
    ]
    good = fakes.line_event(user, "thanks")
    body = fakes.line_body(*odd, good)
    assert assistant.line(body=body)[0] == 200
    assert platforms.wait_for("message/reply", replyToken=good["replyToken"])


def test_an_empty_event_list_is_the_consoles_verify_call(assistant) -> None:
    assert assistant.line()[0] == 200


def test_a_redelivered_event_is_answered_once(assistant, platforms) -> None:
    user = new_user()
    event = fakes.line_event(user, "hello")
    assert assistant.line(event)[0] == 200
    platforms.wait_for("message/reply", replyToken=event["replyToken"])
    again = dict(event, deliveryContext={"isRedelivery": True})
    assert assistant.line(again)[0] == 200
    assert assistant.line(event, again)[0] == 200
    settle(assistant, platforms, user)
    answered = [c for c in platforms.calls if c.body.get("replyToken") == event["replyToken"]]
    assert len(answered) == 1
    assert not platforms.calls_to("message/push", to=user)


def test_a_redelivery_of_an_event_never_seen_is_answered(assistant, platforms) -> None:
    call = say(assistant, platforms, new_user(), "hello", redelivery=True)
    assert texts(call)


def test_one_residents_messages_are_answered_in_order(assistant, platforms) -> None:
    user = new_user()
    events = [
        fakes.line_event(user, text)
        for text in ("hello", "I lost my residence card", "how do I pay taxes", "thanks")
    ]
    for event in events:
        assert assistant.line(event)[0] == 200
    tokens = [e["replyToken"] for e in events]
    platforms.wait_for("message/reply", replyToken=tokens[-1])
    order = [
        c.body["replyToken"]
        for c in platforms.calls_to("message/reply")
        if c.body["replyToken"] in tokens
    ]
    assert order == tokens


@pytest.mark.parametrize("kind", ["sticker", "image", "audio", "video", "file", "location"])
def test_non_text_messages_get_a_polite_reply_in_the_conversation_language(
    assistant, platforms, kind: str
) -> None:
    user = new_user()
    platforms.profiles[user] = "vi"
    event = fakes.line_event(user, message_type=kind)
    assert assistant.line(event)[0] == 200
    [call] = platforms.wait_for("message/reply", replyToken=event["replyToken"])
    assert flat(texts(call)) == expected(MIYAGI.say("non_text", "vi", consultant=True))
    assert CONSULTANT in quick_replies(call)


def test_a_sticker_after_a_conversation_answers_in_its_language(assistant, platforms) -> None:
    user = new_user()
    say(assistant, platforms, user, "재류카드를 잃어버렸어요")
    event = fakes.line_event(user, message_type="sticker")
    assistant.line(event)
    [call] = platforms.wait_for("message/reply", replyToken=event["replyToken"])
    assert flat(texts(call)) == expected(MIYAGI.say("non_text", "ko", consultant=True))


def test_follow_greets_with_the_language_menu_in_the_profile_language(assistant, platforms) -> None:
    user = new_user()
    platforms.profiles[user] = "pt-BR"
    event = fakes.line_event(user, kind="follow")
    assert assistant.line(event)[0] == 200
    [call] = platforms.wait_for("message/reply", replyToken=event["replyToken"])
    assert flat(texts(call)) == expected(MIYAGI.say("greet", "pt", menu=True))
    menu = [p for p in quick_replies(call) if p.startswith("/change_language")]
    assert len(menu) == 9


def test_the_profile_language_counts_only_while_the_conversation_has_none(
    assistant, platforms
) -> None:
    user = new_user()
    platforms.profiles[user] = "ko"
    first = say(assistant, platforms, user, "ok")
    assert flat(texts(first)) == expected(MIYAGI.say("affirm", "ko"))
    later = say(assistant, platforms, user, "I lost my residence card")
    assert expected(MIYAGI.answer("residence_card", "en")) == flat(texts(later))


def test_a_postback_is_a_button_tap(assistant, platforms) -> None:
    user = new_user()  # no profile language, no message yet: English and Easy Japanese
    event = fakes.line_event(user, kind="postback", data='/faq{"topic": "residence_card"}')
    assert assistant.line(event)[0] == 200
    [call] = platforms.wait_for("message/reply", replyToken=event["replyToken"])
    answer = MIYAGI.answer("residence_card", None) + MIYAGI.language_menu(None)
    assert flat(texts(call)) == expected(answer)


def test_unfollow_unknown_group_and_standby_events_are_ignored(assistant, platforms) -> None:
    user = new_user()
    unfollow = fakes.line_event(user, kind="unfollow")
    unknown = fakes.line_event(user, kind="somethingNew")
    unknown["somethingNew"] = {"x": 1}
    beacon = fakes.line_event(user, kind="beacon")
    beacon["beacon"] = {"hwid": "d41d8cd98f", "type": "enter"}
    group = fakes.line_event(
        user, "hello", source={"type": "group", "groupId": "Cgroup", "userId": user}
    )
    standby = dict(fakes.line_event(user, "hello"), mode="standby")
    standby.pop("replyToken")
    assert assistant.line(unfollow, unknown, beacon, group, standby)[0] == 200
    settle(assistant, platforms, user)
    tokens = {e["replyToken"] for e in (group,)}
    assert not [c for c in platforms.calls if c.body.get("replyToken") in tokens]
    assert not platforms.calls_to("message/push", to=user)


def test_a_10000_character_message_is_answered_within_lines_limits(assistant, platforms) -> None:
    text = ("I lost my residence card and I do not know what to do. " * 200)[:10_000]
    call = say(assistant, platforms, new_user(), text)
    assert 1 <= len(call.body["messages"]) <= 5
    assert all(len(t) <= 5000 for t in texts(call))
    assert expected(MIYAGI.say("too_long", "en", consultant=True)) in flat(texts(call))


def test_a_failing_reply_is_pushed_instead(assistant, platforms) -> None:
    user = new_user()
    platforms.profiles[user] = "en"
    platforms.trouble("message/reply", status=500)
    event = fakes.line_event(user, "hello")
    assert assistant.line(event)[0] == 200
    [push] = platforms.wait_for("message/push", to=user)
    assert flat(texts(push)) == expected(MIYAGI.say("greet", "en", menu=True))
    assert push.headers.get("X-Line-Retry-Key")


def test_a_refused_reply_and_a_failing_push_still_deliver_once(assistant, platforms) -> None:
    user = new_user()
    platforms.trouble("message/reply", status=500)  # refused: the answer is pushed
    platforms.trouble("message/push", status=503, times=2)
    event = fakes.line_event(user, "thank you")
    assert assistant.line(event)[0] == 200
    [push] = platforms.wait_for("message/push", to=user, timeout=60)
    attempts = [c for c in platforms.calls if c.method == "message/push" and c.body["to"] == user]
    assert [c.status for c in attempts] == [503, 503, 200]
    assert len({c.headers["X-Line-Retry-Key"] for c in attempts}) == 1
    # The server kept going: the resident's next message is answered as usual.
    assert texts(say(assistant, platforms, user, "bye"))
    assert len(platforms.calls_to("message/push", to=user)) == 1


def test_a_reply_that_timed_out_but_arrived_is_not_pushed_too(assistant, platforms) -> None:
    """LINE still delivers a reply whose call timed out (PLATFORM_TIMEOUT_SECONDS=2): the
    resident sees the answer once."""
    user = new_user()
    platforms.trouble("message/reply", hang=3.0, deliver=True)
    event = fakes.line_event(user, "thank you")
    assert assistant.line(event)[0] == 200
    [reply] = platforms.wait_for("message/reply", replyToken=event["replyToken"])
    # The next message's answer comes after the first one's handling ended (one resident's
    # events are handled in order), so by then any push of the first would have been made.
    assert texts(say(assistant, platforms, user, "bye"))
    assert not platforms.calls_to("message/push", to=user)


def test_a_resident_past_the_rate_is_asked_to_wait_but_an_emergency_is_answered(
    assistant, platforms
) -> None:
    """RESIDENT_RATE (20 messages in 60 s by default), counted in the intake: the 21st
    message gets the polite "please wait" once, the 22nd nothing; a cry for help past the
    rate is still answered with 110/119."""
    user = new_user()
    questions = ["ゴミの出し方は？", "国民健康保険に入りたいです", "在留カードをなくした"]
    events = [fakes.line_event(user, questions[n % 3]) for n in range(22)]
    for event in events[:20]:  # one after the other: the queue never fills, the rate does
        assert assistant.line(event)[0] == 200
        platforms.wait_for("message/reply", replyToken=event["replyToken"])
    help_event = fakes.line_event(user, "help! there is a fire, my child is hurt")
    status, _ = assistant.line(*events[20:], help_event)
    assert status == 200
    # the known event: the cry for help, after the two held back, is answered
    [cry] = platforms.wait_for("message/reply", replyToken=help_event["replyToken"])
    assert "119" in flat(texts(cry)) and "110" in flat(texts(cry))
    for event in events[:20]:
        assert platforms.calls_to("message/reply", replyToken=event["replyToken"])
    [wait] = platforms.calls_to("message/reply", replyToken=events[20]["replyToken"])
    assert flat(texts(wait)) == flat([MIYAGI.message("too_many", "ja")])
    assert not platforms.attempts_of("message/reply", replyToken=events[21]["replyToken"])
    assert assistant.get("/webhooks/line/")["refused"] >= 2
