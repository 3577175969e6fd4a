"""The desk's decisions, platform-free: tickets, cards, relays, commands, reminders.
The rooms and the residents' sender here record what the desk sends; the channels'
own rooms are tested against the fake platforms."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.desk.desk import Attachment, Button, Desk, GroupMessage, Told, Turn
from bot.desk.hours import OpeningHours
from bot.desk.tickets import Media, TicketStore
from bot.guidebook import Renderer, load_guidebook
from bot.languages import UNKNOWN
from bot.settings import ROOT
from bot.state import upgrade

GUIDEBOOK = ROOT / "guidebook"


class RecordingRoom:
    def __init__(self, name: str) -> None:
        self.name = name
        self.chat = f"{name}-group"
        self.posts: list[tuple[str, tuple[Button, ...]]] = []
        self.media: list[Media] = []

    async def post(self, text, buttons=(), thread=None) -> str:
        self.posts.append((text, tuple(buttons)))
        return f"m{len(self.posts)}"

    async def open_thread(self, title: str) -> None:
        return None

    async def rename_thread(self, thread: int, title: str) -> None:
        raise AssertionError("a room without topics has none to rename")

    async def send_media(self, attachment: Attachment, thread=None, caption="") -> str | None:
        loaded = await attachment.load()  # as a room of another platform: the bytes
        if loaded is None:
            return None
        self.media.append(loaded[0])
        self.posts.append((f"<{loaded[0].kind}>", ()))
        return f"m{len(self.posts)}"


class Residents:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.media: list[tuple[str, Media]] = []
        self.fail = False

    async def __call__(self, conversation: str, texts: list[str], attachment=None) -> bool:
        if self.fail:
            return False
        self.sent.extend((conversation, t) for t in texts)
        if attachment is not None:
            loaded = await attachment.load()
            if loaded is None:
                return False
            self.media.append((conversation, loaded[0]))
        return True


class Files:
    """A platform's files, as the channels' fetchers give them; counts the fetches."""

    def __init__(self) -> None:
        self.files = {"p1": Media("photo", b"\xff\xd8jpeg bytes", "image/jpeg", "photo.jpg")}
        self.fetched: list[str] = []

    async def __call__(self, ref: dict) -> Media | None:
        self.fetched.append(ref.get("message_id"))
        return self.files.get(ref.get("message_id"))


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def make(tmp_path, center: str = "miyagi", at=dt.datetime(2026, 12, 1, 1, 0)):
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    guidebook = load_guidebook(GUIDEBOOK, center)
    rooms = [RecordingRoom("telegram"), RecordingRoom("line")]
    residents = Residents()
    clock = Clock(at)
    desk = Desk(
        TicketStore(url),
        Renderer(guidebook),
        center,
        OpeningHours.from_profile(guidebook.center),
        residents,
        rooms,
        clock,
        fetch=Files(),
    )
    return desk, rooms, residents, clock


async def test_a_ticket_opens_once_with_a_card_in_every_room(tmp_path) -> None:
    desk, rooms, _, _ = make(tmp_path)
    recent = [Turn("resident", "tôi muốn nói chuyện với người"), Turn("assistant", "...")]
    [(_, told)] = await desk.open(
        "line:Ua", language="vi", topic="faq/labor_trouble", reason="handoff", recent=recent
    )
    ticket = desk.open_ticket("line:Ua")
    assert f"#{ticket.number}" in told
    assert desk.renderer.message("desk_hours_unknown", "vi") in told  # Miyagi: no hours
    for room in rooms:
        [(card, buttons)] = room.posts
        assert card.startswith(f"#{ticket.number}") and "ベトナム語" in card
        assert "tôi muốn nói chuyện với người" in card and "職場のトラブル" in card
        assert [b.payload for b in buttons] == [f"/take {ticket.number}", f"/close {ticket.number}"]
    again = await desk.open("line:Ua", language="vi", topic=None, reason="button")
    assert f"#{ticket.number}" in again[0].text
    assert all(len(room.posts) == 1 for room in rooms)  # no second card


async def test_out_of_hours_says_when_the_center_opens_and_gives_the_national_line(
    tmp_path,
) -> None:
    # Sunday 2026-12-06 10:00 in Japan (01:00 UTC): Musashino is closed on Sundays.
    desk, _, _, _ = make(tmp_path, "musashino", at=dt.datetime(2026, 12, 6, 1, 0))
    [(_, told)] = await desk.open(
        "telegram:5", language="pt", topic="faq/domestic_violence", reason="offer"
    )
    assert "2026-12-08 09:00" in told  # Tuesday
    assert "0120-279-889" in told
    assert desk.open_ticket("telegram:5").priority == "high"
    # Tuesday 10:00: open
    (tmp_path / "b").mkdir()
    desk2, _, _, _ = make(tmp_path / "b", "musashino", at=dt.datetime(2026, 12, 8, 1, 0))
    [(_, told)] = await desk2.open(
        "telegram:6", language="pt", topic="faq/domestic_violence", reason="offer"
    )
    assert desk2.renderer.message("desk_open_now", "pt") in told and "0120-279-889" not in told


async def test_relay_and_a_reply_to_a_relayed_message_reach_the_resident_signed(tmp_path) -> None:
    desk, rooms, residents, clock = make(tmp_path)
    await desk.open("line:Ub", language="ne", topic=None, reason="handoff")
    ticket = desk.open_ticket("line:Ub")
    await desk.relay("line:Ub", "मलाई मद्दत चाहियो")
    relayed, _ = rooms[0].posts[-1]
    assert relayed == f"#{ticket.number}\nमलाई मद्दत चाहियो"
    clock.at += dt.timedelta(minutes=4)
    answer = await desk.from_consultant(
        GroupMessage("telegram", "佐藤", "नमस्ते, म सहयोग गर्छु", "x1", reply_to="m2")
    )
    assert answer is None
    [(to, text)] = residents.sent
    assert to == "line:Ub"
    assert text == desk.renderer.message("desk_consultant", "ne") + "\nनमस्ते, म सहयोग गर्छु"
    taken = desk.store.get(ticket.number)
    assert taken.status == "assigned" and taken.consultant == "佐藤"
    assert taken.first_reply_at == clock.at
    assert await desk.relay("line:Unobody", "hi") is None  # no ticket: the assistant answers


async def test_commands_take_queue_reply_close(tmp_path) -> None:
    desk, _, residents, _ = make(tmp_path)
    await desk.open("telegram:1", language="en", topic=None, reason="handoff")
    await desk.open("telegram:2", language="ko", topic=None, reason="emergency")
    one = desk.open_ticket("telegram:1").number
    two = desk.open_ticket("telegram:2").number
    queue = await desk.from_consultant(GroupMessage("telegram", "A", "/queue"))
    assert queue.index(f"#{two}") < queue.index(f"#{one}")  # urgent first
    assert "佐藤" not in queue
    assert "担当します" in await desk.from_consultant(GroupMessage("line", "佐藤", f"/take {one}"))
    refused = await desk.from_consultant(GroupMessage("telegram", "鈴木", f"/take {one}"))
    assert "すでに 佐藤 さん" in refused
    assert (
        await desk.from_consultant(GroupMessage("line", "佐藤", f"/reply {one} Hello, I am Sato."))
        is None
    )
    assert residents.sent[-1][1].endswith("Hello, I am Sato.")
    closed = await desk.from_consultant(GroupMessage("line", "佐藤", f"/close {one}"))
    assert "終了しました" in closed
    assert residents.sent[-1] == (
        "telegram:1",
        desk.renderer.message("desk_closed", "en", ticket=str(one)),
    )
    assert desk.open_ticket("telegram:1") is None
    late = await desk.from_consultant(GroupMessage("line", "佐藤", f"/reply {one} one more"))
    assert "終了" in late
    assert "ありません" in await desk.from_consultant(GroupMessage("line", "x", "/take 999"))


async def test_a_resident_whose_language_is_not_decided_is_written_to_in_english_and_easy_japanese(
    tmp_path,
) -> None:
    """An unclear "help" opens a ticket in no language: the consultants read that it is not
    decided, and the resident reads every desk text in English and in Easy Japanese."""
    desk, rooms, residents, _ = make(tmp_path)
    told = await desk.open("telegram:7", language=UNKNOWN, topic=None, reason="handoff")
    ticket = desk.open_ticket("telegram:7")
    number = str(ticket.number)
    assert told == [
        Told(
            lang,
            "\n".join(
                (
                    desk.renderer.message("desk_opened", lang, ticket=number),
                    desk.renderer.message("desk_hours_unknown", lang),
                )
            ),
        )
        for lang in ("en", "ja-easy")
    ]
    [(card, _)] = rooms[1].posts
    assert "言語: 未定" in card
    await desk.from_consultant(GroupMessage("line", "佐藤", f"/reply {number} Hello / こんにちは"))
    signed = "\n".join(desk.renderer.message("desk_consultant", lang) for lang in ("en", "ja-easy"))
    assert residents.sent[-1] == ("telegram:7", signed + "\nHello / こんにちは")
    await desk.from_consultant(GroupMessage("line", "佐藤", f"/close {number}"))
    assert residents.sent[-1] == (
        "telegram:7",
        "\n\n".join(
            desk.renderer.message("desk_closed", lang, ticket=number) for lang in ("en", "ja-easy")
        ),
    )


async def test_a_language_not_answered_yet_is_named_to_the_consultants(tmp_path) -> None:
    desk, rooms, _, _ = make(tmp_path)
    told = await desk.open("line:Uid", language="id", topic=None, reason="handoff")
    assert len(told) == 2  # English and Easy Japanese: Indonesian is not answered yet
    [(card, _)] = rooms[0].posts
    assert "言語: インドネシア語" in card


async def test_consultants_talk_among_themselves_and_get_usage_for_half_commands(tmp_path) -> None:
    desk, _, residents, _ = make(tmp_path)
    await desk.open("telegram:3", language="en", topic=None, reason="handoff")
    assert await desk.from_consultant(GroupMessage("telegram", "A", "who takes this one?")) is None
    assert (
        await desk.from_consultant(GroupMessage("telegram", "A", "ok", reply_to="not-a-card"))
        is None
    )
    assert "/take <番号>" in await desk.from_consultant(GroupMessage("telegram", "A", "/take"))
    assert residents.sent == []


async def test_a_ticket_nobody_took_is_announced_again_and_the_resident_gets_the_phone(
    tmp_path,
) -> None:
    desk, rooms, residents, clock = make(tmp_path)
    await desk.open("line:Uc", language="zh", topic=None, reason="handoff")
    clock.at += dt.timedelta(minutes=16)
    assert await desk.remind(dt.timedelta(minutes=15)) == 1
    assert len(rooms[0].posts) == 2
    [(to, text)] = residents.sent
    assert to == "line:Uc" and "022-275-9990" in text
    assert await desk.remind(dt.timedelta(minutes=15)) == 0  # just announced
    clock.at += dt.timedelta(minutes=16)
    assert await desk.remind(dt.timedelta(minutes=15)) == 1
    assert len(rooms[0].posts) == 3
    assert len(residents.sent) == 1  # the resident is told once


async def test_no_reminders_while_the_center_is_closed(tmp_path) -> None:
    # Sunday 2026-12-06 10:00 in Japan: Musashino is closed
    desk, rooms, residents, clock = make(tmp_path, "musashino", at=dt.datetime(2026, 12, 6, 1, 0))
    await desk.open("line:Uz", language="en", topic=None, reason="handoff")
    clock.at += dt.timedelta(hours=2)
    assert await desk.remind(dt.timedelta(minutes=15)) == 0
    assert len(rooms[0].posts) == 1 and residents.sent == []


async def test_a_reply_that_cannot_be_delivered_is_reported_in_the_room(tmp_path) -> None:
    desk, _, residents, _ = make(tmp_path)
    await desk.open("line:Ud", language="en", topic=None, reason="handoff")
    number = desk.open_ticket("line:Ud").number
    residents.fail = True
    answer = await desk.from_consultant(GroupMessage("telegram", "A", f"/reply {number} hi"))
    assert "届きませんでした" in answer
    [kept] = desk.store.messages(number)
    assert kept.direction == "consultant" and not kept.delivered


@pytest.mark.parametrize("language", ["ja", "ja-easy", "en", "zh", "ko", "pt", "tl", "vi", "ne"])
async def test_every_language_has_the_desk_texts(tmp_path, language: str) -> None:
    desk, _, _, _ = make(tmp_path)
    [(told_in, told)] = await desk.open("rest:x", language=language, topic=None, reason="handoff")
    assert told_in == language
    assert "#1" in told and "110" in told


async def test_a_photo_goes_to_every_room_as_a_photo_fetched_once(tmp_path) -> None:
    desk, rooms, _, _ = make(tmp_path)
    await desk.open("line:Up", language="vi", topic=None, reason="handoff")
    number = desk.open_ticket("line:Up").number
    photo = {"platform": "line", "kind": "photo", "message_id": "p1"}
    await desk.relay("line:Up", "", kind="image", media=photo)
    for room in rooms:
        assert room.posts[-2][0] == f"#{number}\n［写真］"
        assert room.posts[-1][0] == "<photo>"
        assert room.media[-1].data == b"\xff\xd8jpeg bytes"
    assert desk.fetch.fetched == ["p1"]  # one download for both rooms
    # the photo is kept with the ticket, served by its token, and a reply to it works
    [kept] = desk.store.messages(number)
    assert kept.kind == "photo"
    answer = await desk.from_consultant(GroupMessage("telegram", "A", "見ました", reply_to="m3"))
    assert answer is None
    assert desk.residents.sent[-1] == (
        "line:Up",
        desk.renderer.message("desk_consultant", "vi") + "\n見ました",
    )


async def test_a_photo_that_cannot_be_fetched_is_named_and_the_room_told(tmp_path) -> None:
    desk, rooms, _, _ = make(tmp_path)
    await desk.open("line:Uq", language="en", topic=None, reason="handoff")
    number = desk.open_ticket("line:Uq").number
    gone = {"platform": "line", "kind": "photo", "message_id": "expired"}
    await desk.relay("line:Uq", "my letter", media=gone)
    texts = [text for text, _ in rooms[0].posts[-2:]]
    assert texts[0] == f"#{number}\n［写真］my letter"
    assert "表示できませんでした" in texts[1]
    # a sticker is named, never fetched
    await desk.relay("line:Uq", "", kind="sticker", media={"platform": "line", "kind": "sticker"})
    assert rooms[0].posts[-1][0] == f"#{number}\n［スタンプ］"
    assert desk.fetch.fetched == ["expired"]


async def test_a_consultants_photo_reaches_the_resident_with_or_without_words(tmp_path) -> None:
    desk, _, residents, _ = make(tmp_path)
    await desk.open("telegram:77", language="pt", topic=None, reason="handoff")
    number = desk.open_ticket("telegram:77").number
    map_ = {"platform": "line", "kind": "photo", "message_id": "p1"}
    answer = await desk.from_consultant(GroupMessage("line", "B", f"/reply {number}", media=map_))
    assert answer is None
    assert residents.sent == [("telegram:77", desk.renderer.message("desk_consultant", "pt"))]
    assert residents.media[0][1].kind == "photo"
    assert desk.store.messages(number)[-1].kind == "photo"
    # without a photo, /reply still needs its words
    assert "使い方" in await desk.from_consultant(GroupMessage("line", "B", f"/reply {number}"))


async def test_closed_tickets_and_their_media_are_pruned_open_ones_stay(tmp_path) -> None:
    desk, _, _, clock = make(tmp_path)
    await desk.open("line:Uold", language="en", topic=None, reason="handoff")
    old = desk.open_ticket("line:Uold")
    await desk.relay(
        "line:Uold", "", media={"platform": "line", "kind": "photo", "message_id": "p1"}
    )
    await desk.close(old, "A")
    await desk.open("line:Unew", language="en", topic=None, reason="handoff")
    later = clock.at + dt.timedelta(days=40)
    assert desk.store.prune(30, at=later) == 1
    assert desk.store.get(old.number) is None and desk.store.messages(old.number) == []
    assert desk.open_ticket("line:Unew") is not None
    from bot.desk.schema import media

    with desk.store.engine.connect() as db:
        assert db.execute(media.select()).all() == []
