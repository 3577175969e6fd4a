"""The consultant desk end to end: residents on Telegram and LINE, consultants in a
Telegram group, all through the real channels against the fake platforms.

An assistant of its own (module-scoped) with CONSULTANT_TELEGRAM_CHAT_ID set. Every wait
is for a known event: the n-th message to a chat, or the channel having handled its
events (the health route's `waiting`)."""

from __future__ import annotations

import io
import itertools
import time
import urllib.error
import urllib.request

import pytest
from PIL import Image

from bot.channels.desk import END_PAYLOAD
from bot.channels.notices import renderer
from bot.guidebook.render import language_payload
from tests import fakes, harness
from tests.e2e.conftest import MODEL, Assistant

GROUP = -1009000000001
OTHER_GROUP = -1009000000002
LINE_GROUP = "C" + "d" * 32
PUBLIC_URL = "https://assistant.example.org"
_chats = itertools.count(910_000)
_users = itertools.count(1)


@pytest.fixture(scope="module")
def desk(tmp_path_factory, platforms) -> Assistant:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    tmp = tmp_path_factory.mktemp("assistant-desk")
    env = {
        **harness.channel_env(platforms),
        "CONSULTANT_TELEGRAM_CHAT_ID": str(GROUP),
        "CONSULTANT_LINE_GROUP_ID": LINE_GROUP,
        "PUBLIC_URL": PUBLIC_URL,
    }
    process, base, actions_port = harness.start(tmp, "miyagi", env)
    assistant = Assistant(base)
    assistant.process, assistant.actions_port = process, actions_port
    assistant.log = tmp / "assistant.log"
    yield assistant
    harness.stop(process)


def handled(assistant: Assistant, channel: str = "telegram") -> None:
    end = time.monotonic() + 60
    while assistant.get(f"/webhooks/{channel}/")["waiting"]:
        assert time.monotonic() < end, f"the {channel} channel did not finish in time"
        time.sleep(0.02)


def to_chat(platforms, chat: int) -> list[fakes.Call]:
    return platforms.calls_to("sendMessage", chat_id=chat)


def resident_says(desk, platforms, chat: int, text: str, language: str = "en") -> list[str]:
    """What the Telegram resident got for one message."""
    before = len(to_chat(platforms, chat))
    assert desk.telegram(fakes.telegram_message(chat, text, language_code=language))[0] == 200
    handled(desk)
    return [c.body["text"] for c in to_chat(platforms, chat)[before:]]


def consultant_says(desk, platforms, text: str, reply_to: int | None = None) -> list[str]:
    """What the desk answered in the group to one consultant message."""
    before = len(to_chat(platforms, GROUP))
    update = fakes.telegram_group_message(GROUP, text, reply_to=reply_to)
    assert desk.telegram(update)[0] == 200
    handled(desk)
    return [c.body["text"] for c in to_chat(platforms, GROUP)[before:]]


def open_ticket(desk, platforms, chat: int, language: str = "en") -> tuple[int, fakes.Call]:
    """The resident asks for a consultant; returns the ticket number and its card."""
    cards = len(to_chat(platforms, GROUP))
    [told] = resident_says(desk, platforms, chat, "/human", language)
    number = int(told.split("#")[1].split()[0].rstrip(".。"))
    assert told.startswith(renderer().message("desk_opened", language, ticket=str(number))[:20])
    # Miyagi's profile gives no opening hours: never "closed", only "as soon as one is free"
    assert renderer().message("desk_hours_unknown", language) in told
    [card] = to_chat(platforms, GROUP)[cards:]
    assert card.body["text"].startswith(f"#{number}")
    return number, card


def test_a_telegram_resident_is_served_from_the_consultants_group(desk, platforms) -> None:
    chat = next(_chats)
    number, card = open_ticket(desk, platforms, chat)
    payloads = [
        b["callback_data"] for row in card.body["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert payloads == [f"/take {number}", f"/close {number}"]
    assert desk.tracker(f"telegram:{chat}")["paused"]

    # the resident writes: relayed as #n, the assistant says nothing
    assert resident_says(desk, platforms, chat, "I lost my job yesterday") == []
    relayed = to_chat(platforms, GROUP)[-1]
    assert relayed.body["text"] == f"#{number}\nI lost my job yesterday"

    # a consultant takes it with the card's button, then replies to the relayed message
    before = len(to_chat(platforms, GROUP))
    assert desk.telegram(fakes.telegram_group_callback(GROUP, f"/take {number}"))[0] == 200
    handled(desk)
    assert "担当します" in to_chat(platforms, GROUP)[before:][0].body["text"]
    reply_id = relayed.result["message_id"]
    assert (
        consultant_says(desk, platforms, "Hello, I am Aiko from the center.", reply_to=reply_id)
        == []
    )
    [got] = [c.body["text"] for c in to_chat(platforms, chat)][-1:]
    assert (
        got == renderer().message("desk_consultant", "en") + "\nHello, I am Aiko from the center."
    )

    # /close: the resident is told, and the assistant answers again
    assert "終了しました" in consultant_says(desk, platforms, f"/close {number}")[0]
    assert to_chat(platforms, chat)[-1].body["text"] == renderer().message(
        "desk_closed", "en", ticket=str(number)
    )
    assert not desk.tracker(f"telegram:{chat}")["paused"]
    answer = resident_says(desk, platforms, chat, "thanks")
    assert answer and answer[0] == renderer().message("thanks", "en")


def test_a_resident_with_no_language_yet_gets_the_desk_in_english_and_easy_japanese(
    desk, platforms
) -> None:
    """No language hint and nothing clear said: the ticket is in no language. The resident
    reads it in English and Easy Japanese, each with its end button; the card says so."""
    chat = next(_chats)
    cards = len(to_chat(platforms, GROUP))
    before = len(to_chat(platforms, chat))
    update = fakes.telegram_message(chat, "/human", language_code=None)
    assert desk.telegram(update)[0] == 200
    handled(desk)
    calls = to_chat(platforms, chat)[before:]
    assert len(calls) == 2
    number = int(calls[0].body["text"].split("#")[1].split()[0].rstrip(".。"))
    for call, language in zip(calls, ("en", "ja-easy"), strict=True):
        assert call.body["text"].startswith(
            renderer().message("desk_opened", language, ticket=str(number))
        )
        [[button]] = call.body["reply_markup"]["inline_keyboard"]
        assert (
            button["text"]
            == (renderer().guidebook.messages[language]["buttons"]["end_consultation"])
        )
    [card] = to_chat(platforms, GROUP)[cards:]
    assert "言語: 未定" in card.body["text"]
    # a clear message decides it: the rooms are told, and the desk writes in it from now on
    before_group = len(to_chat(platforms, GROUP))
    text = "Tôi bị công ty nợ lương ba tháng rồi"
    update = fakes.telegram_message(chat, text, language_code=None)
    assert desk.telegram(update)[0] == 200
    handled(desk)
    posted = [c.body["text"] for c in to_chat(platforms, GROUP)[before_group:]]
    assert posted == [
        f"#{number}\n{text}",
        f"#{number} 言語: ベトナム語（相談者から判明）",
    ]
    consultant_says(desk, platforms, f"/close {number}")
    assert to_chat(platforms, chat)[-1].body["text"] == renderer().message(
        "desk_closed", "vi", ticket=str(number)
    )
    # and the conversation goes on in it
    assert desk.tracker(f"telegram:{chat}")["slots"]["language"] == "vi"


def test_a_menu_tap_during_an_undecided_ticket_decides_it_and_other_buttons_do_not(
    desk, platforms
) -> None:
    chat = next(_chats)
    before = len(to_chat(platforms, chat))
    assert desk.telegram(fakes.telegram_message(chat, "/human", language_code=None))[0] == 200
    handled(desk)
    told = to_chat(platforms, chat)[before:][0].body["text"]
    number = int(told.split("#")[1].split()[0].rstrip(".。"))
    group = len(to_chat(platforms, GROUP))
    tap = fakes.telegram_callback(chat, '/faq{"topic": "resident_tax"}', language_code=None)
    assert desk.telegram(tap)[0] == 200
    handled(desk)
    assert not any("言語:" in c.body["text"] for c in to_chat(platforms, GROUP)[group:])
    tap = fakes.telegram_callback(chat, language_payload("ja-easy"), language_code=None)
    assert desk.telegram(tap)[0] == 200
    handled(desk)
    posted = [c.body["text"] for c in to_chat(platforms, GROUP)[group:]]
    assert f"#{number} 言語: やさしい日本語（相談者から判明）" in posted
    consultant_says(desk, platforms, f"/close {number}")
    assert to_chat(platforms, chat)[-1].body["text"] == renderer().message(
        "desk_closed", "ja-easy", ticket=str(number)
    )


def test_a_line_resident_is_served_from_the_telegram_group(desk, platforms) -> None:
    user = f"U{next(_users):032x}"
    platforms.profiles[user] = "en-US"  # LINE shares the app's language
    cards = len(to_chat(platforms, GROUP))
    assert desk.line(fakes.line_event(user, "/human", reply_token="tok-desk-1"))[0] == 200
    handled(desk, "line")
    [reply] = platforms.wait_for("message/reply", replyToken="tok-desk-1")
    told = reply.body["messages"][0]["text"]
    number = int(told.split("#")[1].split()[0].rstrip(".。"))
    quick = [i["action"]["data"] for i in reply.body["messages"][-1]["quickReply"]["items"]]
    assert quick == [END_PAYLOAD]
    [card] = to_chat(platforms, GROUP)[cards:]
    assert card.body["text"].startswith(f"#{number}")
    assert consultant_says(desk, platforms, f"/reply {number} こんにちは。相談員の佐藤です。") == []
    [push] = platforms.wait_for("message/push", to=user)
    assert push.body["messages"][0]["text"].endswith("こんにちは。相談員の佐藤です。")
    # the resident ends it with the button
    assert desk.line(fakes.line_event(user, kind="postback", data=END_PAYLOAD))[0] == 200
    handled(desk, "line")
    [_, ended] = platforms.wait_for("message/push", count=2, to=user)
    assert ended.body["messages"][0]["text"] == renderer().message(
        "desk_ended_by_resident", "en", ticket=str(number)
    )


def test_an_emergency_during_a_ticket_gets_110_119_at_once_and_is_urgent(desk, platforms) -> None:
    chat = next(_chats)
    number, _ = open_ticket(desk, platforms, chat)
    [told] = resident_says(desk, platforms, chat, "FIRE!! the kitchen is burning help")
    assert "110" in told and "119" in told
    assert to_chat(platforms, GROUP)[-1].body["text"].startswith(f"#{number} 🚨")
    queue = consultant_says(desk, platforms, "/queue")[0]
    assert f"#{number} 🚨" in queue
    consultant_says(desk, platforms, f"/close {number}")


def test_slash_text_and_strangers_have_no_power(desk, platforms) -> None:
    chat = next(_chats)
    number, _ = open_ticket(desk, platforms, chat)
    # the resident types commands: relayed as words, the pause holds (no /restart)
    assert resident_says(desk, platforms, chat, "/restart") == []
    assert resident_says(desk, platforms, chat, f"/take {number}") == []
    assert desk.tracker(f"telegram:{chat}")["paused"]
    assert to_chat(platforms, GROUP)[-1].body["text"] == f"#{number}\n/take {number}"
    # another group: no command works there
    before = len(to_chat(platforms, OTHER_GROUP))
    desk.telegram(fakes.telegram_group_message(OTHER_GROUP, f"/close {number}"))
    handled(desk)
    assert len(to_chat(platforms, OTHER_GROUP)) == before
    queue = consultant_says(desk, platforms, "/queue")[0]
    assert f"#{number}" in queue and "待ち" in queue  # still waiting, not taken or closed
    # two consultants: one wins
    assert "担当します" in consultant_says(desk, platforms, f"/take {number}")[0]
    assert "すでに" in consultant_says(desk, platforms, f"/take {number}")[0]
    consultant_says(desk, platforms, f"/close {number}")


def line_group_event(
    text: str | None = None,
    *,
    quoted: str | None = None,
    data: str | None = None,
    user: str | None = "Ustaff" + "0" * 26,
):
    """A consultant's message (or a card button's postback) in the LINE group."""
    source = {"type": "group", "groupId": LINE_GROUP}
    if user:
        source["userId"] = user
    if data is not None:
        return fakes.line_event(user or "", kind="postback", data=data, source=source)
    event = fakes.line_event(user or "", text, source=source)
    if quoted:
        event["message"]["quotedMessageId"] = quoted
    return event


def test_a_telegram_resident_is_served_from_the_line_group(desk, platforms) -> None:
    chat = next(_chats)
    before = len(platforms.calls_to("message/push", to=LINE_GROUP))
    number, _ = open_ticket(desk, platforms, chat)
    [card] = platforms.wait_for("message/push", count=before + 1, to=LINE_GROUP)[before:]
    assert card.body["messages"][0]["text"].startswith(f"#{number}")
    items = card.body["messages"][-1]["quickReply"]["items"]
    assert [i["action"]["data"] for i in items] == [f"/take {number}", f"/close {number}"]
    card_id = card.result["sentMessages"][-1]["id"]

    # a consultant quotes the card: the reply reaches the Telegram resident
    platforms.group_members["Ustaff" + "0" * 26] = "佐藤"
    assert desk.line(line_group_event("はじめまして。佐藤です。", quoted=card_id))[0] == 200
    handled(desk, "line")
    assert to_chat(platforms, chat)[-1].body["text"].endswith("はじめまして。佐藤です。")
    queue_before = len(to_chat(platforms, GROUP))
    assert (
        "佐藤" in consultant_says(desk, platforms, "/queue")[0]
    )  # taken by 佐藤, seen on Telegram
    assert len(to_chat(platforms, GROUP)) == queue_before + 1

    # a consultant on LINE PC (no user id) closes it with the card's button
    assert desk.line(line_group_event(data=f"/close {number}", user=None))[0] == 200
    handled(desk, "line")
    assert to_chat(platforms, chat)[-1].body["text"] == renderer().message(
        "desk_closed", "en", ticket=str(number)
    )


def test_a_stranger_group_on_line_has_no_power(desk, platforms) -> None:
    chat = next(_chats)
    number, _ = open_ticket(desk, platforms, chat)
    other = fakes.line_event(
        "Ux" + "1" * 31, f"/close {number}", source={"type": "group", "groupId": "C" + "e" * 32}
    )
    assert desk.line(other)[0] == 200
    handled(desk, "line")
    assert f"#{number}" in consultant_says(desk, platforms, "/queue")[0]
    consultant_says(desk, platforms, f"/close {number}")


def test_a_restart_in_the_middle_of_a_ticket_loses_nothing(tmp_path, platforms) -> None:
    """The server stops while a ticket is open and starts again on the same databases:
    the ticket, the pause and the relay's message mapping are still there."""
    env = {**harness.channel_env(platforms), "CONSULTANT_TELEGRAM_CHAT_ID": str(GROUP)}
    first, base, _ = harness.start(tmp_path, "miyagi", env)
    try:
        before = Assistant(base)
        chat = next(_chats)
        number, card = open_ticket(before, platforms, chat)
        assert resident_says(before, platforms, chat, "are you there?") == []
        relayed = to_chat(platforms, GROUP)[-1]
    finally:
        harness.stop(first)
    second, base, _ = harness.start(tmp_path, "miyagi", env)
    try:
        after = Assistant(base)
        assert after.tracker(f"telegram:{chat}")["paused"]
        assert resident_says(after, platforms, chat, "hello again") == []
        assert to_chat(platforms, GROUP)[-1].body["text"] == f"#{number}\nhello again"
        update = fakes.telegram_group_message(
            GROUP, "Yes, I am here.", reply_to=relayed.result["message_id"]
        )
        assert after.telegram(update)[0] == 200
        handled(after)
        assert to_chat(platforms, chat)[-1].body["text"].endswith("Yes, I am here.")
        assert card.result["message_id"]
    finally:
        harness.stop(second)


def test_a_session_that_expires_during_a_ticket_does_not_lift_the_pause(desk, platforms) -> None:
    """Rasa starts a new session after 12 hours of silence, and a new session is not
    paused: the channel puts the pause back, and sends nothing Rasa said."""
    import json
    import urllib.request

    chat = next(_chats)
    number, _ = open_ticket(desk, platforms, chat)
    conversation = f"telegram:{chat}"
    events = desk.tracker(conversation)["events"]
    for event in events:
        event["timestamp"] = event["timestamp"] - 13 * 3600  # as if 13 hours ago
    request = urllib.request.Request(
        f"{desk.base}/conversations/{conversation}/tracker/events",
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json", **harness.AUTH},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["paused"]
    assert resident_says(desk, platforms, chat, "hello, anyone? what is the garbage day") == []
    assert to_chat(platforms, GROUP)[-1].body["text"] == (
        f"#{number}\nhello, anyone? what is the garbage day"
    )
    tracker = desk.tracker(conversation)
    assert tracker["paused"]
    [started] = [e for e in tracker["events"] if e["event"] == "session_started"]
    assert started["timestamp"] > time.time() - 3600  # a new session began
    consultant_says(desk, platforms, f"/close {number}")


def jpeg(width: int = 1600, height: int = 1200) -> bytes:
    """A real photo's bytes (a letter, say): big enough that LINE needs a preview."""
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def served(desk, url: str) -> tuple[int, bytes, str]:
    """What this server answers LINE (no token: the media route is public) for a URL
    given out under PUBLIC_URL."""
    assert url.startswith(PUBLIC_URL + "/webhooks/line/media/")
    try:
        with urllib.request.urlopen(desk.base + url[len(PUBLIC_URL) :], timeout=30) as answer:
            return answer.status, answer.read(), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def line_group_pushes(platforms, after: int) -> list[dict]:
    return [
        m
        for c in platforms.calls_to("message/push", to=LINE_GROUP)[after:]
        for m in c.body["messages"]
    ]


def test_a_telegram_residents_photo_reaches_both_groups_as_a_photo(desk, platforms) -> None:
    chat = next(_chats)
    letter = jpeg()
    platforms.telegram_files["p1"] = (letter, "photos/file_1.jpg")
    number, _ = open_ticket(desk, platforms, chat)
    line_before = len(platforms.calls_to("message/push", to=LINE_GROUP))
    photo = fakes.telegram_message(
        chat, None, extra={**fakes.TELEGRAM_NON_TEXT["photo"], "caption": "this letter came"}
    )
    assert desk.telegram(photo)[0] == 200
    handled(desk)
    # the Telegram group: the #n line, then the photo copied as it is
    [copied] = [c for c in platforms.calls_to("copyMessage") if int(c.body["from_chat_id"]) == chat]
    assert copied.body["chat_id"] == GROUP
    assert int(copied.body["message_id"]) == photo["message"]["message_id"]
    assert copied.body["caption"] == f"#{number}"  # whose photo it is, whatever comes between
    assert to_chat(platforms, GROUP)[-1].body["text"] == f"#{number}\n［写真］this letter came"
    # the LINE group: the #n line, then the picture, served from this server
    platforms.wait_for("message/push", count=line_before + 2, to=LINE_GROUP)
    text, mark, image = line_group_pushes(platforms, line_before)
    assert text["text"] == f"#{number}\n［写真］this letter came"
    assert mark["text"] == f"#{number}"  # pushed with the picture, which has no caption
    assert image["type"] == "image"
    status, data, kind = served(desk, image["originalContentUrl"])
    assert (status, data, kind) == (200, letter, "image/jpeg")
    status, preview, kind = served(desk, image["previewImageUrl"])
    assert status == 200 and kind == "image/jpeg" and len(preview) < min(len(letter), 1024 * 1024)
    assert Image.open(io.BytesIO(preview)).size[0] <= 480
    # a made-up token finds nothing
    token = image["originalContentUrl"].rsplit("/", 1)[1]
    assert served(desk, f"{PUBLIC_URL}/webhooks/line/media/{token[:-2]}xx")[0] == 404
    assert served(desk, f"{PUBLIC_URL}/webhooks/line/media/..%2F..%2Fassistant.db")[0] == 404
    assert to_chat(platforms, chat)[-1].body["text"] != "this letter came"  # nothing back
    # a consultant can reply to the photo itself
    update = fakes.telegram_group_message(
        GROUP, "Please come on Tuesday.", reply_to=copied.result["message_id"]
    )
    assert desk.telegram(update)[0] == 200
    handled(desk)
    assert to_chat(platforms, chat)[-1].body["text"].endswith("Please come on Tuesday.")
    consultant_says(desk, platforms, f"/close {number}")


def open_line_ticket(desk, platforms, user: str) -> int:
    token = f"tok-{user[-6:]}"
    assert desk.line(fakes.line_event(user, "/human", reply_token=token))[0] == 200
    handled(desk, "line")
    [reply] = platforms.wait_for("message/reply", replyToken=token)
    return int(reply.body["messages"][0]["text"].split("#")[1].split()[0].rstrip(".。"))


def test_a_line_residents_photo_and_file_reach_both_groups(desk, platforms) -> None:
    user = f"U{next(_users):032x}"
    platforms.profiles[user] = "vi"
    number = open_line_ticket(desk, platforms, user)
    letter, pdf = jpeg(800, 600), b"%PDF-1.4 zairyu card copy"
    photo_event = fakes.line_event(user, message_type="image")
    file_event = fakes.line_event(user, message_type="file")
    platforms.line_contents[photo_event["message"]["id"]] = (letter, "image/jpeg")
    platforms.line_contents[file_event["message"]["id"]] = (pdf, "application/pdf")
    line_before = len(platforms.calls_to("message/push", to=LINE_GROUP))
    photos = len(platforms.calls_to("sendPhoto", chat_id=GROUP))
    assert desk.line(photo_event, file_event)[0] == 200
    handled(desk, "line")
    # Telegram: uploaded as a photo and as a document with its name, each after its #n line
    [sent_photo] = platforms.calls_to("sendPhoto", chat_id=GROUP)[photos:]
    assert sent_photo.body["photo"]["data"] == letter
    assert sent_photo.body["caption"] == f"#{number}"
    [document] = [
        c
        for c in platforms.calls_to("sendDocument", chat_id=GROUP)
        if c.body["document"]["data"] == pdf
    ]
    assert document.body["document"]["filename"] == "zairyu.pdf"
    texts = [c.body["text"] for c in to_chat(platforms, GROUP)[-2:]]
    assert texts == [f"#{number}\n［写真］", f"#{number}\n［ファイル］"]
    # LINE: the picture, and the file as a link to download it
    platforms.wait_for("message/push", count=line_before + 4, to=LINE_GROUP)
    pushed = line_group_pushes(platforms, line_before)
    assert [m["type"] for m in pushed] == ["text", "text", "image", "text", "text", "text"]
    assert served(desk, pushed[2]["originalContentUrl"])[1] == letter
    link = pushed[5]["text"]
    assert link.startswith("📎 zairyu.pdf")
    status, data, kind = served(desk, link.split("\n")[1])
    assert (status, data, kind) == (200, pdf, "application/octet-stream")  # a download, no page
    # a consultant answers the photo's upload in Telegram: the LINE resident gets it
    reply = fakes.telegram_group_message(
        GROUP, "Đã nhận ảnh, cảm ơn.", reply_to=sent_photo.result["message_id"]
    )
    assert desk.telegram(reply)[0] == 200
    handled(desk)
    [push] = platforms.wait_for("message/push", to=user)
    assert push.body["messages"][0]["text"].endswith("Đã nhận ảnh, cảm ơn.")
    consultant_says(desk, platforms, f"/close {number}")


def test_a_consultants_photo_reaches_line_and_telegram_residents(desk, platforms) -> None:
    user = f"U{next(_users):032x}"
    platforms.profiles[user] = "en-US"
    line_number = open_line_ticket(desk, platforms, user)
    chat = next(_chats)
    telegram_number, card = open_ticket(desk, platforms, chat)
    map_ = jpeg(640, 480)
    platforms.telegram_files["map1"] = (map_, "photos/map.jpg")
    picture = {"photo": [{"file_id": "map1", "file_unique_id": "m1", "width": 640, "height": 480}]}

    # captioned /reply <n>: the LINE resident gets the words, then the picture
    update = fakes.telegram_group_message(GROUP, None)
    update["message"].update(picture, caption=f"/reply {line_number} The office is here.")
    assert desk.telegram(update)[0] == 200
    handled(desk)
    first, second = platforms.wait_for("message/push", count=2, to=user)
    words, image = first.body["messages"][0], second.body["messages"][0]
    assert words["text"].endswith("The office is here.")
    assert image["type"] == "image" and served(desk, image["originalContentUrl"])[1] == map_

    # a photo without words, as a reply to the Telegram resident's card: copied to them
    update = fakes.telegram_group_message(GROUP, None, reply_to=card.result["message_id"])
    update["message"].update(picture)
    assert desk.telegram(update)[0] == 200
    handled(desk)
    [copied] = platforms.calls_to("copyMessage", chat_id=chat)
    assert int(copied.body["from_chat_id"]) == GROUP
    assert copied.body["caption"] == ""  # never the consultants' own caption
    assert to_chat(platforms, chat)[-1].body["text"] == renderer().message("desk_consultant", "en")
    for number in (line_number, telegram_number):
        consultant_says(desk, platforms, f"/close {number}")


def test_a_ticket_nobody_takes_is_announced_again_and_the_resident_gets_the_phone(
    tmp_path, platforms
) -> None:
    env = {
        **harness.channel_env(platforms),
        "CONSULTANT_TELEGRAM_CHAT_ID": str(GROUP),
        "DESK_REMINDER_MINUTES": "0.05",  # 3 seconds
    }
    process, base, _ = harness.start(tmp_path, "miyagi", env)
    try:
        assistant = Assistant(base)
        chat = next(_chats)
        number, _ = open_ticket(assistant, platforms, chat)
        # the known event: a second card of this ticket in the group
        end = time.monotonic() + 60
        while (
            len([c for c in to_chat(platforms, GROUP) if c.body["text"].startswith(f"#{number}  ")])
            < 2
        ):
            assert time.monotonic() < end, "the ticket was not announced again"
            time.sleep(0.05)
        platforms.wait_for("sendMessage", count=2, chat_id=chat)
        reminder = to_chat(platforms, chat)[1].body["text"]
        assert reminder == renderer().message("desk_still_waiting", "en", ticket=str(number))
        assert "022-275-9990" in reminder
        consultant_says(assistant, platforms, f"/take {number}")
    finally:
        harness.stop(process)
