"""The platform SDKs work in this environment (pydantic 2 and aiohttp lifted beside Rasa 3.6).

The real SDK clients talk to small fake platform servers on loopback, through the base-URL
settings the channels use (contract: LINE_API_BASE_URL, TELEGRAM_API_BASE_URL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from aiohttp import web


@pytest.fixture
async def fake_platform(aiohttp_unused_port):
    """Records every request; answers like the LINE Messaging API and the Telegram Bot API."""
    received: list[tuple[str, dict]] = []

    async def line_reply(request: web.Request) -> web.Response:
        received.append((request.path, await request.json()))
        assert request.headers["Authorization"] == "Bearer line-token"
        return web.json_response({"sentMessages": [{"id": "1", "quoteToken": "q"}]})

    async def telegram_method(request: web.Request) -> web.Response:
        body = (
            await request.post()
            if request.content_type != "application/json"
            else await request.json()
        )
        received.append((request.path, dict(body)))
        if request.match_info["method"] == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Center", "username": "center_bot"}
        else:
            result = {
                "message_id": 7,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "text": body.get("text"),
            }
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/v2/bot/message/reply", line_reply)
    app.router.add_post("/bottelegram-token/{method}", telegram_method)
    runner = web.AppRunner(app)
    await runner.setup()
    port = aiohttp_unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


@pytest.fixture
def aiohttp_unused_port():
    import socket

    def port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    return port


async def test_line_sdk_replies_through_a_configured_base_url(fake_platform) -> None:
    from linebot.v3.messaging import (
        AsyncApiClient,
        AsyncMessagingApi,
        Configuration,
        ReplyMessageRequest,
        TextMessage,
    )

    base, received = fake_platform
    configuration = Configuration(host=base, access_token="line-token")
    async with AsyncApiClient(configuration) as client:
        await AsyncMessagingApi(client).reply_message(
            ReplyMessageRequest(reply_token="r", messages=[TextMessage(text="こんにちは")])
        )
    path, body = received[0]
    assert path == "/v2/bot/message/reply"
    assert body["replyToken"] == "r"
    assert body["messages"] == [{"type": "text", "text": "こんにちは"}]


def test_line_sdk_verifies_signatures() -> None:
    from linebot.v3 import WebhookParser
    from linebot.v3.exceptions import InvalidSignatureError

    body = json.dumps({"destination": "U0", "events": []})
    signature = base64.b64encode(
        hmac.new(b"secret", body.encode(), hashlib.sha256).digest()
    ).decode()
    assert WebhookParser("secret").parse(body, signature) == []
    with pytest.raises(InvalidSignatureError):
        WebhookParser("secret").parse(body, "forged")


async def test_telegram_sdk_talks_to_a_configured_base_url(fake_platform) -> None:
    from telegram import Bot

    base, received = fake_platform
    async with Bot("telegram-token", base_url=f"{base}/bot") as bot:
        message = await bot.send_message(chat_id=42, text="xin chào")
    assert message.text == "xin chào"
    assert [path for path, _ in received] == [
        "/bottelegram-token/getMe",
        "/bottelegram-token/sendMessage",
    ]
    assert received[-1][1]["text"] == "xin chào"
