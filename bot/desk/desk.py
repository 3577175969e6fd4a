"""The desk: tickets opened for residents, cards and relays for the consultants, and the
consultants' commands. Platform-free: it reaches residents through a `Residents` sender
and consultants through `Room`s (a Telegram or LINE group), both given by the channels.

Resident side (called by a channel, for a conversation id such as `line:U...`):
- `open(...)`: opens the resident's ticket (or finds the open one), posts its card to every
  room, and returns what the resident is told: the ticket number, that a consultant will
  answer here, whether the center is open (profiles with opening hours; never "closed"
  without them), the 24-hour national line of a sensitive topic when it is closed.
- `relay(...)`: a message of a resident whose ticket is open goes to the rooms as `#<n>`;
  a photo or file goes too, as a photo or file (`Attachment`): copied as it is into a room
  of its own platform, fetched once and uploaded (or, in LINE, served from this server)
  elsewhere.

Consultant side (a message from a configured room only; anything else is never a command):
- the contract's commands: `/queue`, `/take <n>`, `/reply <n> <text>`, `/close <n>`;
- a reply to a card or a relayed message: `/reply` for that ticket (a photo or file sent
  that way reaches the resident as a photo or file);
- Take and Close buttons on the cards (payloads `/take <n>`, `/close <n>`).

What the consultants read is Japanese (the centers' working language); the resident's own
words are relayed as they were written, in their language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from bot.desk.commands import Command, CommandError, parse
from bot.desk.hours import JAPAN, OpeningHours
from bot.desk.tickets import CLOSED, WAITING, Media, Ticket, TicketStore, now
from bot.guidebook import Button, Renderer
from bot.languages import UNKNOWN, reply_languages

logger = logging.getLogger(__name__)

# Topics whose out-of-hours message adds a 24-hour or evening national line (facts.md).
NATIONAL_LINES = {
    "domestic_violence": "desk_line_domestic_violence",
    "labor_trouble": "desk_line_labor_trouble",
}
PRIORITY_MARK = {"urgent": "🚨 緊急", "high": "❗ 優先", "normal": "通常"}
STATUS_JA = {"waiting": "待ち", "assigned": "対応中", "closed": "終了"}
# What a photo or file is called in the consultants' groups.
KIND_JA = {
    "photo": "写真",
    "file": "ファイル",
    "video": "動画",
    "voice": "音声",
    "audio": "音声",
    "animation": "GIF",
    "sticker": "スタンプ",
    "location": "位置情報",
}
PLATFORM_JA = {"line": "LINE", "telegram": "Telegram"}
USAGE = {
    "take": "使い方: /take <番号>（例: /take 3）",
    "close": "使い方: /close <番号>（例: /close 3）",
    "reply": "使い方: /reply <番号> <本文>（例: /reply 3 こんにちは）",
}


@dataclass(frozen=True)
class Turn:
    """A line of the conversation before the ticket, for the card."""

    speaker: str  # resident, assistant
    text: str


@dataclass(frozen=True)
class GroupMessage:
    """A message a consultant wrote in a room."""

    room: str  # the room's name: telegram, line
    author: str  # a display name, or "" when the platform does not say who wrote
    text: str
    message_id: str = ""
    reply_to: str | None = None  # the room message it answers (a reply or a quote)
    thread: int | None = None  # a Telegram forum topic
    media: dict | None = None  # a photo or file sent with it (see Attachment)


Fetch = Callable[[dict], Awaitable["Media | None"]]


class Attachment:
    """A photo or file on its way to another chat. `ref` says where it is on its own
    platform (`platform`, `kind`, and what that platform needs to find it again); a chat
    of the same platform copies it from there, a chat of another platform asks `load()`
    for its bytes, fetched once and kept with the ticket (served to LINE by `token`)."""

    def __init__(self, ref: dict, ticket: int, fetch: Fetch, store: TicketStore) -> None:
        self.ref = ref
        self.ticket = ticket
        self._fetch = fetch
        self._store = store
        self._loaded: tuple[Media, str] | None = None
        self._tried = False

    @property
    def platform(self) -> str:
        return str(self.ref.get("platform") or "")

    @property
    def kind(self) -> str:
        return str(self.ref.get("kind") or "file")

    async def load(self) -> tuple[Media, str] | None:
        """The bytes and the token that serves them; None when they cannot be had."""
        if not self._tried:
            self._tried = True
            try:
                media = await self._fetch(self.ref)
            except Exception:  # noqa: BLE001 - the consultants are told it is missing
                logger.exception("desk: a %s could not be fetched", self.kind)
                media = None
            if media is not None:
                self._loaded = (media, self._store.keep_media(self.ticket, media))
        return self._loaded


class Waiting(Protocol):
    """A reply not delivered yet (bot.channels.outbox.Undelivered)."""

    channel: str
    conversation: str
    created_at: dt.datetime
    attempts: int


class Room(Protocol):
    """A consultants' group on one platform."""

    name: str
    chat: str

    async def post(
        self, text: str, buttons: tuple[Button, ...] = (), thread: int | None = None
    ) -> str | None:
        """Posts a message (in a forum topic when `thread` is given); returns its message
        id, None when it could not be posted."""

    async def open_thread(self, title: str) -> int | None:
        """A forum topic of its own for a ticket, where the group has topics; else None."""

    async def rename_thread(self, thread: int, title: str) -> None:
        """Gives a ticket's forum topic a new title (its language became known)."""

    async def send_media(
        self, attachment: Attachment, thread: int | None = None, caption: str = ""
    ) -> str | None:
        """Posts a resident's photo or file as a photo or file, marked with `caption`
        (its ticket, `#n`: a relay of another ticket may come between the `#n` line and
        the photo); its message id, None when it could not be posted."""


# conversation id, texts, a photo or file after them -> delivered
Residents = Callable[[str, list[str], "Attachment | None"], Awaitable[bool]]


def _minutes(since: dt.datetime, at: dt.datetime) -> int:
    return max(0, int((at - since).total_seconds() // 60))


class Desk:
    def __init__(
        self,
        store: TicketStore,
        renderer: Renderer,
        center: str,
        hours: OpeningHours,
        residents: Residents,
        rooms: list[Room],
        clock: Callable[[], dt.datetime] = now,
        on_close: Callable[[str], Awaitable[None]] | None = None,
        fetch: Fetch | None = None,
        undelivered: Callable[[], list[Waiting]] | None = None,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.center = center
        self.hours = hours
        self.residents = residents
        self.rooms = {room.name: room for room in rooms}
        self.clock = clock
        # called with the conversation id when a ticket closes (the assistant resumes)
        self.on_close = on_close
        # the bytes of a photo or file, from the platform it was sent on
        self.fetch = fetch or _nothing
        # replies to residents that their platform refused so far (the channels' outbox)
        self.undelivered = undelivered or list

    # -- residents ----------------------------------------------------------------------

    def open_ticket(self, conversation: str) -> Ticket | None:
        return self.store.open_for(conversation)

    async def open(
        self,
        conversation: str,
        *,
        language: str,
        topic: str | None,
        reason: str,
        recent: list[Turn] = (),
    ) -> list[Told]:
        """Opens (or finds) the resident's ticket; returns what the resident is told."""
        priority = (
            "urgent" if reason == "emergency" else ("high" if self._sensitive(topic) else "normal")
        )
        at = self.clock()
        ticket, created = self.store.open(
            conversation,
            center=self.center,
            language=language,
            topic=topic,
            priority=priority,
            reason=reason,
            at=at,
        )
        if created or reason == "emergency":
            await self.announce(ticket, list(recent))
        return self.opened_texts(ticket, at)

    def opened_texts(self, ticket: Ticket, at: dt.datetime) -> list[Told]:
        """What the resident is told of their ticket: one text per reply language."""
        return [
            Told(lang, self._opened_text(ticket, at, lang))
            for lang in reply_languages(ticket.language)
        ]

    def _opened_text(self, ticket: Ticket, at: dt.datetime, lang: str) -> str:
        texts = [self.renderer.message("desk_opened", lang, ticket=str(ticket.number))]
        is_open = self.hours.is_open(at.replace(tzinfo=dt.timezone.utc))
        if is_open is None:
            texts.append(self.renderer.message("desk_hours_unknown", lang))
        elif is_open:
            texts.append(self.renderer.message("desk_open_now", lang))
        else:
            opening = self.hours.next_opening(at.replace(tzinfo=dt.timezone.utc))
            texts.append(
                self.renderer.message("desk_closed_now", lang, opening=_when(opening, lang))
            )
            line = NATIONAL_LINES.get((ticket.topic or "").removeprefix("faq/"))
            if line:
                texts.append(self.renderer.message(line, lang))
        return "\n".join(texts)

    async def relay(
        self,
        conversation: str,
        text: str,
        kind: str = "text",
        urgent: bool = False,
        media: dict | None = None,
    ) -> Ticket | None:
        """Relays a resident's message to the rooms while their ticket is open; None when
        there is no open ticket (the assistant answers). A photo or file (`media`, see
        `Attachment`) follows its `#<n>` line as a photo or file."""
        ticket = self.store.open_for(conversation)
        if ticket is None:
            return None
        kind = media.get("kind", kind) if media else kind
        self.store.add_message(ticket.number, "resident", text, kind=kind, at=self.clock())
        head = f"#{ticket.number}" + (" 🚨 緊急（危険の可能性）" if urgent else "")
        body = text if kind == "text" else f"［{KIND_JA.get(kind, kind)}］{text}".strip()
        attachment = self.attachment(media, ticket) if media else None
        for room in self.rooms.values():
            thread = await self._thread(room, ticket)
            posted = await room.post(f"{head}\n{body}", thread=thread)
            sent = (
                await room.send_media(attachment, thread, caption=f"#{ticket.number}")
                if attachment
                else None
            )
            if attachment and sent is None:
                sent = await room.post(
                    f"#{ticket.number} ［{KIND_JA.get(kind, kind)}］をここに表示できませんでした。"
                    "必要なら相談者に内容を文字で聞いてください。",
                    thread=thread,
                )
            for message in (posted, sent):
                if message:
                    self.store.remember_post(ticket.number, room.name, room_chat(room), message)
        return ticket

    def attachment(self, media: dict, ticket: Ticket) -> Attachment | None:
        """A photo or file to pass on; None for what is only named (a sticker, a place)."""
        if media.get("kind") not in RELAYED_KINDS:
            return None
        return Attachment(media, ticket.number, self.fetch, self.store)

    async def learn_language(self, ticket: Ticket, language: str) -> Ticket:
        """The resident of a ticket opened in no language wrote clearly in `language` (or
        chose it on the menu): the desk writes to them in it from now on, and the rooms
        are told. A ticket that has a language keeps it."""
        if not self.store.set_language(ticket.number, language):
            return self.store.get(ticket.number)
        ticket = self.store.get(ticket.number)
        # a forum topic opened while the language was unknown is titled 未定: retitled
        if ticket.telegram_thread is not None:
            for room in self.rooms.values():
                if room.name == "telegram":
                    await room.rename_thread(ticket.telegram_thread, self._thread_title(ticket))
        text = f"#{ticket.number} 言語: {self._language_ja(language)}（相談者から判明）"
        await self._tell_rooms(ticket, text)
        return ticket

    async def alert(self, ticket: Ticket) -> None:
        """The resident's last message reads as danger now: the ticket becomes urgent, and
        every room is told (the resident already has 110/119)."""
        self.store.open(
            ticket.conversation,
            center=ticket.center,
            language=ticket.language,
            topic=ticket.topic,
            priority="urgent",
            reason="emergency",
        )
        text = f"#{ticket.number} 🚨 緊急（危険の可能性）: 相談者に110/119を案内しました。至急確認してください。"
        await self._tell_rooms(ticket, text)

    async def _tell_rooms(self, ticket: Ticket, text: str) -> None:
        """A line about the ticket in every room (in its forum topic on Telegram)."""
        for room in self.rooms.values():
            posted = await room.post(text, thread=await self._thread(room, ticket))
            if posted:
                self.store.remember_post(ticket.number, room.name, room_chat(room), posted)

    async def _thread(self, room: Room, ticket: Ticket) -> int | None:
        """The ticket's forum topic in a Telegram forum group, opened on first use."""
        if room.name != "telegram":
            return None
        current = self.store.get(ticket.number)
        if current.telegram_thread is not None:
            return current.telegram_thread
        thread = await room.open_thread(self._thread_title(ticket))
        if thread is not None:
            self.store.set_thread(ticket.number, thread)
        return thread

    def _thread_title(self, ticket: Ticket) -> str:
        """A ticket's forum topic title: its number, language and topic (128 at most)."""
        topic = self._topic_ja(ticket.topic) if ticket.topic else ""
        return f"#{ticket.number} {self._language_ja(ticket.language)} {topic}".strip()[:128]

    # -- consultants --------------------------------------------------------------------

    def card(self, ticket: Ticket, recent: list[Turn], at: dt.datetime) -> str:
        topic = ticket.topic.removeprefix("faq/") if ticket.topic else None
        about = f"{self._topic_ja(topic)} ({topic})" if topic else "（なし）"
        lines = [
            f"#{ticket.number}  {PRIORITY_MARK[ticket.priority]}  {STATUS_JA[ticket.status]}",
            f"言語: {self._language_ja(ticket.language)}  話題: {about}",
            f"待ち時間: {_minutes(ticket.opened_at, at)}分  センター: {self.center}",
        ]
        if recent:
            lines.append("― 直前のやりとり ―")
            for turn in recent[-4:]:
                who = "相談者" if turn.speaker == "resident" else "アシスタント"
                lines.append(f"{who}: {turn.text[:300]}")
        lines.append(f"返信: このメッセージに返信するか /reply {ticket.number} <本文>")
        return "\n".join(lines)

    async def announce(self, ticket: Ticket, recent: list[Turn]) -> None:
        """Posts the ticket's card, with Take and Close buttons, to every room."""
        text = self.card(ticket, recent, self.clock())
        buttons = (
            Button("担当する", f"/take {ticket.number}"),
            Button("終了", f"/close {ticket.number}"),
        )
        for room in self.rooms.values():
            posted = await room.post(text, buttons, thread=await self._thread(room, ticket))
            if posted:
                self.store.remember_post(ticket.number, room.name, room_chat(room), posted)
        self.store.announced(ticket.number, self.clock())

    async def from_consultant(self, message: GroupMessage) -> str | None:
        """Handles a consultant's message; returns what the desk answers in the room
        (None: an ordinary message among consultants, nothing to do)."""
        try:
            command = parse(message.text, with_media=message.media is not None)
        except CommandError as error:
            return USAGE[error.name]
        if command is None:
            ticket = self._ticket_of(message)
            if ticket is None:
                return None  # consultants talking among themselves
            command = Command("reply", ticket.number, message.text.strip())
        if command.name == "queue":
            return self.queue_text()
        ticket = self.store.get(command.number)
        if ticket is None:
            return f"#{command.number} はありません。"
        if command.name == "take":
            return self.take(ticket, message.author)
        if command.name == "close":
            return await self.close(ticket, message.author)
        return await self.reply(ticket, message.author, command.text, message.media)

    def _ticket_of(self, message: GroupMessage) -> Ticket | None:
        if message.reply_to:
            ticket = self.store.ticket_of_post(
                message.room, room_chat(self.rooms[message.room]), message.reply_to
            )
            if ticket is not None:
                return ticket
        if message.thread is not None:
            return self.store.by_thread(message.thread)
        return None

    def take(self, ticket: Ticket, consultant: str) -> str:
        who = consultant or "（名前不明の相談員）"
        if self.store.take(ticket.number, who, self.clock()):
            return f"#{ticket.number} は {who} さんが担当します。"
        current = self.store.get(ticket.number)
        if current.status == CLOSED:
            return f"#{ticket.number} は終了しています。"
        return f"#{ticket.number} はすでに {current.consultant} さんが担当しています。"

    async def reply(
        self, ticket: Ticket, consultant: str, text: str, media: dict | None = None
    ) -> str | None:
        """Sends a consultant's words (and photo or file) to the resident, signed as the
        center's consultant; what the room is told when it could not be delivered."""
        if not ticket.is_open:
            return f"#{ticket.number} は終了しているため、送れません。"
        if ticket.status == WAITING:
            self.store.take(ticket.number, consultant or "（名前不明の相談員）", self.clock())
        signed = self.resident_text("desk_consultant", ticket, sep="\n")
        signed += "\n" + text if text else ""
        attachment = self.attachment(media, ticket) if media else None
        kind = attachment.kind if attachment else "text"
        delivered = await self.residents(ticket.conversation, [signed], attachment)
        self.store.add_message(
            ticket.number,
            "consultant",
            text,
            kind=kind,
            author=consultant or None,
            delivered=delivered,
            at=self.clock(),
        )
        if not delivered:
            what = f"［{KIND_JA.get(kind, kind)}］" if attachment else ""
            return f"#{ticket.number}: {what}相談者に届きませんでした（再送しても失敗）。"
        return None

    async def close(self, ticket: Ticket, consultant: str, by_resident: bool = False) -> str:
        if not self.store.close(ticket.number, consultant or "resident", self.clock()):
            return f"#{ticket.number} はすでに終了しています。"
        if self.on_close is not None:
            await self.on_close(ticket.conversation)
        key = "desk_ended_by_resident" if by_resident else "desk_closed"
        await self.residents(
            ticket.conversation,
            [self.resident_text(key, ticket)],
            None,
        )
        return f"#{ticket.number} を終了しました。アシスタントが応答を再開します。"

    def queue_text(self) -> str:
        tickets = self.store.queue()
        at = self.clock()
        lines = ["相談一覧（優先度・待ち時間順）"] if tickets else ["待っている相談はありません。"]
        for t in tickets:
            who = f" 担当: {t.consultant}" if t.consultant else ""
            lines.append(
                f"#{t.number} {PRIORITY_MARK[t.priority]} {STATUS_JA[t.status]} "
                f"{self._language_ja(t.language)} {self._topic_ja(t.topic) if t.topic else ''} "
                f"{_minutes(t.opened_at, at)}分{who}"
            )
        return "\n".join(lines + self._undelivered_lines(at))

    def _undelivered_lines(self, at: dt.datetime) -> list[str]:
        """The replies that have not reached their residents yet, for `/queue`: the
        assistant sends them again by itself; a consultant may call the resident."""
        try:
            waiting = self.undelivered()
        except Exception:  # noqa: BLE001 - the queue is still shown
            logger.exception("desk: the undelivered replies could not be read")
            return ["", "未配信の返信: 確認できません（データベースに接続できません）"]
        if not waiting:
            return []
        lines = ["", f"未配信の返信 {len(waiting)}件（自動で再送中）"]
        for item in waiting[:10]:
            ticket = self.store.open_for(item.conversation)
            who = f"#{ticket.number}" if ticket else "相談なし"
            lines.append(
                f"{who} {PLATFORM_JA.get(item.channel, item.channel)} "
                f"{_minutes(item.created_at, at)}分前から {item.attempts}回再送"
            )
        if len(waiting) > 10:
            lines.append(f"ほか {len(waiting) - 10}件")
        return lines

    async def remind(self, after: dt.timedelta) -> int:
        """Announces again the tickets nobody took within `after` (not while the center
        is closed: nobody is there to take them); their residents are given the center's
        phone, once a ticket. With several instances, each reminder is claimed by one.
        Returns how many were announced."""
        at = self.clock()
        if self.hours.is_open(at.replace(tzinfo=dt.timezone.utc)) is False:
            return 0
        unseen = [
            t
            for t in self.store.unseen(after, at)
            if self.store.claim_reminder(t.number, after, at)
        ]
        for ticket in unseen:  # each claimed by this instance alone
            await self.announce(ticket, [])
            if any(m.kind == "reminder" for m in self.store.messages(ticket.number)):
                continue
            text = self.resident_text("desk_still_waiting", ticket)
            delivered = await self.residents(ticket.conversation, [text], None)
            self.store.add_message(
                ticket.number, "assistant", text, kind="reminder", delivered=delivered, at=at
            )
        return len(unseen)

    def _sensitive(self, topic: str | None) -> bool:
        """A topic that offers a consultant (topics.yml `escalate: offer`)."""
        found = self.renderer.guidebook.topics.get((topic or "").removeprefix("faq/"))
        return bool(found and found.escalate)

    def _topic_ja(self, topic: str | None) -> str:
        topic = (topic or "").removeprefix("faq/")
        return self.renderer.guidebook.answers["ja"].get(topic, {}).get("title", topic)

    def resident_text(self, key: str, ticket: Ticket, sep: str = "\n\n") -> str:
        """A message of the guidebook to the ticket's resident, in the ticket's language, or
        in English and Easy Japanese while it is not decided or not answered yet."""
        return sep.join(
            self.renderer.message(key, lang, ticket=str(ticket.number))
            for lang in reply_languages(ticket.language)
        )

    def _language_ja(self, code: str) -> str:
        if code == UNKNOWN:
            return "未定（英語とやさしい日本語で案内）"
        return self.renderer.guidebook.messages["ja"]["language_names"].get(code, code)


class Told(NamedTuple):
    """One text to the resident, and the language it is written in (its buttons' too)."""

    language: str
    text: str


# Photos and files passed on as photos and files; stickers and places are only named.
RELAYED_KINDS = ("photo", "file", "video", "voice", "audio", "animation")


async def _nothing(ref: dict) -> Media | None:
    return None


def room_chat(room: Room) -> str:
    return str(getattr(room, "chat", room.name))


def _when(at: dt.datetime | None, language: str) -> str:
    """When the center opens, Japan time, written year-month-day (12/08 is the 8th of
    December to some readers and the 12th of August to others)."""
    if at is None:
        return ""
    return at.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M")
