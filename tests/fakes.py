"""Fake LINE Messaging API and Telegram Bot API servers on loopback, for tests and `make bench`.

They run in a thread of their own (so that synchronous tests and a separate assistant
process can use them), record every call, check what the real platforms check (tokens,
limits, single-use reply tokens, retry keys, HTTPS picture URLs, a group's send rate when
asked) and can be told to fail: answer 5xx or hang. They keep files as the platforms do:
what a LINE resident sent (`line_contents`), Telegram files by id (`telegram_files`,
uploads included), served as the platforms serve them.
The channels reach them through LINE_API_BASE_URL and TELEGRAM_API_BASE_URL.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

LINE_SECRET = "line-channel-secret-for-tests"
LINE_TOKEN = "line-access-token-for-tests"
TELEGRAM_TOKEN = "123456:telegram-token-for-tests"
TELEGRAM_SECRET = "telegram-webhook-secret-for-tests"


@dataclass
class Call:
    """One request a fake received."""

    platform: str  # "line" or "telegram"
    method: str  # LINE: the path after /v2/bot/; Telegram: the Bot API method
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    result: Any = None  # what the platform answered (Telegram: the sent message)


@dataclass
class Trouble:
    """What the fake does to the next `times` calls of a method: an HTTP status or a hang."""

    status: int = 500
    hang: float = 0.0
    times: int = 1
    # After the hang, handle the call as usual, as the platform does with a request whose
    # client gave up waiting: the client saw a timeout, the resident got the message.
    deliver: bool = False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakePlatforms:
    """Both fakes on one loopback port: LINE under /v2/bot/..., Telegram under /bot<token>/."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        # the method of every request as it arrives, before any trouble (or hang)
        self.arrivals: list[str] = []
        self.profiles: dict[str, str] = {}  # LINE user id -> profile language
        self.group_members: dict[str, str] = {}  # LINE user id -> display name in a group
        self.forum_chats: set[int] = set()  # Telegram groups with topics (forums)
        # LINE message id -> (bytes, content type): what residents sent, for the data API
        self.line_contents: dict[str, tuple[bytes, str]] = {}
        # Telegram file id -> (bytes, file path), residents' files and the bot's uploads
        self.telegram_files: dict[str, tuple[bytes, str]] = {}
        # group chat id -> (messages, seconds): as Telegram, more messages than that in
        # any so many seconds are refused with 429 and retry_after
        self.group_rates: dict[int, tuple[int, float]] = {}
        self._group_sends: dict[int, list[float]] = {}
        self._thread_id = 1000
        self.topics: dict[tuple[int, int], str] = {}  # (forum chat, thread) -> its title
        self.troubles: dict[str, Trouble] = {}
        self._down_until = 0.0  # an outage: every call fails until then (monotonic)
        self._outage_status = 503
        # Telegram groups that became supergroups: old chat id -> new chat id.
        self.migrated_chats: dict[int, int] = {}
        self._reply_tokens_used: set[str] = set()
        self._retry_keys: set[str] = set()
        self._message_id = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.on_call: Callable[[Call], None] | None = None

    # -- control ----------------------------------------------------------------------

    def start(self) -> FakePlatforms:
        """Serves from a thread of its own (for synchronous tests and other processes)."""
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-platforms", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake platforms did not start")
        return self

    async def close(self) -> None:
        """Stops serving on the running loop (the counterpart of `serve`)."""
        if self._runner:
            await self._runner.cleanup()

    def stop(self) -> None:
        """Stops the thread started by `start`."""
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def trouble(
        self,
        method: str,
        status: int = 500,
        hang: float = 0.0,
        times: int = 1,
        deliver: bool = False,
    ) -> None:
        """The next `times` calls of `method` ("message/reply", "sendMessage"...) fail, or
        with `deliver` hang and then succeed (a timeout that still delivers)."""
        with self._lock:
            self.troubles[method] = Trouble(status, hang, times, deliver)

    def outage(self, seconds: float, status: int = 503) -> None:
        """Both platforms fail every call with `status` for `seconds` from now, as a
        platform does in an outage (LINE 5xx, Telegram 5xx: retried by the clients)."""
        with self._lock:
            self._down_until = time.monotonic() + seconds
            self._outage_status = status

    @property
    def down(self) -> bool:
        return time.monotonic() < self._down_until

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        """Successful calls of a method whose body has the given top-level values."""
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if c.method == method
            and c.status == 200
            and all(c.body.get(k) == v for k, v in match.items())
        ]

    def attempts_of(self, method: str, **match: Any) -> list[Call]:
        """Every call of a method whose body has the given values, failed ones too."""
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if c.method == method and all(c.body.get(k) == v for k, v in match.items())
        ]

    def wait_for_attempts(
        self, method: str, count: int = 1, timeout: float = 60.0, **match: Any
    ) -> list[Call]:
        """Waits until `count` calls of `method` (matching), failed or not, arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.attempts_of(method, **match)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{count} {method} attempts did not arrive in {timeout} s")

    def wait_for_arrivals(self, method: str, count: int = 1, timeout: float = 60.0) -> None:
        """Waits until `count` requests of `method` have arrived, even ones still hanging."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                arrived = self.arrivals.count(method)
            if arrived >= count:
                return
            time.sleep(0.02)
        raise AssertionError(f"{count} {method} requests did not arrive in {timeout} s")

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 60.0, **match: Any
    ) -> list[Call]:
        """Waits until `count` successful calls of `method` (matching) arrived; returns them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method, **match)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        found = self.calls_to(method, **match)
        raise AssertionError(f"{len(found)} of {count} {method} calls arrived in {timeout} s")

    # -- server -----------------------------------------------------------------------

    async def serve(self) -> None:
        """Serves on the running event loop (`make bench` measures on the same loop)."""
        app = web.Application()
        app.router.add_route("*", "/v2/bot/{method:.+}", self._line)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._telegram_file)
        app.router.add_route("*", "/bot{token}/{method}", self._telegram)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _trouble(self, method: str) -> Trouble | None:
        with self._lock:
            self.arrivals.append(method)
            if time.monotonic() < self._down_until:
                return Trouble(self._outage_status)
            trouble = self.troubles.get(method)
            if trouble is None or trouble.times <= 0:
                return None
            trouble.times -= 1
        if trouble.hang:
            await asyncio.sleep(trouble.hang)
        return None if trouble.deliver else trouble

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
        if self.on_call:
            self.on_call(call)

    async def _line(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET" and method.startswith("profile/"):
            method = "profile"
        elif request.method == "GET" and method.startswith("group/") and "/member/" in method:
            method = "group/member"
        elif request.method == "GET" and re.fullmatch(r"message/[^/]+/content", method):
            return await self._line_content(request, method.split("/")[1])
        raw = await request.read()
        body = json.loads(raw) if raw else {}
        call = Call("line", method, body, dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {LINE_TOKEN}":
            call.status = 401
            self._record(call)
            return web.json_response({"message": "Authentication failed"}, status=401)
        trouble = await self._trouble(method)
        if trouble is not None:
            call.status = trouble.status
            self._record(call)
            return web.json_response({"message": "fake trouble"}, status=trouble.status)
        status, answer = self._line_answer(method, request, body)
        call.status, call.result = status, answer
        self._record(call)
        return web.json_response(answer, status=status)

    async def _line_content(self, request: web.Request, message_id: str) -> web.Response:
        """GET /v2/bot/message/{id}/content (on api-data.line.me at LINE): the bytes."""
        call = Call("line", "message/content", {"messageId": message_id}, dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {LINE_TOKEN}":
            call.status = 401
            self._record(call)
            return web.json_response({"message": "Authentication failed"}, status=401)
        trouble = await self._trouble("message/content")
        found = self.line_contents.get(message_id)
        call.status = trouble.status if trouble else (200 if found else 404)
        self._record(call)
        if call.status != 200:
            return web.json_response({"message": "Not found"}, status=call.status)
        return web.Response(body=found[0], content_type=found[1])

    def _line_answer(self, method: str, request: web.Request, body: dict) -> tuple[int, dict]:
        if method == "group/member":
            user_id = request.path.rsplit("/", 1)[-1]
            if user_id not in self.group_members:
                return 404, {"message": "Not found"}
            return 200, {"userId": user_id, "displayName": self.group_members[user_id]}
        if method == "profile":
            user_id = request.path.rsplit("/", 1)[-1]
            if user_id not in self.profiles:
                return 404, {"message": "Not found"}
            return 200, {
                "userId": user_id,
                "displayName": "Resident",
                "language": self.profiles[user_id],
            }
        if method in ("message/reply", "message/push"):
            problem = _line_messages_problem(body.get("messages"))
            if problem:
                return 400, {"message": problem}
            with self._lock:
                if method == "message/reply":
                    token = body.get("replyToken")
                    if not token or token in self._reply_tokens_used:
                        return 400, {"message": "Invalid reply token"}
                    self._reply_tokens_used.add(token)
                else:
                    key = request.headers.get("X-Line-Retry-Key")
                    if key and key in self._retry_keys:
                        return 409, {"message": "The retry key is already accepted"}
                    if key:
                        self._retry_keys.add(key)
            with self._lock:
                ids = []
                for _ in body["messages"]:
                    self._message_id += 1
                    ids.append(str(self._message_id))
            return 200, {"sentMessages": [{"id": i, "quoteToken": f"q{i}"} for i in ids]}
        if method == "channel/webhook/endpoint":
            return 200, {}
        if method == "channel/webhook/test":
            return 200, {
                "success": True,
                "timestamp": "2026-11-21T00:00:00Z",
                "statusCode": 200,
                "reason": "OK",
                "detail": "200",
            }
        return 404, {"message": "Not found"}

    async def _telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            body = await request.json()
        else:  # python-telegram-bot posts form fields: objects as JSON, numbers as text
            body = dict(await request.post())
            for key, value in list(body.items()):  # an upload (multipart): its bytes
                if isinstance(value, web.FileField):
                    body[key] = {"filename": value.filename, "data": value.file.read()}
            for key in ("reply_markup", "link_preview_options", "allowed_updates"):
                if isinstance(body.get(key), str):
                    body[key] = json.loads(body[key])
            if str(body.get("chat_id", "")).lstrip("-").isdigit():
                body["chat_id"] = int(body["chat_id"])
        call = Call("telegram", method, body, dict(request.headers))
        if request.match_info["token"] != TELEGRAM_TOKEN:
            call.status = 404
            self._record(call)
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        trouble = await self._trouble(method)
        if trouble is not None:
            call.status = trouble.status
            self._record(call)
            answer: dict[str, Any] = {
                "ok": False,
                "error_code": trouble.status,
                "description": "fake trouble",
            }
            if trouble.status == 429:  # as Telegram says how long to wait
                answer["description"] = "Too Many Requests: retry after 1"
                answer["parameters"] = {"retry_after": 1}
            return web.json_response(answer, status=trouble.status)
        new_id = self.migrated_chats.get(body.get("chat_id"))
        if new_id is not None:  # as Telegram answers for a group that became a supergroup
            call.status = 400
            self._record(call)
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: group chat was upgraded to a supergroup chat",
                    "parameters": {"migrate_to_chat_id": new_id},
                },
                status=400,
            )
        wait = self._group_wait(method, body.get("chat_id"))
        if wait:  # as Telegram answers a bot sending too fast to a group
            call.status = 429
            self._record(call)
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {wait}",
                    "parameters": {"retry_after": wait},
                },
                status=429,
            )
        status, result = self._telegram_answer(method, body)
        call.status, call.result = status, result
        self._record(call)
        if status != 200:
            return web.json_response(
                {"ok": False, "error_code": status, "description": result}, status=status
            )
        return web.json_response({"ok": True, "result": result})

    def _group_wait(self, method: str, chat_id: Any) -> int:
        """Seconds to wait before the group takes another message (0: it takes this one)."""
        sends = ("sendMessage", "copyMessage", "sendPhoto", "sendDocument")
        try:
            limit, seconds = self.group_rates[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            return 0
        if method not in sends:
            return 0
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._group_sends.get(int(chat_id), []) if now - t < seconds]
            if len(recent) >= limit:
                self._group_sends[int(chat_id)] = recent
                return max(1, math.ceil(seconds - (now - recent[0])))
            recent.append(now)
            self._group_sends[int(chat_id)] = recent
        return 0

    async def _telegram_file(self, request: web.Request) -> web.Response:
        """A file download (https://api.telegram.org/file/bot<token>/<file_path>)."""
        if request.match_info["token"] != TELEGRAM_TOKEN:
            return web.Response(status=404)
        path = request.match_info["path"]
        found = next((data for data, p in self.telegram_files.values() if p == path), None)
        self._record(Call("telegram", "file", {"path": path}, dict(request.headers)))
        return web.Response(body=found) if found is not None else web.Response(status=404)

    def _sent_message(self, body: dict, **content: Any) -> dict[str, Any]:
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        chat = int(body["chat_id"])
        thread = body.get("message_thread_id")
        extra = {}
        if thread and chat in self.forum_chats:
            extra = {"message_thread_id": int(thread), "is_topic_message": True}
        return {
            **extra,
            **content,
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
        }

    def _upload(self, body: dict, field: str) -> tuple[str, int] | None:
        """Keeps an uploaded file as Telegram does; its new file id and size."""
        upload = body.get(field)
        if not isinstance(upload, dict) or not upload.get("data"):
            return None
        with self._lock:
            file_id = f"up{len(self.telegram_files) + 1}"
            self.telegram_files[file_id] = (upload["data"], f"uploads/{file_id}")
        return file_id, len(upload["data"])

    def _telegram_answer(self, method: str, body: dict) -> tuple[int, Any]:
        if method == "getMe":
            return 200, {
                "id": 123456,
                "is_bot": True,
                "first_name": "Center",
                "username": "center_bot",
            }
        if method == "sendMessage":
            text = body.get("text") or ""
            if not text.strip():
                return 400, "Bad Request: message text is empty"
            if len(text.encode("utf-16-le")) // 2 > 4096:
                return 400, "Bad Request: message is too long"
            for row in (body.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode()) > 64:
                        return 400, "Bad Request: BUTTON_DATA_INVALID"
            return 200, self._sent_message(body, text=text)
        if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return 200, True
        if method == "getChat":
            chat_id = int(body["chat_id"])
            return 200, {
                "id": chat_id,
                "type": "supergroup" if chat_id < 0 else "private",
                "title": "Consultants",
                "is_forum": chat_id in self.forum_chats,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        if method == "copyMessage":
            with self._lock:
                self._message_id += 1
                return 200, {"message_id": self._message_id}
        if method == "getFile":
            found = self.telegram_files.get(str(body.get("file_id")))
            if found is None:
                return 400, "Bad Request: invalid file_id"
            return 200, {
                "file_id": body["file_id"],
                "file_unique_id": f"u-{body['file_id']}",
                "file_size": len(found[0]),
                "file_path": found[1],
            }
        if method == "sendPhoto":
            uploaded = self._upload(body, "photo")
            if uploaded is None:
                return 400, "Bad Request: there is no photo in the request"
            file_id, size = uploaded
            photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 90, "height": 90}]
            return 200, self._sent_message(body, photo=photo)
        if method == "sendDocument":
            uploaded = self._upload(body, "document")
            if uploaded is None:
                return 400, "Bad Request: there is no document in the request"
            file_id, size = uploaded
            name = body["document"].get("filename") or "file"
            document = {"file_id": file_id, "file_unique_id": file_id, "file_name": name}
            return 200, self._sent_message(body, document=document)
        if method == "createForumTopic":
            if int(body["chat_id"]) not in self.forum_chats:
                return 400, "Bad Request: the chat is not a forum"
            if not 1 <= len(body.get("name") or "") <= 128:
                return 400, "Bad Request: TOPIC_TITLE_INVALID"
            with self._lock:
                self._thread_id += 1
                thread = self._thread_id
                self.topics[(int(body["chat_id"]), thread)] = body["name"]
            return 200, {"message_thread_id": thread, "name": body["name"], "icon_color": 7322096}
        if method == "editForumTopic":
            if int(body["chat_id"]) not in self.forum_chats:
                return 400, "Bad Request: the chat is not a forum"
            key = (int(body["chat_id"]), int(body["message_thread_id"]))
            if key not in self.topics:
                return 400, "Bad Request: TOPIC_ID_INVALID"
            name = body.get("name") or self.topics[key]  # no name: the current one is kept
            if len(name) > 128:
                return 400, "Bad Request: TOPIC_TITLE_INVALID"
            if name == self.topics[key]:
                return 400, "Bad Request: TOPIC_NOT_MODIFIED"
            self.topics[key] = name
            return 200, True
        if method == "getWebhookInfo":
            sets = self.calls_to("setWebhook")
            url = sets[-1].body.get("url") if sets else ""
            return 200, {"url": url, "has_custom_certificate": False, "pending_update_count": 0}
        return 404, "Not Found: method not found"


def _line_messages_problem(messages: Any) -> str | None:
    """What the LINE platform would refuse in a reply or push, or None."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return "messages: must hold 1 to 5 messages"
    for message in messages:
        if message.get("type") == "image":
            for key in ("originalContentUrl", "previewImageUrl"):
                url = message.get(key) or ""
                if not url.startswith("https://") or len(url) > 2000:
                    return f"messages[].{key}: must be an HTTPS URL of at most 2000 characters"
            continue
        if message.get("type") != "text":
            return f"messages[].type: {message.get('type')} is not one the fake knows"
        text = message.get("text") or ""
        if not text or len(text) > 5000:
            return "messages[].text: must be 1 to 5000 characters"
        items = ((message.get("quickReply") or {}).get("items")) or []
        if len(items) > 13:
            return "quickReply.items: at most 13"
        for item in items:
            action = item.get("action") or {}
            if len(action.get("label") or "") > 20 or len(action.get("data") or "") > 300:
                return "quickReply.items[].action: label at most 20, data at most 300"
    return None


# -- what the platforms send to the assistant ---------------------------------------------


def line_signature(body: bytes, secret: str = LINE_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


_counter = iter(range(10**9))


def line_event(
    user_id: str,
    text: str | None = None,
    *,
    kind: str = "message",
    message_type: str = "text",
    data: str | None = None,
    event_id: str | None = None,
    redelivery: bool = False,
    source: dict | None = None,
    reply_token: str | None = None,
) -> dict[str, Any]:
    """A webhook event as LINE sends it."""
    n = next(_counter)
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": source or {"type": "user", "userId": user_id},
        "webhookEventId": event_id or f"01FAKE{n:020d}",
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if kind in ("message", "follow", "postback"):
        event["replyToken"] = reply_token or f"reply-token-{n}"
    if kind == "message":
        message: dict[str, Any] = {"id": str(n), "type": message_type, "quoteToken": "q"}
        if message_type == "text":
            message["text"] = text or ""
        elif message_type == "sticker":
            message.update(packageId="446", stickerId="1988", stickerResourceType="STATIC")
        elif message_type in ("image", "video", "audio"):
            message["contentProvider"] = {"type": "line"}
            if message_type != "image":
                message["duration"] = 1000
        elif message_type == "file":
            message.update(fileName="zairyu.pdf", fileSize=2048)
        elif message_type == "location":
            message.update(title="Home", address="Sendai", latitude=38.26, longitude=140.87)
        event["message"] = message
    if kind == "postback":
        event["postback"] = {"data": data or ""}
    return event


def line_body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}).encode()


def telegram_message(
    chat_id: int,
    text: str | None = None,
    *,
    update_id: int | None = None,
    language_code: str | None = "en",
    chat_type: str = "private",
    extra: dict | None = None,
) -> dict[str, Any]:
    """An update with a message, as Telegram sends it."""
    update_id = update_id if update_id is not None else 10_000 + next(_counter)
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Resident"}
    if language_code:
        user["language_code"] = language_code
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type},
        "from": user,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    message.update(extra or {})
    return {"update_id": update_id, "message": message}


def telegram_callback(
    chat_id: int, data: str, *, update_id: int | None = None, language_code: str | None = "en"
) -> dict[str, Any]:
    """An update with a button tap (callback query), as Telegram sends it."""
    update_id = update_id if update_id is not None else 10_000 + next(_counter)
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Resident"}
    if language_code:
        user["language_code"] = language_code
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": 123456, "is_bot": True, "first_name": "Center"},
                "text": "...",
            },
        },
    }


TELEGRAM_NON_TEXT: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "u1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "a.pdf"}},
    "location": {"location": {"latitude": 35.7, "longitude": 139.56}},
}


def telegram_group_message(
    chat_id: int,
    text: str,
    *,
    user_id: int = 5001,
    first_name: str = "Aiko",
    username: str | None = "aiko_staff",
    reply_to: int | None = None,
    thread: int | None = None,
) -> dict[str, Any]:
    """A message someone wrote in a group (a consultants' group or any other), as
    Telegram sends it, optionally a reply to an earlier message of the group, or in a
    forum topic (`thread`)."""
    update = telegram_message(chat_id, text, chat_type="supergroup", language_code="ja")
    if thread is not None:
        update["message"].update(message_thread_id=thread, is_topic_message=True)
    user = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    update["message"]["from"] = user
    update["message"]["chat"]["title"] = "Consultants"
    if reply_to is not None:
        update["message"]["reply_to_message"] = {
            "message_id": reply_to,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup"},
            "from": {"id": 123456, "is_bot": True, "first_name": "Center"},
            "text": "...",
        }
    return update


def telegram_group_callback(chat_id: int, data: str, *, user_id: int = 5001) -> dict[str, Any]:
    """A tap on a button of a message in a group (a ticket card's Take or Close)."""
    update = telegram_callback(chat_id, data, language_code="ja")
    update["callback_query"]["from"] = {"id": user_id, "is_bot": False, "first_name": "Aiko"}
    update["callback_query"]["message"]["chat"] = {"id": chat_id, "type": "supergroup"}
    return update
