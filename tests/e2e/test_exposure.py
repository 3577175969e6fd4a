"""What a stranger who can reach the ports gets: the assistant started as `make run` starts
it (bot.run), with LINE and Telegram on (`assistant`) or off (`musashino`)."""

from __future__ import annotations

import http.client
import itertools
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bot.server import ACTION_BODY_BYTES, MAX_BODY_BYTES
from tests import fakes, harness

_ids = itertools.count(900_000)


def raw(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request, errors included."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_oversized(url: str, body: bytes, headers: dict) -> int:
    """The status a server answers to a body it refuses: it may answer and close before
    the client has finished sending, as Sanic does for a body over its limit."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.putrequest("POST", parts.path + (f"?{parts.query}" if parts.query else ""))
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders()
        try:
            connection.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return connection.getresponse().status
    finally:
        connection.close()


def user_events(assistant, conversation: str) -> list[str]:
    events = assistant.tracker(conversation).get("events") or []
    return [e.get("text") for e in events if e.get("event") == "user"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/status", None),
        ("GET", "/conversations/rest:someone/tracker", None),
        ("POST", "/conversations/rest:someone/tracker/events", b'{"event": "restart"}'),
        ("PUT", "/conversations/rest:someone/tracker/events", b"[]"),
        ("POST", "/model/parse", b'{"text": "hello"}'),
        ("POST", "/model/train", b"{}"),
        ("PUT", "/model", b'{"model_file": "x"}'),
        ("DELETE", "/model", None),
    ],
)
def test_the_http_api_refuses_requests_without_the_token(assistant, method, path, body) -> None:
    headers = {"Content-Type": "application/json"}
    status, _, _ = raw(assistant.base + path, method, body, headers)
    assert status == 401
    status, _, _ = raw(
        assistant.base + path, method, body, {**headers, "Authorization": "Bearer wrong-token-x"}
    )
    assert status == 401


def test_the_http_api_answers_with_the_token(assistant) -> None:
    status, _, body = raw(assistant.base + "/status", headers=harness.AUTH)
    assert status == 200 and json.loads(body)["model_file"]
    status, _, _ = raw(f"{assistant.base}/status?token={harness.API_TOKEN}")
    assert status == 200


def test_no_open_cors(assistant) -> None:
    _, headers, _ = raw(assistant.base + "/", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in headers


def _outside_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_servers_listen_on_loopback_only(assistant) -> None:
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    rasa_port = int(assistant.base.rsplit(":", 1)[1])
    for port in (assistant.actions_port, rasa_port):
        with socket.socket() as s:
            s.settimeout(5)
            assert s.connect_ex((address, port)) != 0, f"port {port} open on {address}"
        with socket.socket() as s:
            s.settimeout(5)
            assert s.connect_ex(("127.0.0.1", port)) == 0


def test_rest_needs_the_token_while_a_platform_channel_is_on(assistant, musashino) -> None:
    body = json.dumps({"sender": "stranger", "message": "hello"}).encode()
    headers = {"Content-Type": "application/json"}
    status, _, _ = raw(assistant.base + "/webhooks/rest/webhook", "POST", body, headers)
    assert status == 401
    status, _, answer = raw(musashino.base + "/webhooks/rest/webhook", "POST", body, headers)
    assert status == 200 and json.loads(answer)


def test_a_rest_request_cannot_touch_a_line_residents_conversation(assistant, platforms) -> None:
    user = f"U{next(_ids):032x}"
    event = fakes.line_event(user, "hello")
    assert assistant.line(event)[0] == 200
    platforms.wait_for("message/reply", replyToken=event["replyToken"])
    before = user_events(assistant, f"line:{user}")
    assert before == ["hello"]
    for sender in (user, f"line:{user}"):
        replies = assistant.say(sender, "/restart")
        assert all(r["recipient_id"] == sender for r in replies)
        assistant.say(sender, "thanks")
    assert user_events(assistant, f"line:{user}") == before
    assert "thanks" in user_events(assistant, f"rest:{user}")


def test_a_bad_rest_request_gets_a_clear_error(musashino) -> None:
    url = musashino.base + "/webhooks/rest/webhook"
    for body in (b"not json", b"[]", b'{"message": "hi"}', b'{"sender": "x", "message": 5}'):
        status, _, answer = raw(url, "POST", body, {"Content-Type": "application/json"})
        assert status == 400
        assert json.loads(answer)["error"]


def test_an_oversized_body_gets_413_on_every_route_and_nothing_is_processed(
    assistant, platforms
) -> None:
    sender = f"big-{next(_ids)}"
    message = "hello " * (5 * MAX_BODY_BYTES // 6)
    rest = json.dumps({"sender": sender, "message": message}).encode()
    line_event = fakes.line_event(f"U{next(_ids):032x}", message)
    line = fakes.line_body(line_event)
    telegram = json.dumps(fakes.telegram_message(next(_ids), message)).encode()
    calls_before = len(platforms.calls)
    action_url = f"http://127.0.0.1:{assistant.actions_port}/webhook"
    for url, body, headers in [
        (assistant.base + "/webhooks/rest/webhook", rest, harness.AUTH),
        (
            assistant.base + "/webhooks/line/webhook",
            line,
            {"X-Line-Signature": fakes.line_signature(line)},
        ),
        (
            assistant.base + "/webhooks/telegram/webhook",
            telegram,
            {"X-Telegram-Bot-Api-Secret-Token": fakes.TELEGRAM_SECRET},
        ),
        (assistant.base + "/model/parse", json.dumps({"text": message}).encode(), harness.AUTH),
    ]:
        assert len(body) > 4 * MAX_BODY_BYTES
        status = post_oversized(url, body, {"Content-Type": "application/json", **headers})
        assert status == 413, url
    # the action server's own limit, above the whole conversations Rasa sends it
    huge = "hello " * (ACTION_BODY_BYTES // 6 + 1000)
    body = json.dumps({"next_action": "action_answer_faq", "x": huge}).encode()
    assert len(body) > ACTION_BODY_BYTES
    assert post_oversized(action_url, body, {"Content-Type": "application/json"}) == 413
    assert user_events(assistant, f"rest:{sender}") == []
    assistant.say(f"after-{sender}", "thanks")  # the server still answers
    assert len(platforms.calls) == calls_before


def test_a_huge_message_is_answered_like_a_long_one(musashino) -> None:
    question = "where do i put out the burnable garbage? "
    long = (question * (10_000 // len(question) + 1))[:10_000]
    huge = (question * (100_000 // len(question) + 1))[:100_000]
    first = musashino.say(f"long-{next(_ids)}", long)
    me = f"huge-{next(_ids)}"
    second = musashino.say(me, huge)
    assert [r.get("text") for r in second] == [r.get("text") for r in first]
    [kept] = user_events(musashino, f"rest:{me}")
    assert len(kept) <= 5000


def test_the_token_never_shows_in_a_command_line(assistant) -> None:
    """`ps` shows every process's command line to every user of the machine."""
    from pathlib import Path

    group = assistant.process.pid
    seen = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[2]) == group:  # the process group bot.run's servers run in
            seen += 1
            assert harness.API_TOKEN.encode() not in cmdline
    assert seen >= 3  # bot.run, the action server, the Rasa server
