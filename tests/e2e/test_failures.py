"""Nothing silent: with the action server down, every resident gets the apology in their
language with the center's phone, each failure is counted, and a server stopped while a
reply is being retried delivers it before it exits.

An assistant of its own, whose Rasa server calls an action server port where nothing
listens (started once for this file; the last test stops it).
"""

from __future__ import annotations

import signal
import subprocess

import pytest

from bot.channels.notices import renderer
from tests import fakes, harness
from tests.e2e.conftest import MODEL, Assistant


@pytest.fixture(scope="module")
def broken(tmp_path_factory, platforms) -> Assistant:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    tmp = tmp_path_factory.mktemp("assistant-no-actions")
    dead = f"http://127.0.0.1:{fakes.free_port()}/webhook"
    env = {**harness.channel_env(platforms), "PLATFORM_RETRY_SECONDS": "20"}
    process, base, _ = harness.start(tmp, "miyagi", env, actions_url=dead)
    assistant = Assistant(base)
    assistant.process = process
    assistant.log = tmp / "assistant.log"
    yield assistant
    harness.stop(process)


def failure(language: str) -> str:
    return renderer().message("failure", language)


def test_telegram_resident_gets_the_apology_in_the_language_of_their_app(broken, platforms) -> None:
    chat = 880_001
    assert broken.telegram(fakes.telegram_message(chat, "xin chao", language_code="vi"))[0] == 200
    [call] = platforms.wait_for("sendMessage", chat_id=chat, timeout=60)
    assert call.body["text"] == failure("vi")
    assert "022-275-9990" in call.body["text"]  # Miyagi's consultation phone
    assert broken.get("/webhooks/telegram/")["failed"] >= 1


def test_line_resident_gets_the_apology_in_the_conversations_language(broken, platforms) -> None:
    user = "Ubroken0000000000000000000000001"
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        {"event": "slot", "name": "language", "value": "pt"},
    ]
    broken.post(f"/conversations/line:{user}/tracker/events", events)  # type: ignore[arg-type]
    assert broken.line(fakes.line_event(user, "hello", reply_token="tok-broken-1"))[0] == 200
    [call] = platforms.wait_for("message/reply", replyToken="tok-broken-1", timeout=60)
    assert [m["text"] for m in call.body["messages"]] == [failure("pt")]
    assert broken.get("/webhooks/line/")["failed"] >= 1


def test_rest_client_gets_the_apology_too(broken) -> None:
    [answer] = broken.say("broken-rest", "안녕하세요", language_hint="ko")
    assert answer["text"] == failure("ko")
    # no language known: English and Easy Japanese, as the assistant's undecided replies
    [answer] = broken.say("broken-rest-2", "hi")
    assert answer["text"] == failure("en") + "\n\n" + failure("ja-easy")
    assert broken.get("/webhooks/rest/")["failed"] >= 2


def test_a_server_stopped_while_a_reply_is_retried_delivers_it_first(broken, platforms) -> None:
    chat = 880_002
    platforms.trouble("sendMessage", status=502, times=3)
    assert broken.telegram(fakes.telegram_message(chat, "hi", language_code="tl"))[0] == 200
    # The first attempt failed: the reply is being retried when the server is told to stop.
    platforms.wait_for_attempts("sendMessage", chat_id=chat, timeout=60)
    broken.process.send_signal(signal.SIGTERM)
    try:
        broken.process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the assistant did not stop")
    attempts = platforms.attempts_of("sendMessage", chat_id=chat)
    assert [c.status for c in attempts] == [502, 502, 502, 200]
    assert attempts[-1].body["text"] == failure("tl")
    log = broken.log.read_text()
    assert "waiting up to" in log
    assert "could not deliver" not in log
