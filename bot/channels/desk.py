"""The channels' side of the consultant desk: bot/desk/ decides, this module connects it.

- `LINK.desk`: the server's one `Desk` (when DeskSettings is on), with a room for every
  consultants' group whose channel is on, a resident sender that delivers on the
  resident's own channel (a LINE resident can be served from the Telegram group), and
  the fetcher of photos and files from the platform they were sent on.
- `LINK.open(...)`: an action asked for a ticket (a `{"desk": ...}` custom message):
  the ticket opens, the resident is told its number, and the conversation is paused in
  Rasa (its messages are still recorded; no action runs).
- `LINK.during_ticket(...)`: a resident's message while the ticket is open: recorded in
  Rasa, relayed to the consultants; an emergency still gets 110/119 at once and is posted
  as urgent. The end button closes the ticket. A session that expired, or a `/restart`,
  would lift the pause: the pause is put back, and what Rasa said is not sent. A text
  starting with `/` is recorded with a space in front, so Rasa does not read it as an
  intent.
- `LINK.set_paused(...)`: Rasa's ConversationPaused / ConversationResumed events, under
  the conversation's lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ConversationPaused, ConversationResumed, SlotSet

from bot.channels.notices import renderer
from bot.channels.outbox import OutboxStore
from bot.conversations import platform_id
from bot.desk.desk import Attachment, Desk, Told, Turn
from bot.desk.hours import OpeningHours
from bot.desk.tickets import Media, TicketStore
from bot.guidebook.render import payload_language
from bot.languages import UNKNOWN, reply_language
from bot.settings import DeskSettings, Settings

logger = logging.getLogger(__name__)

END_PAYLOAD = "/end_consultation"
RECENT_TURNS = 6


class DeskLink:
    def __init__(self) -> None:
        self.channels: dict[str, Any] = {}  # name -> WebhookChannel
        self.app: Any = None
        self._desk: Desk | None = None
        self._built = False
        self._reminder: asyncio.Task | None = None

    def register(self, channel: Any) -> None:
        self.channels[channel.name()] = channel
        self._built = False

    @property
    def desk(self) -> Desk | None:
        if not self._built:
            self._desk = self._build()
            self._built = True
        return self._desk

    def _build(self) -> Desk | None:
        settings = DeskSettings.from_env()
        if not settings.on:
            return None
        rooms = [room for ch in self.channels.values() if (room := ch.room(settings))]
        if not rooms:
            logger.warning("desk: a consultants' group is set but its channel is off")
            return None
        common = Settings.from_env()
        guidebook = renderer().guidebook
        return Desk(
            TicketStore(common.database_url),
            renderer(),
            common.center,
            OpeningHours.from_profile(guidebook.center),
            self.send_to_resident,
            rooms,
            on_close=self.resume,
            fetch=self.fetch,
            undelivered=OutboxStore(common.database_url).pending,
        )

    async def send_to_resident(
        self, conversation: str, texts: list[str], attachment: Attachment | None = None
    ) -> bool:
        """Texts, then a photo or file, on the resident's own channel; True when all of
        it was delivered."""
        channel, pid = platform_id(conversation)
        target = self.channels.get(channel)
        if target is None or target.settings is None:
            logger.error("desk: no %s channel to reach a resident", channel)
            return False
        delivered = await target.send_texts(pid, texts)
        if attachment is not None:
            delivered = await target.send_attachment(pid, attachment) and delivered
        return delivered

    async def fetch(self, ref: dict[str, Any]) -> Media | None:
        """A photo's or file's bytes, from the channel of the platform it was sent on."""
        source = self.channels.get(str(ref.get("platform")))
        if source is None or source.settings is None:
            return None
        return await source.fetch_media(ref)

    def start(self, app: Any) -> None:
        """At server start (each channel calls it; once is enough): the Rasa app, and the
        loop that announces again the tickets nobody took."""
        self.app = app
        if self._reminder is None and self.desk is not None:
            self._reminder = asyncio.create_task(self._remind_forever())

    async def stop(self) -> None:
        if self._reminder is not None:
            self._reminder.cancel()
            self._reminder = None

    async def _remind_forever(self) -> None:
        after = dt.timedelta(minutes=DeskSettings.from_env().reminder_minutes)
        every = min(60.0, after.total_seconds() / 4)
        while True:
            await asyncio.sleep(every)
            try:
                await self.desk.remind(after)
            except Exception:  # noqa: BLE001 - the next round tries again
                logger.exception("desk: reminders failed")

    # -- Rasa ---------------------------------------------------------------------------

    @property
    def agent(self) -> Any:
        return getattr(self.app.ctx, "agent", None) if self.app is not None else None

    async def tracker(self, conversation: str) -> Any:
        agent = self.agent
        return await agent.tracker_store.retrieve(conversation) if agent else None

    async def resume(self, conversation: str) -> None:
        await self.set_paused(conversation, False)

    async def set_paused(self, conversation: str, paused: bool) -> None:
        agent = self.agent
        if agent is None:
            return
        async with agent.lock_store.lock(conversation):
            tracker = await agent.tracker_store.retrieve(conversation)
            if tracker is None or tracker.is_paused() == paused:
                return
            tracker.update(ConversationPaused() if paused else ConversationResumed())
            await agent.tracker_store.save(tracker)

    async def remember_language(self, conversation: str, language: str) -> None:
        """The conversation's `language` slot, set while no action can set it (paused),
        unless the conversation has one already."""
        agent = self.agent
        if agent is None:
            return
        async with agent.lock_store.lock(conversation):
            tracker = await agent.tracker_store.retrieve(conversation)
            if tracker is None or tracker.get_slot("language"):
                return
            tracker.update(SlotSet("language", language))
            await agent.tracker_store.save(tracker)

    async def recent(self, conversation: str) -> list[Turn]:
        """The conversation's last turns, for the card."""
        tracker = await self.tracker(conversation)
        if tracker is None:
            return []
        turns: list[Turn] = []
        for event in tracker.events:
            name = getattr(event, "type_name", "")
            text = getattr(event, "text", None)
            if name == "user" and text and not text.startswith("/"):
                turns.append(Turn("resident", text))
            elif name == "bot" and text:
                turns.append(Turn("assistant", text.split("\n")[0]))
        return turns[-RECENT_TURNS:]

    # -- residents ----------------------------------------------------------------------

    async def open(self, message: UserMessage, ask: dict[str, Any], language: str) -> list[Told]:
        """Opens the ticket an action asked for; returns what the resident is told (in
        `language`: the conversation's, or the channel's best guess)."""
        desk = self.desk
        turns = await self.recent(message.sender_id)
        topic = ask.get("topic")
        texts = await desk.open(
            message.sender_id,
            language=language,
            topic=f"faq/{topic}" if topic and not topic.startswith("faq/") else topic,
            reason=str(ask.get("reason") or "handoff"),
            recent=turns,
        )
        await self.set_paused(message.sender_id, True)
        return texts

    async def during_ticket(self, message: UserMessage, on_new_message: Any) -> list[str]:
        """A resident's message while their ticket is open; returns what the resident is
        told at once (nothing, unless it is an emergency or the end of the ticket)."""
        desk = self.desk
        conversation = message.sender_id
        ticket = desk.open_ticket(conversation)
        text = message.text or ""
        if text.strip() == END_PAYLOAD:
            await desk.close(ticket, "", by_resident=True)  # resumes the conversation
            return []
        # the consultants first: the relay does not wait for the model
        kind = (message.metadata or {}).get("message_type") or "text"
        await desk.relay(conversation, text, kind=kind, media=(message.metadata or {}).get("media"))
        recorded = " " + text if text.lstrip().startswith("/") else text
        await on_new_message(
            UserMessage(
                recorded,
                message.output_channel,
                conversation,
                input_channel=message.input_channel,
                message_id=message.message_id,
                metadata=message.metadata,
            )
        )
        tracker = await self.tracker(conversation)
        if tracker is not None and not tracker.is_paused():  # a new session lifted it
            await self.set_paused(conversation, True)
        if ticket.language == UNKNOWN:
            # Opened before the language was decided: a clear message or a tap on the
            # language menu decides it now, for the desk and for the conversation (paused,
            # it runs no action that would set the slot). Other commands and button
            # payloads say nothing about it (they reach Rasa as text, after a space).
            if text.lstrip().startswith("/"):
                learnt = payload_language(text)
            else:
                learnt = (
                    reply_language(None, tracker.latest_message.parse_data) if tracker else None
                )
            if learnt:
                ticket = await desk.learn_language(ticket, learnt)
                await self.remember_language(conversation, learnt)
        intent = ((tracker.latest_message.intent if tracker else None) or {}).get("name")
        if intent != "emergency":
            return []
        await desk.alert(ticket)
        return [desk.resident_text("emergency", ticket)]


LINK = DeskLink()
