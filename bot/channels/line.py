"""The LINE channel: residents write to the center's LINE official account.

Webhook: `POST /webhooks/line/webhook` (health: `GET /webhooks/line/`).

1. The X-Line-Signature header is checked (HMAC-SHA256 of the raw body with the channel
   secret, compared in constant time) before anything else: missing 400, wrong 401.
2. Each event is kept in DATABASE_URL under its webhookEventId (bot.channels.intake)
   before LINE gets its 200, then handed to the `Inbox`; a redelivered event, to this
   instance or another, is dropped by the database, so it is never answered twice. If
   the database cannot keep it, LINE gets 503 and sends it again. An event a killed
   process did not finish is picked up again when its claim runs out.
3. The inbox handles one resident's events in order: text and postbacks (button taps) go
   to Rasa as the resident's words; stickers, photos, voice, video, files and locations go
   with an empty text and `metadata.message_type`, so the assistant says it reads text
   only; following the account greets with the language menu; unfollowing forgets the
   resident's cached profile; anything else is ignored.
4. The turn's messages are rendered for LINE (texts cut at 5,000 characters, at most 5
   per call, buttons as quick replies on the last message) and sent with the reply token
   while it is fresh, by push otherwise or when the reply fails. Pushes carry a retry key
   and are retried with jittered backoff until PLATFORM_RETRY_SECONDS, so a LINE outage
   delays a reply instead of losing it; what still fails is logged and counted. When the
   assistant fails or says nothing, the resident gets an apology (bot.channels.notices).

While a resident's ticket is open (bot/channels/desk.py), a photo, video, voice message
or file they send goes to the consultants as it is: fetched from LINE's data API and
uploaded to the Telegram group, or shown in the LINE group from this server
(`GET /webhooks/line/media/<token>`, with PUBLIC_URL: LINE shows pictures from HTTPS
addresses only; the token is unguessable).

The resident's LINE profile language is sent as `metadata.language_hint`; the assistant
uses it only while the conversation has no language yet (`bot.languages.next_language`).
Configuration comes from the environment only (bot.settings.LineSettings).

Events are read from LINE's documented JSON, not through the SDK's webhook models: those
turn an event that lacks a field added later (quoteToken, follow.isUnblocked...) into an
"unknown event", and a resident's message would go unanswered. Everything sent to LINE
goes through line-bot-sdk's Messaging API client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import logging
import re
import sys
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ImageMessage,
    Message,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    SetWebhookEndpointRequest,
    TestWebhookEndpointRequest,
    TextMessage,
)
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import (
    FIRST_WAIT,
    Choice,
    Outgoing,
    WebhookChannel,
    merge_texts,
    read_json,
    retrying,
    same_secret,
    split_text,
    tag,
    webhook_tool,
)
from bot.channels.desk import LINK
from bot.conversations import conversation_id
from bot.desk.desk import Attachment, GroupMessage
from bot.desk.tickets import MEDIA_BYTES, Media
from bot.languages import from_locale
from bot.settings import DeskSettings, LineSettings

logger = logging.getLogger(__name__)

TEXT_LIMIT = 5000  # characters in one text message
MESSAGES_PER_CALL = 5  # messages in one reply or push
QUICK_REPLIES = 13  # items in one quick reply
LABEL_LIMIT = 20  # characters of a quick-reply label
DISPLAY_TEXT_LIMIT = 300  # characters of a postback's display text
# A reply token is good for a short while after the event; after this, push instead.
REPLY_TOKEN_SECONDS = 50.0
PROFILE_TIMEOUT = 3.0  # the profile is only a hint: never wait long for it

NON_TEXT = ("sticker", "image", "audio", "video", "file", "location")
# LINE's message types as the desk names them.
MEDIA_KINDS = {"image": "photo", "video": "video", "audio": "audio", "file": "file"}
IMAGE_BYTES = 10 * 1024 * 1024  # the largest picture LINE shows (JPEG or PNG)
PREVIEW_PIXELS = 480  # the preview LINE shows in the chat (at most 1 MB)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def signature_of(secret: str, body: bytes) -> str:
    """X-Line-Signature of a body: base64 of its HMAC-SHA256 under the channel secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_signature(secret: str, body: bytes, signature: str) -> bool:
    """Constant-time check of an X-Line-Signature header."""
    return same_secret(signature, signature_of(secret, body))


@dataclass(frozen=True)
class Job:
    """One event to hand to the assistant, and how to answer it."""

    user_id: str
    text: str
    message_type: str
    reply_token: str | None
    received: float = field(default_factory=time.monotonic)
    event_id: str | None = None
    group: bool = False  # from the consultants' group
    author_id: str | None = None  # who wrote in the group (None: LINE did not say)
    message_id: str | None = None
    quoted: str | None = None  # the group message quoted (a reply)
    media: dict[str, Any] | None = None  # a photo or file, for the desk (see Attachment)
    intake: int | None = None  # the kept event (bot.channels.intake)


def _label(title: str) -> str:
    return title if len(title) <= LABEL_LIMIT else title[: LABEL_LIMIT - 1] + "…"


def render(messages: list[Outgoing]) -> list[TextMessage]:
    """The turn as LINE messages: texts within LINE's limit, few enough for one call where
    possible, and every button of the turn as quick replies under the last message."""
    texts = [piece for message in messages for piece in split_text(message.text, TEXT_LIMIT)]
    texts = merge_texts(texts, MESSAGES_PER_CALL, TEXT_LIMIT)
    if not texts:
        return []
    by_payload: dict[str, Choice] = {}
    for message in messages:
        for choice in message.choices:
            by_payload.setdefault(choice.payload, choice)
    choices = list(by_payload.values())
    quick_reply = (
        QuickReply(
            items=[
                QuickReplyItem(
                    action=PostbackAction(
                        label=_label(choice.title),
                        data=choice.payload,
                        display_text=choice.title[:DISPLAY_TEXT_LIMIT],
                    )
                )
                for choice in choices[:QUICK_REPLIES]
            ]
        )
        if choices
        else None
    )
    rendered = [TextMessage(text=text) for text in texts[:-1]]
    rendered.append(TextMessage(text=texts[-1], quick_reply=quick_reply))
    return rendered


def _retryable(error: BaseException) -> bool:
    if isinstance(error, ApiException):
        return error.status == 429 or (error.status or 0) >= 500
    return isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError))


def _describe(error: BaseException) -> str:
    if isinstance(error, ApiException):
        return f"HTTP {error.status}"
    return type(error).__name__


class LineApi:
    """The Messaging API calls the channel makes, with LINE's rules for retrying them."""

    def __init__(self, settings: LineSettings, first_wait: float = FIRST_WAIT) -> None:
        self.settings = settings
        self.first_wait = first_wait
        self._client: AsyncApiClient | None = None
        self.undelivered = 0

    def _api(self) -> AsyncMessagingApi:
        if self._client is None:  # created in the server's event loop, on first use
            configuration = Configuration(
                host=self.settings.api_base_url,
                access_token=self.settings.access_token.get_secret_value(),
            )
            configuration.connection_pool_maxsize = 64
            self._client = AsyncApiClient(configuration)
        return AsyncMessagingApi(self._client)

    def _timeout(self, seconds: float | None = None) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=seconds or self.settings.timeout)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def profile_language(self, user_id: str) -> str | None:
        """The language of the resident's LINE profile, if LINE shares it; None on failure."""
        try:
            profile = await self._api().get_profile(
                user_id, _request_timeout=self._timeout(min(PROFILE_TIMEOUT, self.settings.timeout))
            )
        except Exception as error:  # noqa: BLE001 - a hint is never worth a failed reply
            logger.info("line: no profile for user %s (%s)", tag(user_id), _describe(error))
            return None
        return getattr(profile, "language", None)

    async def send(
        self, user_id: str, messages: list[Message], reply_token: str | None, received: float
    ) -> list[Message]:
        """Sends a turn: the first call by reply token while it is fresh, the rest by push.
        Returns the messages LINE still refused after PLATFORM_RETRY_SECONDS."""
        if messages and reply_token and time.monotonic() - received < REPLY_TOKEN_SECONDS:
            first = messages[:MESSAGES_PER_CALL]
            if await self.reply(user_id, reply_token, first):
                messages = messages[MESSAGES_PER_CALL:]
        return await self.push_all(user_id, messages)

    async def reply(self, user_id: str, reply_token: str, messages: list[TextMessage]) -> bool:
        """Replies with the token; True when the resident has the messages.

        A reply that timed out may still have arrived, and a push after it would show the
        resident the same answer twice. A reply token is single-use, so the reply is sent
        once more with the same token: LINE accepts it if the first never arrived, and
        refuses the spent token (400) if it did. Only a reply that surely failed is pushed.
        """
        request = ReplyMessageRequest(reply_token=reply_token, messages=messages)
        try:
            await self._api().reply_message(request, _request_timeout=self._timeout())
            return True
        except Exception as error:  # noqa: BLE001 - decided below
            first = error
        if isinstance(first, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
            try:
                await self._api().reply_message(request, _request_timeout=self._timeout())
                return True
            except ApiException as error:
                if error.status == 400:
                    logger.info(
                        "line: the reply to user %s that timed out had arrived", tag(user_id)
                    )
                    return True
            except Exception:  # noqa: BLE001 - push instead
                pass
        logger.warning(
            "line: reply to user %s failed (%s); pushing instead", tag(user_id), _describe(first)
        )
        return False

    async def push_all(self, user_id: str, messages: list[Message]) -> list[Message]:
        """Pushes messages in calls of up to 5; returns those LINE refused."""
        left: list[Message] = []
        for i in range(0, len(messages), MESSAGES_PER_CALL):
            batch = messages[i : i + MESSAGES_PER_CALL]
            if not await self.push(user_id, batch):
                left.extend(batch)
        return left

    async def push(self, user_id: str, messages: list[TextMessage]) -> bool:
        """Pushes up to 5 messages (see `push_ids`); True when LINE has them."""
        return await self.push_ids(user_id, messages) is not None

    async def push_ids(self, to: str, messages: list[TextMessage]) -> list[str] | None:
        """Pushes up to 5 messages to a user or a group, retrying on 429, 5xx and network
        failures until PLATFORM_RETRY_SECONDS; the sent messages' ids, or None when they
        could not be delivered. One retry key for all attempts, so LINE never delivers
        the same push twice (409 means an earlier attempt got through: no ids then)."""
        retry_key = str(uuid.uuid4())
        request = PushMessageRequest(to=to, messages=messages)
        attempts = retrying(self.settings.retry_seconds, _retryable, self.first_wait)
        try:
            async for attempt in attempts:
                with attempt:
                    try:
                        sent = await self._api().push_message(
                            request, x_line_retry_key=retry_key, _request_timeout=self._timeout()
                        )
                    except Exception as error:
                        if isinstance(error, ApiException) and error.status == 409:
                            return []  # an earlier attempt got through
                        if _retryable(error):
                            logger.warning(
                                "line: push to %s failed (%s), attempt %d",
                                tag(to),
                                _describe(error),
                                attempt.retry_state.attempt_number,
                            )
                        raise
            return [m.id for m in (getattr(sent, "sent_messages", None) or [])]
        except Exception as error:  # noqa: BLE001 - every error ends here: counted, logged
            last = _describe(error)
        self.undelivered += 1
        logger.error("line: could not deliver a reply to %s (%s)", tag(to), last)
        return None

    async def content(self, message_id: str) -> tuple[bytes, str] | None:
        """What a resident sent (a photo, a file) and its type, from LINE's data API
        (the SDK's blob client cannot be pointed elsewhere, so aiohttp calls it); None when
        LINE does not have it, it is larger than MEDIA_BYTES, or LINE cannot be reached
        before PLATFORM_RETRY_SECONDS."""
        url = f"{self.settings.data_api}/v2/bot/message/{message_id}/content"
        headers = {"Authorization": f"Bearer {self.settings.access_token.get_secret_value()}"}
        attempts = retrying(self.settings.retry_seconds, _retryable, self.first_wait)
        try:
            async with aiohttp.ClientSession(
                timeout=self._timeout(self.settings.timeout * 4)
            ) as http:
                async for attempt in attempts:
                    with attempt:
                        async with http.get(url, headers=headers) as answer:
                            if answer.status != 200:
                                raise ApiException(status=answer.status, reason=answer.reason)
                            data = bytearray()
                            async for chunk in answer.content.iter_chunked(1 << 16):
                                data += chunk
                                if len(data) > MEDIA_BYTES:
                                    logger.warning(
                                        "line: a file over %d bytes is not passed on", MEDIA_BYTES
                                    )
                                    return None
                            return bytes(data), answer.content_type or "application/octet-stream"
        except Exception as error:  # noqa: BLE001 - the consultants are told it is missing
            logger.warning("line: a resident's file could not be fetched (%s)", _describe(error))
        return None

    async def member_name(self, group_id: str, user_id: str) -> str:
        """A consultant's display name in the group; "" when LINE does not say."""
        try:
            profile = await self._api().get_group_member_profile(
                group_id, user_id, _request_timeout=self._timeout(PROFILE_TIMEOUT)
            )
        except Exception as error:  # noqa: BLE001 - a name is never worth a lost command
            logger.info("line: no name for a group member (%s)", _describe(error))
            return ""
        return profile.display_name or ""


class LineRoom:
    """The consultants' LINE group (bot.desk.desk.Room): cards as pushes with their
    buttons as quick replies; a consultant answers by quoting a card or a relay."""

    name = "line"

    def __init__(self, channel: LineInput, group_id: str) -> None:
        self.channel = channel
        self.chat = group_id

    async def open_thread(self, title: str) -> None:
        return None  # LINE groups have no topics

    async def rename_thread(self, thread: int, title: str) -> None:
        return None

    async def send_media(
        self, attachment: Attachment, thread: int | None = None, caption: str = ""
    ) -> str | None:
        """The photo or file after its ticket's `caption` (`#n`), in one push: LINE
        pictures carry no caption, and two pushes of two tickets could interleave."""
        message = await self.channel.media_message(attachment)
        if message is None:
            return None
        messages = ([TextMessage(text=caption)] if caption else []) + [message]
        sent = await self.channel.courier.run(self.channel.api.push_ids(self.chat, messages))
        return sent[-1] if sent else None

    async def post(self, text: str, buttons: tuple = (), thread: int | None = None) -> str | None:
        choices = tuple(Choice(b.title, b.payload) for b in buttons)
        messages = render([Outgoing(text, choices)])
        ids: list[str] = []
        for i in range(0, len(messages), MESSAGES_PER_CALL):
            sent = await self.channel.courier.run(
                self.channel.api.push_ids(self.chat, messages[i : i + MESSAGES_PER_CALL])
            )
            if sent is None:
                return None
            ids += sent
        return ids[-1] if ids else None


class LineInput(WebhookChannel[Job]):
    """LINE Messaging API webhook, as a Rasa input channel."""

    settings_class = LineSettings
    api_class = LineApi
    PARTY = "user"

    @classmethod
    def name(cls) -> str:
        return "line"

    def __init__(self, settings: LineSettings | None) -> None:
        super().__init__(settings)
        self._hints: OrderedDict[str, str | None] = OrderedDict()

    def accept_call(self, request: Request) -> HTTPResponse:
        """Checks one webhook call and queues its events; they are handled afterwards."""
        signature = request.headers.get("X-Line-Signature")
        if not signature:
            return response.json({"error": "missing X-Line-Signature header"}, status=400)
        body = request.body or b""
        if not valid_signature(self.settings.channel_secret.get_secret_value(), body, signature):
            logger.warning("line: rejected a webhook call with a wrong signature")
            return response.json({"error": "invalid signature"}, status=401)
        try:
            events = read_json(body)["events"]
            if not isinstance(events, list):
                raise TypeError("events is not a list")
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            logger.warning("line: rejected a signed webhook call that is not a webhook body")
            return response.json({"error": "the body is not a LINE webhook body"}, status=400)
        for event in events:
            try:
                if not self.accept(event):
                    return response.json({"error": "try again later"}, status=503)
            except (AttributeError, TypeError, ValueError):
                logger.warning("line: skipped an event it cannot read")
        return response.json({})

    def accept(self, event: dict[str, Any]) -> bool:
        """Keeps and queues one event, unless it was taken before or is not ours; False
        when it could not be kept (LINE must send it again)."""
        if not isinstance(event, dict):
            raise TypeError("an event is not an object")
        key = event.get("webhookEventId")
        if not isinstance(key, str) or not key:  # LINE always sends one; never lose one
            key = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
        if (event.get("deliveryContext") or {}).get("isRedelivery"):
            logger.info("line: event %s is a redelivery", key)
        return self.take(key, event)

    def job_from(self, event: dict[str, Any]) -> tuple[str, Job] | None:
        """The conversation and job of an event: a resident's one-to-one chat, or the
        consultants' group; None for anything else."""
        if event.get("mode") == "standby":
            return None  # another channel (or a person in LINE's chat screen) answers now
        source = event.get("source") or {}
        if source.get("type") == "group" and source.get("groupId") == self.consultants:
            job = self.group_job(event, source)
            return ("consultants", job) if job is not None else None
        user_id = source.get("userId") if source.get("type") == "user" else None
        if not isinstance(user_id, str) or not user_id:
            return None  # other groups and rooms: not a resident's one-to-one chat
        job = self.job_for(event, user_id)
        return (job.user_id, job) if job is not None else None

    @property
    def consultants(self) -> str | None:
        """The consultants' group id (CONSULTANT_LINE_GROUP_ID), if any."""
        return self.desk_settings.line_group_id if self.settings else None

    def room(self, desk: DeskSettings) -> LineRoom | None:
        if self.settings is None or desk.line_group_id is None:
            return None
        return LineRoom(self, desk.line_group_id)

    def group_job(self, event: dict[str, Any], source: dict[str, Any]) -> Job | None:
        """A consultant's text or a card's button in the consultants' group."""
        token = event.get("replyToken") if isinstance(event.get("replyToken"), str) else None
        author = source.get("userId") if isinstance(source.get("userId"), str) else None
        if event.get("type") == "postback":
            data = str((event.get("postback") or {}).get("data") or "")
            text, message_id, quoted = data, None, None
        elif event.get("type") == "message" and (event.get("message") or {}).get("type") == "text":
            content = event["message"]
            text, message_id, quoted = (
                str(content.get("text") or ""),
                content.get("id"),
                content.get("quotedMessageId"),
            )
        else:
            return None
        return Job(
            source["groupId"],
            text,
            "text",
            token,
            event_id=event.get("webhookEventId"),
            group=True,
            author_id=author,
            message_id=message_id,
            quoted=quoted,
        )

    async def handle_group(self, job: Job) -> None:
        desk = LINK.desk
        if desk is None:
            return
        # LINE on PC gives no user id in groups: the desk records that honestly
        author = (
            await self.courier.run(self.api.member_name(job.user_id, job.author_id))
            if job.author_id
            else ""
        )
        answer = await desk.from_consultant(
            GroupMessage("line", author, job.text, job.message_id or "", job.quoted)
        )
        if answer:
            await self.deliver(job, [Outgoing(answer)])

    def job_for(self, event: dict[str, Any], user_id: str) -> Job | None:
        """What the assistant is told about an event; None for events it has no part in."""
        kind = event.get("type")
        token = event.get("replyToken") if isinstance(event.get("replyToken"), str) else None
        event_id = event.get("webhookEventId")
        # how old the event is (LINE's timestamp): a kept event handled again after a
        # restart must not use a reply token that has run out
        received = time.monotonic() - _age(event.get("timestamp"))
        if kind == "message":
            content = event.get("message") or {}
            if content.get("type") == "text":
                return Job(
                    user_id,
                    str(content.get("text") or ""),
                    "text",
                    token,
                    event_id=event_id,
                    received=received,
                )
            kind = content.get("type")
            return Job(
                user_id,
                "",
                kind if kind in NON_TEXT else "other",
                token,
                event_id=event_id,
                received=received,
                media=_media_ref(content),
            )
        if kind == "postback":
            data = str((event.get("postback") or {}).get("data") or "")
            return (
                Job(user_id, data, "postback", token, event_id=event_id, received=received)
                if data
                else None
            )
        if kind == "follow":
            return Job(user_id, "/start", "follow", token, event_id=event_id, received=received)
        if kind == "unfollow":
            self._hints.pop(user_id, None)
            logger.info("line: user %s unfollowed", tag(user_id))
        return None

    async def language_hint(self, user_id: str) -> str | None:
        """The answered language of the resident's LINE profile (fetched once per resident)."""
        if user_id not in self._hints:
            language = await self.courier.run(self.api.profile_language(user_id))
            self._hints[user_id] = from_locale(language)
            if len(self._hints) > 50_000:
                self._hints.popitem(last=False)
        return self._hints[user_id]

    def routes(self, webhook: Any) -> None:
        @webhook.route("/media/<token:str>", methods=["GET"])
        async def media(request: Request, token: str) -> HTTPResponse:
            return self.serve_media(token, preview=False)

        @webhook.route("/media/<token:str>/preview", methods=["GET"])
        async def preview(request: Request, token: str) -> HTTPResponse:
            return self.serve_media(token, preview=True)

    def serve_media(self, token: str, preview: bool) -> HTTPResponse:
        """A relayed photo or file, for LINE's servers and the consultants' LINE app: 404
        unless the token is one the desk gave out."""
        desk = LINK.desk
        on = desk is not None and self.settings is not None
        item = desk.store.media(token) if on and _TOKEN.fullmatch(token) else None
        if item is None:
            return response.json({"error": "not found"}, status=404)
        headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
        if item.is_image:
            data = _preview(item.data) if preview else item.data
            return response.raw(data, content_type=item.mime, headers=headers)
        # anything else is a download, never a page of this server
        name = item.filename or "file"
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        headers["Content-Security-Policy"] = "sandbox"
        return response.raw(item.data, content_type="application/octet-stream", headers=headers)

    async def fetch_media(self, ref: dict[str, Any]) -> Media | None:
        """The bytes of a LINE resident's photo or file (for the desk)."""
        if not ref.get("message_id"):
            return None
        fetched = await self.courier.run(self.api.content(str(ref["message_id"])))
        if fetched is None:
            return None
        data, mime = fetched
        kind = str(ref.get("kind") or "file")
        return Media(kind, data, mime, str(ref.get("filename") or _file_name(kind, mime)))

    async def media_message(self, attachment: Attachment) -> ImageMessage | TextMessage | None:
        """A photo or file as a LINE message: a picture shown from this server, anything
        else a link to download it; None without PUBLIC_URL or the bytes."""
        if self.settings.public_url is None:
            logger.warning("line: set PUBLIC_URL to show photos and files in LINE chats")
            return None
        loaded = await attachment.load()
        if loaded is None:
            return None
        media, token = loaded
        url = f"{self.settings.public_url}/webhooks/line/media/{token}"
        if media.is_image and len(media.data) <= IMAGE_BYTES:
            return ImageMessage(original_content_url=url, preview_image_url=url + "/preview")
        return TextMessage(
            text=f"📎 {media.filename or attachment.kind} ({_size(media.data)})\n{url}"
        )

    async def send_attachment(self, platform_id: str, attachment: Attachment) -> bool:
        """A consultant's photo or file, pushed to a LINE resident."""
        message = await self.media_message(attachment)
        if message is None:
            return False
        return await self._push_or_keep(platform_id, [message])

    async def send_texts(self, platform_id: str, texts: list[str]) -> bool:
        """A consultant's reply or the desk's notice, pushed (there is no reply token)."""
        return await self._push_or_keep(platform_id, render([Outgoing(t) for t in texts]))

    async def _push_or_keep(self, platform_id: str, messages: list[Message]) -> bool:
        """Pushes; what LINE refuses is kept in the outbox. True when all was delivered."""
        left = await self.courier.run(self.api.push_all(platform_id, messages))
        self.keep_undelivered(conversation_id(self.name(), platform_id), _parts(left))
        return not left

    async def resend(self, platform_id: str, parts: list[Any]) -> list[Any]:
        messages = [Message.from_dict(part) for part in parts]
        return _parts(await self.courier.run(self.api.push_all(platform_id, messages)))

    async def message_for(self, job: Job, collector: OutputChannel) -> UserMessage:
        metadata: dict[str, Any] = {
            "message_type": "text" if job.message_type == "postback" else job.message_type
        }
        if job.media:
            metadata["media"] = job.media
        hint = await self.language_hint(job.user_id)
        if hint:
            metadata["language_hint"] = hint
        return UserMessage(
            job.text,
            collector,
            conversation_id(self.name(), job.user_id),
            input_channel=self.name(),
            message_id=job.event_id,
            metadata=metadata,
        )

    async def deliver(self, job: Job, messages: list[Outgoing]) -> list[Any]:
        rendered = render(messages)
        if not rendered:
            return []
        left = await self.courier.run(
            self.api.send(job.user_id, rendered, job.reply_token, job.received)
        )
        return _parts(left)


def _parts(messages: list[Message]) -> list[dict[str, Any]]:
    """LINE messages as the JSON the outbox keeps (the Messaging API's own form)."""
    return [message.to_dict() for message in messages]


def _age(timestamp: Any) -> float:
    """Seconds since LINE sent an event (its `timestamp`, in ms); 0 when unknown."""
    try:
        return min(max(0.0, time.time() - float(timestamp) / 1000), 86400.0)
    except (TypeError, ValueError, OverflowError):
        return 0.0


def _media_ref(content: dict[str, Any]) -> dict[str, Any] | None:
    """Where the desk finds a resident's photo or file again: LINE keeps what was sent
    through LINE (contentProvider "line") for a while; others are only named."""
    kind = content.get("type")
    provider = (content.get("contentProvider") or {}).get("type", "line")
    if kind not in MEDIA_KINDS or provider != "line" or not content.get("id"):
        named = MEDIA_KINDS.get(kind, kind)  # sent from elsewhere, or a sticker: named only
        return {"platform": "line", "kind": named} if kind in NON_TEXT else None
    ref = {"platform": "line", "kind": MEDIA_KINDS[kind], "message_id": str(content["id"])}
    if kind == "file" and content.get("fileName"):
        ref["filename"] = str(content["fileName"])[:255]
    return ref


def _file_name(kind: str, mime: str) -> str:
    extension = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4", "audio/m4a": "m4a"}
    return f"{kind}.{extension.get(mime, 'bin')}"


def _size(data: bytes) -> str:
    n = len(data)
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _preview(data: bytes) -> bytes:
    """A small JPEG of a picture, for LINE's preview (at most 1 MB); the picture itself
    when it cannot be read."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (PREVIEW_PIXELS, PREVIEW_PIXELS))  # JPEG: decode small
            image.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except Exception:  # noqa: BLE001 - a preview is not worth an error
        return data


async def register_webhook(settings: LineSettings, public_url: str) -> str:
    """Sets the channel's webhook URL and has LINE test it; returns a status line."""
    url = public_url.rstrip("/") + "/webhooks/line/webhook"
    api = LineApi(settings)
    try:
        messaging = api._api()
        await messaging.set_webhook_endpoint(SetWebhookEndpointRequest(endpoint=url))
        result = await messaging.test_webhook_endpoint(TestWebhookEndpointRequest(endpoint=url))
    finally:
        await api.close()
    if result.success:
        return f"LINE sends webhooks to {url}; LINE's test call got HTTP {result.status_code}."
    return (
        f"LINE's webhook is set to {url}, but LINE's test call failed: "
        f"HTTP {result.status_code} {result.reason or ''} {result.detail or ''}".strip()
    )


def main(argv: list[str] | None = None) -> int:
    return webhook_tool(argv, "LINE", LineSettings, register_webhook)


if __name__ == "__main__":
    sys.exit(main())
