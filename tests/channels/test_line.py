"""The LINE channel's parts: signatures, rendering, and the API client against the fake."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from bot.channels.base import Choice, Outgoing
from bot.channels.line import LineApi, LineInput, render, signature_of, valid_signature
from bot.settings import LineSettings
from tests import fakes

BODY = b'{"destination":"U0","events":[]}'
# Computed apart from this code: printf '%s' BODY | openssl dgst -sha256 -hmac channel-secret -binary | base64
KNOWN_SIGNATURE = "W3dP9Bhbu4pAfrrGKmS3sZ+m7GXhMWYtP0X+0oJHG4w="


def test_signature_matches_a_known_answer() -> None:
    assert signature_of("channel-secret", BODY) == KNOWN_SIGNATURE
    assert valid_signature("channel-secret", BODY, KNOWN_SIGNATURE)


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "W3dP9Bhbu4pAfrrGKmS3sZ+m7GXhMWYtP0X+0oJHG4x=",
        "not base64 at all ✗",
        KNOWN_SIGNATURE[:-2],
    ],
)
def test_forged_signatures_fail(forged: str) -> None:
    assert not valid_signature("channel-secret", BODY, forged)
    assert not valid_signature("other-secret", BODY, KNOWN_SIGNATURE)
    assert not valid_signature("channel-secret", BODY + b" ", KNOWN_SIGNATURE)


def test_render_puts_every_button_of_the_turn_under_the_last_message() -> None:
    messages = render(
        [
            Outgoing("Answer", (Choice("Residence card renewal at the immigration office", "/a"),)),
            Outgoing("More", (Choice("Consultant", "/human_handoff"), Choice("A", "/a"))),
        ]
    )
    assert [m.text for m in messages] == ["Answer", "More"]
    assert messages[0].quick_reply is None
    items = messages[-1].to_dict()["quickReply"]["items"]
    assert [i["action"]["data"] for i in items] == ["/a", "/human_handoff"]
    assert all(len(i["action"]["label"]) <= 20 for i in items)
    assert items[0]["action"]["displayText"].startswith("Residence card renewal")


def test_render_keeps_a_turn_within_one_call_and_the_text_limit() -> None:
    turn = [Outgoing(f"part {n}") for n in range(8)] + [Outgoing("y" * 12_000)]
    messages = render(turn)
    assert all(len(m.text) <= 5000 for m in messages)
    joined = "\n\n".join(m.text for m in messages)
    assert joined.count("part") == 8 and joined.count("y") == 12_000


def test_render_caps_quick_replies_at_13() -> None:
    choices = tuple(Choice(f"T{n}", f"/p{n}") for n in range(20))
    [message] = render([Outgoing("pick", choices)])
    assert len(message.to_dict()["quickReply"]["items"]) == 13


@pytest.fixture
def api(platforms) -> LineApi:
    settings = LineSettings(
        channel_secret=fakes.LINE_SECRET,
        access_token=fakes.LINE_TOKEN,
        api_base_url=platforms.base_url,
        timeout=1.0,
        retry_seconds=2.0,
    )
    return LineApi(settings, first_wait=0.05)


async def test_a_fresh_reply_token_is_used(api, platforms) -> None:
    await api.send("Ufresh", render([Outgoing("hi")]), "tok-fresh", time.monotonic())
    await api.close()
    assert platforms.calls_to("message/reply", replyToken="tok-fresh")
    assert not platforms.calls_to("message/push", to="Ufresh")


async def test_an_old_reply_token_is_not_tried_the_message_is_pushed(api, platforms) -> None:
    await api.send("Uold", render([Outgoing("hi")]), "tok-old", time.monotonic() - 120)
    await api.close()
    assert not [c for c in platforms.calls if c.body.get("replyToken") == "tok-old"]
    [push] = platforms.calls_to("message/push", to="Uold")
    assert push.headers.get("X-Line-Retry-Key")


async def test_pushes_are_retried_with_one_retry_key_and_delivered_once(api, platforms) -> None:
    platforms.trouble("message/push", status=503, times=2)
    assert await api.push("Uretry", render([Outgoing("hi")]))
    await api.close()
    attempts = [
        c for c in platforms.calls if c.method == "message/push" and c.body["to"] == "Uretry"
    ]
    assert [c.status for c in attempts] == [503, 503, 200]
    assert len({c.headers["X-Line-Retry-Key"] for c in attempts}) == 1


async def test_a_push_that_never_gets_through_is_counted_not_raised(api, platforms) -> None:
    platforms.trouble("message/push", status=500, times=10)
    assert not await api.push("Udown", render([Outgoing("hi")]))
    await api.close()
    assert api.undelivered == 1
    platforms.trouble("message/push", times=0)


async def test_a_refused_push_is_not_retried(api, platforms) -> None:
    platforms.trouble("message/push", status=400, times=1)
    assert not await api.push("Ubad", render([Outgoing("hi")]))
    await api.close()
    assert len([c for c in platforms.calls if c.body.get("to") == "Ubad"]) == 1


async def test_profile_language_is_a_hint_and_its_failure_costs_nothing(api, platforms) -> None:
    platforms.profiles["Upt"] = "pt-BR"
    assert await api.profile_language("Upt") == "pt-BR"
    assert await api.profile_language("Unobody") is None
    await api.close()


def _delivered(platforms, method: str, **match) -> list:
    return platforms.calls_to(method, **match)


async def test_a_reply_that_timed_out_but_arrived_is_not_sent_again(api, platforms) -> None:
    """The fake behaves like LINE: the reply hangs past the client's timeout and is still
    delivered. The retried reply finds its token spent, so nothing is pushed."""
    platforms.trouble("message/reply", hang=1.5, deliver=True)
    await api.send("Utimeout1", render([Outgoing("hi")]), "tok-timeout-1", time.monotonic())
    await api.close()
    platforms.trouble("message/reply", times=0)
    assert len(_delivered(platforms, "message/reply", replyToken="tok-timeout-1")) == 1
    assert not _delivered(platforms, "message/push", to="Utimeout1")
    assert api.undelivered == 0


async def test_a_reply_that_timed_out_and_failed_is_sent_once(api, platforms) -> None:
    platforms.trouble("message/reply", hang=1.5, status=500)
    await api.send("Utimeout2", render([Outgoing("hi")]), "tok-timeout-2", time.monotonic())
    await api.close()
    delivered = _delivered(platforms, "message/reply", replyToken="tok-timeout-2")
    pushed = _delivered(platforms, "message/push", to="Utimeout2")
    assert len(delivered) + len(pushed) == 1


async def test_a_reply_refused_at_once_is_pushed(api, platforms) -> None:
    platforms.trouble("message/reply", status=500)
    await api.send("Urefused", render([Outgoing("hi")]), "tok-refused", time.monotonic())
    await api.close()
    assert not _delivered(platforms, "message/reply", replyToken="tok-refused")
    [push] = _delivered(platforms, "message/push", to="Urefused")
    assert push.headers.get("X-Line-Retry-Key")


# -- bodies a stranger or a broken sender can post (found by tests/e2e/test_fuzz.py) ---


@pytest.fixture
def channel(platforms) -> LineInput:
    return LineInput(
        LineSettings(
            channel_secret=fakes.LINE_SECRET,
            access_token=fakes.LINE_TOKEN,
            api_base_url=platforms.base_url,
        )
    )


def call(body: bytes, signature: str | None) -> SimpleNamespace:
    """What accept_call reads of a Sanic request."""
    headers = {"X-Line-Signature": signature} if signature is not None else {}
    return SimpleNamespace(headers=headers, body=body)


def test_a_signature_header_that_is_not_utf8_is_refused_not_an_error(channel) -> None:
    forged = b"W3dP9Bhbu4pAfrr\xff".decode("utf-8", "surrogateescape")  # as Sanic gives it
    assert not valid_signature("channel-secret", BODY, forged)
    assert channel.accept_call(call(BODY, forged)).status == 401


@pytest.mark.parametrize(
    "body",
    [
        b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"events": [{"type": "message", "message": {"type": "text", "text": "\\ud800"}}]}',
    ],
    ids=["deep", "surrogate"],
)
def test_a_signed_body_it_cannot_read_gets_400(channel, body: bytes) -> None:
    assert channel.accept_call(call(body, fakes.line_signature(body))).status == 400


def test_an_event_with_a_timestamp_no_float_holds_is_still_answered(channel) -> None:
    event = fakes.line_event(f"U{7:032x}", "hello")
    event["timestamp"] = 10**400
    user, job = channel.job_from(event)
    assert (user, job.text, job.reply_token) == (f"U{7:032x}", "hello", event["replyToken"])
