"""The Telegram channel: residents write to the center's Telegram bot.

Webhook: `POST /webhooks/telegram/webhook` (health: `GET /webhooks/telegram/`), built on
python-telegram-bot (not Rasa's aiogram channel).

1. The X-Telegram-Bot-Api-Secret-Token header must equal TELEGRAM_WEBHOOK_SECRET
   (constant-time comparison) on every update: missing or wrong 403, nothing processed.
   The body must be JSON (415 otherwise) and an update (400 otherwise).
2. Each update is kept in DATABASE_URL under its `update_id` (bot.channels.intake)
   before Telegram gets its 200, then handed to the `Inbox`, which keeps each chat's
   order; a duplicate, to this instance or another, is dropped by the database. If the
   database cannot keep it, Telegram gets 503 and sends it again. An update a killed
   process did not finish is picked up again when its claim runs out.
3. Private chats only: text (commands /start /lang /help /human included) and button taps
   (callback queries, answered at once) go to Rasa as the resident's words; a caption
   counts as text; stickers, photos, voice, video, files, locations and the like go with
   an empty text and `metadata.message_type`, so the assistant says it reads text only.
4. The turn's messages are sent in order, cut at 4,096 characters, buttons as inline
   keyboards, plain text (no Markdown to break), retried with jittered backoff on network
   errors, 5xx and 429 (waiting as long as Telegram asks) until PLATFORM_RETRY_SECONDS;
   every other Telegram error is final; each undelivered message is logged and counted.
   When the assistant fails or says nothing, the resident gets an apology
   (bot.channels.notices).

While a resident's ticket is open (bot/channels/desk.py), a photo, video, voice message or
file they send goes to the consultants as it is: copied into the Telegram group
(copyMessage), or downloaded (getFile, at most 20 MB) for the LINE group. A consultant's
photo or file in the Telegram group, as a reply to a card or relay, in the ticket's forum
topic or captioned `/reply <n>`, reaches the resident the same way.

The user's Telegram `language_code` is sent as `metadata.language_hint`; the assistant
uses it only while the conversation has no language yet (`bot.languages.next_language`).
Configuration comes from the environment only (bot.settings.TelegramSettings).

`make telegram-webhook` runs this module to register the webhook URL and secret:
    python -m bot.channels.telegram set-webhook --url https://assistant.example.org
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.channels.base import (
    FIRST_WAIT,
    Choice,
    Outgoing,
    WebhookChannel,
    read_json,
    retrying,
    same_secret,
    split_text,
    tag,
    webhook_tool,
)
from bot.channels.desk import LINK
from bot.channels.window import window
from bot.conversations import conversation_id
from bot.desk.desk import Attachment, GroupMessage
from bot.desk.tickets import MEDIA_BYTES, Media
from bot.languages import from_locale
from bot.settings import DeskSettings, TelegramSettings

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and Telegram's URLs hold the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)

TEXT_LIMIT = 4096  # characters in one message
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback data
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
# Message parts that are not text: the assistant says it can only read text.
NON_TEXT = (
    "sticker",
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)
# Telegram's message parts as the desk names them: (kind, default file name, type).
MEDIA_KINDS = {
    "photo": ("photo", "photo.jpg", "image/jpeg"),
    "document": ("file", "file", "application/octet-stream"),
    "video": ("video", "video.mp4", "video/mp4"),
    "video_note": ("video", "video.mp4", "video/mp4"),
    "animation": ("animation", "animation.mp4", "video/mp4"),
    "voice": ("voice", "voice.ogg", "audio/ogg"),
    "audio": ("audio", "audio.mp3", "audio/mpeg"),
}
PHOTO_BYTES = 10 * 1024 * 1024  # the largest photo sendPhoto takes; larger ones go as files


@dataclass(frozen=True)
class Job:
    """One update to hand to the assistant (or, `group`, to the desk), and where to
    answer it."""

    chat_id: int
    text: str
    message_type: str
    language_hint: str | None
    update_id: int
    group: bool = False  # from the consultants' group
    author: str = ""
    message_id: int | None = None
    reply_to: int | None = None
    thread: int | None = None
    media: dict[str, Any] | None = None  # a photo, file, voice... (see desk Attachment)
    intake: int | None = None  # the kept update (bot.channels.intake)


class TelegramRoom:
    """The consultants' Telegram group (bot.desk.desk.Room). Telegram lets a bot send about
    20 messages a minute to a group: past DESK_TELEGRAM_RATE, messages wait their turn
    (bot.channels.window: shared by every instance through REDIS_URL), in order; none is
    dropped."""

    name = "telegram"

    def __init__(
        self, channel: TelegramInput, chat_id: int, rate: tuple[int, float] = (20, 60.0)
    ) -> None:
        self.channel = channel
        self.chat_id = chat_id
        self.chat = str(chat_id)
        self.limiter = window(f"telegram:{chat_id}", *rate)
        self._order = asyncio.Lock()  # one message after the other, in the order posted
        self._forum: bool | None = None

    async def send_media(
        self, attachment: Attachment, thread: int | None = None, caption: str = ""
    ) -> str | None:
        """A resident's photo or file, captioned with its ticket (`#n`): a Telegram one
        copied as it is (copyMessage: no "forwarded from" with the resident's name),
        another platform's fetched first (outside the turn: a slow fetch holds up no other
        message of the group), then uploaded."""
        if attachment.platform != "telegram":
            await attachment.load()
        async with self._order, self.limiter:
            sent = await self.channel.send_attachment_to(self.chat_id, attachment, thread, caption)
        return str(sent) if sent else None

    async def open_thread(self, title: str) -> int | None:
        """In a forum group (a supergroup with topics), a topic of its own for a ticket:
        the card, the relays and everything consultants write there belong to it."""
        if self._forum is None:
            self._forum = await self.channel.courier.run(self.channel.api.is_forum(self.chat_id))
        if not self._forum:
            return None
        async with self.limiter:
            return await self.channel.courier.run(
                self.channel.api.create_topic(self.chat_id, title)
            )

    async def rename_thread(self, thread: int, title: str) -> None:
        async with self.limiter:
            await self.channel.courier.run(
                self.channel.api.rename_topic(self.chat_id, thread, title)
            )

    async def post(self, text: str, buttons: tuple = (), thread: int | None = None) -> str | None:
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.title, callback_data=b.payload) for b in buttons]]
            )
            if buttons
            else None
        )
        pieces = split_text(text, TEXT_LIMIT) or ["…"]
        sent = None
        async with self._order:
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                async with self.limiter:
                    sent = await self.channel.courier.run(
                        self.channel.api.send(self.chat_id, piece, markup if last else None, thread)
                    )
        return str(sent) if sent else None


def keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard: one per row, two per row when all titles are short."""
    buttons = [
        InlineKeyboardButton(choice.title, callback_data=choice.payload)
        for choice in choices
        if len(choice.payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT
    ]
    if not buttons:
        return None
    width = 2 if len(buttons) > 4 and all(len(b.text) <= 14 for b in buttons) else 1
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])


def render(messages: list[Outgoing]) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The turn as Telegram messages: texts within the limit, each message's buttons under
    its last part."""
    rendered: list[tuple[str, InlineKeyboardMarkup | None]] = []
    for message in messages:
        pieces = split_text(message.text, TEXT_LIMIT) or ["…"]
        rendered.extend((piece, None) for piece in pieces[:-1])
        rendered.append((pieces[-1], keyboard(message.choices)))
    return rendered


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _retryable(error: BaseException) -> bool:
    """Network errors, timeouts and 5xx (NetworkError), 429 (RetryAfter), and a group that
    became a supergroup (ChatMigrated: sent again at once to its new id). Any other
    TelegramError (BadRequest, Forbidden, InvalidToken, Conflict...) is final."""
    return isinstance(error, (NetworkError, RetryAfter, ChatMigrated)) and not isinstance(
        error, (BadRequest, Forbidden, InvalidToken, Conflict)
    )


def _rate_limited(error: BaseException) -> bool:
    """429: Telegram did nothing and says when to come back."""
    return isinstance(error, RetryAfter)


def _wait_asked(error: BaseException) -> float | None:
    if isinstance(error, RetryAfter):
        return min(_seconds(error.retry_after), 60.0)
    if isinstance(error, ChatMigrated):
        return 0.0
    return None


class TelegramApi:
    """The Bot API calls the channel makes, with Telegram's rules for retrying them.

    Telegram has no idempotency key for sendMessage. A send that timed out after the
    request went out may have arrived; it is retried all the same, because a resident who
    sees an answer twice is better off than one who never gets it (LINE pushes, which have
    a retry key, are never doubled)."""

    def __init__(self, settings: TelegramSettings, first_wait: float = FIRST_WAIT):
        self.settings = settings
        self.first_wait = first_wait
        self.undelivered = 0
        # Groups that became supergroups: old chat id -> new chat id.
        self.migrated: dict[int, int] = {}
        self._request = HTTPXRequest(
            connection_pool_size=64,
            connect_timeout=settings.timeout,
            read_timeout=settings.timeout,
            write_timeout=settings.timeout,
            pool_timeout=settings.timeout,
        )
        self.bot = Bot(
            settings.bot_token.get_secret_value(),
            base_url=f"{settings.api_base_url}/bot",
            base_file_url=f"{settings.api_base_url}/file/bot",
            request=self._request,
        )

    def _describe(self, error: BaseException) -> str:
        """What went wrong, never with the token (httpx errors may quote the URL)."""
        return f"{type(error).__name__}: {error}".replace(
            self.settings.bot_token.get_secret_value(), "<token>"
        )

    async def close(self) -> None:
        await self._request.shutdown()

    async def copy(
        self,
        chat_id: int,
        from_chat: int,
        message_id: int,
        thread: int | None = None,
        caption: str = "",
    ) -> int | None:
        """Copies a message into a chat with a caption of ours (the original's would go
        with it: a consultant's "/reply 3 ..." to the resident); the copy's id, None when
        Telegram refuses."""
        try:
            copied = await self.bot.copy_message(
                self.migrated.get(chat_id, chat_id),
                from_chat,
                message_id,
                caption=caption,
                message_thread_id=thread,
            )
        except TelegramError as error:
            logger.warning("telegram: a resident's file was not copied (%s)", self._describe(error))
            return None
        return copied.message_id

    async def download(self, file_id: str) -> bytes | None:
        """A file's bytes (getFile, then the download); None when Telegram refuses (a
        bot may download 20 MB at most) or cannot be reached."""
        try:
            found = await self.bot.get_file(file_id)
            if (found.file_size or 0) > MEDIA_BYTES:
                return None
            return bytes(await found.download_as_bytearray())
        except TelegramError as error:
            logger.warning("telegram: a file could not be downloaded (%s)", self._describe(error))
            return None

    async def send_file(
        self, chat_id: int, media: Media, thread: int | None = None, caption: str = ""
    ) -> int | None:
        """Uploads a photo (sendPhoto) or any other file (sendDocument), retried as
        `send` is; the new message's id, None when it could not be delivered."""
        photo = media.is_image and len(media.data) <= PHOTO_BYTES
        attempts = retrying(self.settings.retry_seconds, _retryable, self.first_wait, _wait_asked)
        try:
            async for attempt in attempts:
                with attempt:
                    to = self.migrated.get(chat_id, chat_id)
                    upload = InputFile(media.data, filename=media.filename or None)
                    send = self.bot.send_photo if photo else self.bot.send_document
                    try:
                        sent = await send(
                            to, upload, caption=caption or None, message_thread_id=thread
                        )
                    except ChatMigrated as error:  # as `_send_once`: the supergroup's new id
                        self.migrated[chat_id] = int(error.new_chat_id)
                        raise
            return sent.message_id
        except Exception as error:  # noqa: BLE001 - every error ends here: counted, logged
            last = self._describe(error)
        self.undelivered += 1
        logger.error("telegram: could not deliver a file to chat %s (%s)", tag(str(chat_id)), last)
        return None

    async def is_forum(self, chat_id: int) -> bool:
        """Whether a group has topics; False when Telegram cannot say (plain-group mode)."""
        try:
            chat = await self.bot.get_chat(chat_id)
        except Exception as error:  # noqa: BLE001 - an answer it cannot read: no topics
            logger.warning(
                "telegram: cannot read the consultants' group (%s)", self._describe(error)
            )
            return False
        return bool(chat.is_forum)

    async def create_topic(self, chat_id: int, title: str) -> int | None:
        """A new forum topic; None when Telegram refuses (the bot needs the right to
        manage topics): the ticket is then served in the General topic. Tried again only
        when Telegram asked to wait (429 creates nothing), not after a timeout, which may
        have opened the topic: a second one would split the ticket."""
        attempts = retrying(
            self.settings.retry_seconds, _rate_limited, self.first_wait, _wait_asked
        )
        try:
            async for attempt in attempts:
                with attempt:
                    topic = await self.bot.create_forum_topic(chat_id, title)
        except TelegramError as error:
            logger.warning("telegram: no forum topic for a ticket (%s)", self._describe(error))
            return None
        return topic.message_thread_id

    async def rename_topic(self, chat_id: int, thread: int, title: str) -> None:
        """A topic's new title, retried as `send` is (a title set twice is one title);
        when Telegram refuses, the topic keeps its old one (the rooms are told the news
        in it all the same)."""
        attempts = retrying(self.settings.retry_seconds, _retryable, self.first_wait, _wait_asked)
        try:
            async for attempt in attempts:
                with attempt:
                    await self.bot.edit_forum_topic(chat_id, thread, name=title)
        except TelegramError as error:
            # "not modified": an attempt that timed out had renamed the topic already
            if "TOPIC_NOT_MODIFIED" not in str(error).upper():
                logger.warning(
                    "telegram: a ticket's topic kept its title (%s)", self._describe(error)
                )

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stops the button's spinner; a failure here costs nothing but the spinner."""
        try:
            await self.bot.answer_callback_query(callback_query_id)
        except Exception as error:  # noqa: BLE001
            logger.info("telegram: callback query not answered (%s)", self._describe(error))

    async def send_all(
        self, chat_id: int, parts: list[tuple[str, InlineKeyboardMarkup | None]]
    ) -> list[tuple[str, InlineKeyboardMarkup | None]]:
        """Sends a turn's messages in order; returns those Telegram refused."""
        return [part for part in parts if await self.send(chat_id, *part) is None]

    async def send(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        thread: int | None = None,
    ) -> int | None:
        """Sends one message (see `_retryable` for what is retried, until
        PLATFORM_RETRY_SECONDS); its message id when Telegram took it, None when not. A
        failure is logged and counted, never raised."""
        attempts = retrying(self.settings.retry_seconds, _retryable, self.first_wait, _wait_asked)
        try:
            async for attempt in attempts:
                with attempt:
                    sent = await self._send_once(
                        chat_id, text, markup, attempt.retry_state.attempt_number, thread
                    )
            return sent.message_id
        except Exception as error:  # noqa: BLE001 - every error ends here: counted, logged
            last = self._describe(error)
        self.undelivered += 1
        logger.error(
            "telegram: could not deliver a message to chat %s (%s)", tag(str(chat_id)), last
        )
        return None

    async def _send_once(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        attempt: int,
        thread: int | None = None,
    ) -> Message:
        to = self.migrated.get(chat_id, chat_id)
        try:
            return await self.bot.send_message(
                chat_id=to,
                text=text,
                reply_markup=markup,
                message_thread_id=thread,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except ChatMigrated as error:  # the group is a supergroup now, with a new id
            logger.info("telegram: chat %s moved to a supergroup", tag(str(to)))
            self.migrated[chat_id] = int(error.new_chat_id)
            raise
        except TelegramError as error:
            if _retryable(error):
                logger.warning(
                    "telegram: send to chat %s failed (%s), attempt %d",
                    tag(str(to)),
                    self._describe(error),
                    attempt,
                )
            raise


class TelegramInput(WebhookChannel[Job]):
    """Telegram Bot API webhook, as a Rasa input channel."""

    settings_class = TelegramSettings
    api_class = TelegramApi
    PARTY = "chat"

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @property
    def consultants(self) -> int | None:
        """The consultants' group chat id (CONSULTANT_TELEGRAM_CHAT_ID), if any."""
        return self.desk_settings.telegram_chat_id if self.settings else None

    def room(self, desk: DeskSettings) -> TelegramRoom | None:
        if self.settings is None or desk.telegram_chat_id is None:
            return None
        return TelegramRoom(self, desk.telegram_chat_id, desk.telegram_rate)

    async def send_texts(self, platform_id: str, texts: list[str]) -> bool:
        """A consultant's reply or the desk's notice; what Telegram refuses is kept in the
        outbox. True when all was delivered."""
        parts = render([Outgoing(t) for t in texts])
        left = await self.courier.run(self.api.send_all(int(platform_id), parts))
        self.keep_undelivered(conversation_id(self.name(), platform_id), _parts(left))
        return not left

    async def resend(self, platform_id: str, parts: list[Any]) -> list[Any]:
        rendered = [
            (
                str(part["text"]),
                InlineKeyboardMarkup.de_json(part["markup"], None) if part.get("markup") else None,
            )
            for part in parts
        ]
        return _parts(await self.courier.run(self.api.send_all(int(platform_id), rendered)))

    async def fetch_media(self, ref: dict[str, Any]) -> Media | None:
        """The bytes of a photo or file sent on Telegram (for a LINE chat)."""
        if not ref.get("file_id"):
            return None
        data = await self.courier.run(self.api.download(str(ref["file_id"])))
        if data is None:
            return None
        return Media(
            str(ref.get("kind") or "file"),
            data,
            str(ref.get("mime") or "application/octet-stream"),
            str(ref.get("filename") or "file"),
        )

    async def send_attachment_to(
        self, chat_id: int, attachment: Attachment, thread: int | None = None, caption: str = ""
    ) -> int | None:
        """A photo or file into a Telegram chat, with `caption` (none: no caption): copied
        when it is on Telegram already, else uploaded; the message id, None when it could
        not be delivered."""
        ref = attachment.ref
        if attachment.platform == "telegram" and ref.get("chat") and ref.get("message_id"):
            return await self.courier.run(
                self.api.copy(chat_id, int(ref["chat"]), int(ref["message_id"]), thread, caption)
            )
        loaded = await attachment.load()
        if loaded is None:
            return None
        return await self.courier.run(self.api.send_file(chat_id, loaded[0], thread, caption))

    async def send_attachment(self, platform_id: str, attachment: Attachment) -> bool:
        """A consultant's photo or file, to a Telegram resident."""
        return await self.send_attachment_to(int(platform_id), attachment) is not None

    async def handle_group(self, job: Job) -> None:
        desk = LINK.desk
        if desk is None:
            return
        answer = await desk.from_consultant(
            GroupMessage(
                "telegram",
                job.author,
                job.text,
                str(job.message_id or ""),
                str(job.reply_to) if job.reply_to else None,
                job.thread,
                job.media,
            )
        )
        if answer:
            await desk.rooms["telegram"].post(answer, thread=job.thread)

    def accept_call(self, request: Request) -> HTTPResponse:
        """Checks one update and queues it; it is handled afterwards."""
        secret = request.headers.get(SECRET_HEADER) or ""
        if not same_secret(secret, self.settings.webhook_secret.get_secret_value()):
            logger.warning("telegram: rejected an update with a missing or wrong secret token")
            return response.json({"error": "forbidden"}, status=403)
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return response.json({"error": "the body must be application/json"}, status=415)
        try:
            data = read_json(request.body or b"")
            update_id = int(data["update_id"])
            update = Update.de_json(data, self.api.bot)
            job = self.job_for(update)
        # OverflowError, OSError: a date or an update_id no clock or int can hold
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError, OSError):
            logger.warning("telegram: rejected a body that is not an update")
            return response.json({"error": "the body is not a Telegram update"}, status=400)
        if job is not None and not self.take(str(update_id), data):
            return response.json({"error": "try again later"}, status=503)
        if update.callback_query is not None:  # stops the button's spinner, right away
            self.courier.send(self.api.answer_callback(update.callback_query.id))
        return response.json({})

    def job_from(self, data: dict[str, Any]) -> tuple[str, Job] | None:
        """The conversation and job of an update (its JSON, as kept)."""
        job = self.job_for(Update.de_json(data, self.api.bot))
        if job is None:
            return None
        return ("consultants" if job.group else str(job.chat_id), job)

    def job_for(self, update: Update) -> Job | None:
        """What the assistant is told about an update; None for updates it has no part in."""
        user = update.effective_user
        hint = from_locale(user.language_code) if user else None
        query = update.callback_query
        if query is not None:
            chat = query.message.chat if query.message else None
            chat_id = _typed(chat.id if chat else query.from_user.id, int, "chat id", required=True)
            data = _typed(query.data, str, "callback data")
            if chat is not None and chat_id == self.consultants:  # a card's button
                return Job(
                    chat_id,
                    data or "",
                    "text",
                    None,
                    update.update_id,
                    group=True,
                    author=_author(query.from_user),
                )
            if chat is not None and chat.type != "private":
                return None
            return Job(chat_id, data or "", "text", hint, update.update_id)
        if update.my_chat_member is not None:
            status = update.my_chat_member.new_chat_member.status
            if status in ("kicked", "left"):
                logger.info(
                    "telegram: chat %s blocked the bot", tag(str(update.my_chat_member.chat.id))
                )
            return None
        message = update.message
        if message is None:
            return None  # edits, channel posts: not a resident's new message
        _typed(message.chat.id, int, "chat id", required=True)
        text = _typed(message.text, str, "text") or _typed(message.caption, str, "caption")
        if message.chat.id == self.consultants:
            media = _media_ref(message)
            if not (message.text or media):
                return None  # joins, pins, stickers among the consultants
            return Job(
                message.chat.id,
                text or "",
                "text",
                None,
                update.update_id,
                group=True,
                author=_author(message.from_user),
                message_id=message.message_id,
                reply_to=message.reply_to_message.message_id if message.reply_to_message else None,
                thread=message.message_thread_id if message.is_topic_message else None,
                media=media,
            )
        if message.chat.type != "private":
            return None  # other groups: not a resident's new message
        kind = next((name for name in NON_TEXT if _has(message, name)), None)
        media = _media_ref(message) or ({"platform": "telegram", "kind": kind} if kind else None)
        if text:  # a caption is read as text; the photo itself can still be relayed
            return Job(
                message.chat.id,
                text,
                "text",
                hint,
                update.update_id,
                message_id=message.message_id,
                media=media,
            )
        if kind is None:
            return None  # service messages (pins, joins...): nothing to answer
        return Job(
            message.chat.id,
            "",
            kind,
            hint,
            update.update_id,
            message_id=message.message_id,
            media=media,
        )

    async def message_for(self, job: Job, collector: OutputChannel) -> UserMessage:
        metadata: dict[str, Any] = {"message_type": job.message_type}
        if job.language_hint:
            metadata["language_hint"] = job.language_hint
        if job.media:  # what the desk can pass on to the consultants
            metadata["media"] = job.media
        return UserMessage(
            job.text,
            collector,
            conversation_id(self.name(), job.chat_id),
            input_channel=self.name(),
            message_id=str(job.update_id),
            metadata=metadata,
        )

    async def deliver(self, job: Job, messages: list[Outgoing]) -> list[Any]:
        parts = render(messages)
        if not parts:
            return []
        return _parts(await self.courier.run(self.api.send_all(job.chat_id, parts)))


def _parts(parts: list[tuple[str, InlineKeyboardMarkup | None]]) -> list[dict[str, Any]]:
    """Telegram messages as the JSON the outbox keeps: the text and the Bot API's own
    form of the keyboard."""
    return [
        {"text": text, "markup": markup.to_dict() if markup else None} for text, markup in parts
    ]


def _typed(value: Any, kind: type, name: str, required: bool = False) -> Any:
    """A field of an update, checked to be of the Bot API's type (None: absent, unless
    required). python-telegram-bot builds its objects without checking types: a text that
    is an object or a chat id that is a string would fail later, with no answer and no 400."""
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"{name} is not {kind.__name__}")
    return value


def _author(user: Any) -> str:
    """How the desk names a consultant: the Telegram name, and @username if there is one."""
    if user is None:
        return ""
    name = user.full_name or ""
    return f"{name} (@{user.username})" if user.username else name


def _media_ref(message: Message) -> dict[str, Any] | None:
    """Where the desk finds a photo or file again: the message to copy within Telegram,
    the file to download for LINE."""
    for part, (kind, name, mime) in MEDIA_KINDS.items():
        value = getattr(message, part, None)
        if not value:
            continue
        item = value[-1] if isinstance(value, (tuple, list)) else value  # the largest photo
        return {
            "platform": "telegram",
            "kind": kind,
            "chat": message.chat.id,
            "message_id": message.message_id,
            "file_id": item.file_id,
            "filename": getattr(item, "file_name", None) or name,
            "mime": getattr(item, "mime_type", None) or mime,
        }
    return None


def _has(message: Message, name: str) -> bool:
    value = getattr(message, name, None)
    return bool(value) if isinstance(value, (tuple, list)) else value is not None


async def register_webhook(settings: TelegramSettings, public_url: str) -> str:
    """Tells Telegram where to send updates and with which secret; returns a status line."""
    url = public_url.rstrip("/") + "/webhooks/telegram/webhook"
    api = TelegramApi(settings)
    try:
        await api.bot.set_webhook(
            url=url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=list(ALLOWED_UPDATES),
        )
        info = await api.bot.get_webhook_info()
    finally:
        await api.close()
    status = f"Telegram sends updates to {info.url or url} ({info.pending_update_count} waiting)"
    if info.last_error_message:
        status += f"; its last delivery error: {info.last_error_message}"
    return status


def main(argv: list[str] | None = None) -> int:
    return webhook_tool(argv, "Telegram", TelegramSettings, register_webhook)


if __name__ == "__main__":
    sys.exit(main())
