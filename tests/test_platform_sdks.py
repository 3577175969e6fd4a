"""line-bot-sdk works in this environment (pydantic 2 and aiohttp lifted beside Rasa 3.6),
and our signature check agrees with it. The real SDK client talks to a small fake server on
loopback through the base-URL setting the channel uses (contract: LINE_API_BASE_URL). The
Telegram SDK is exercised through the channel's own client in tests/channels/test_telegram.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from aiohttp import web


@pytest.fixture
async def fake_platform(aiohttp_unused_port):
    """Records every request; answers like the LINE Messaging API."""
    received: list[tuple[str, dict]] = []

    async def line_reply(request: web.Request) -> web.Response:
        received.append((request.path, await request.json()))
        assert request.headers["Authorization"] == "Bearer line-token"
        return web.json_response({"sentMessages": [{"id": "1", "quoteToken": "q"}]})

    app = web.Application()
    app.router.add_post("/v2/bot/message/reply", line_reply)
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


@pytest.mark.parametrize(
    "body",
    [b'{"destination": "U0", "events": []}', '{"text": "こんにちは"}'.encode(), b""],
)
def test_our_signature_check_agrees_with_the_sdk(body: bytes) -> None:
    """bot.channels.line.valid_signature accepts exactly what line-bot-sdk's own
    SignatureValidator accepts: the right signature, not a forged or another secret's."""
    from linebot.v3.webhook import SignatureValidator

    from bot.channels.line import valid_signature

    right = base64.b64encode(hmac.new(b"secret", body, hashlib.sha256).digest()).decode()
    other = base64.b64encode(hmac.new(b"other", body, hashlib.sha256).digest()).decode()
    sdk = SignatureValidator("secret")
    for signature, expected in [(right, True), (other, False), ("forged", False), ("", False)]:
        assert sdk.validate(body.decode(), signature) is expected
        assert valid_signature("secret", body, signature) is expected
