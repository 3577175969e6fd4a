"""Nothing lost when a process dies: webhook events are kept before the platform gets its
200 (bot.channels.intake), so a server killed with SIGKILL answers them after its restart,
and a redelivery sent to another instance sharing the database is dropped.

Every wait is for a known event: the n-th call arriving at the fake platform."""

from __future__ import annotations

import itertools
import os
import signal
import time

from tests import fakes, harness
from tests.e2e.conftest import Assistant

_users = itertools.count(1)


def user() -> str:
    return f"Uintake{next(_users):025x}"


def test_events_of_a_killed_server_are_answered_after_its_restart(tmp_path, platforms) -> None:
    """As measured before the intake: 30 LINE residents write, the server is killed right
    after LINE got its 200s; then 0 of 30 were ever answered. Now all 30 are, once."""
    env = {
        **harness.channel_env(platforms),
        "INTAKE_LEASE_SECONDS": "3",
        "PLATFORM_TIMEOUT_SECONDS": "30",  # the hung replies below stay hung until the kill
    }
    residents = [user() for _ in range(30)]
    tokens = {u: f"tok-intake-{u[-6:]}" for u in residents}
    process, base, _ = harness.start(tmp_path, "miyagi", env)
    try:
        # LINE takes the calls and never answers them: the replies are in flight
        # (20 s: longer than it takes to kill the server, shorter than its 30 s timeout)
        platforms.trouble("message/reply", status=500, hang=20, times=len(residents))
        before = platforms.arrivals.count("message/reply")
        body = fakes.line_body(
            *(fakes.line_event(u, "ごみの出し方を教えて", reply_token=tokens[u]) for u in residents)
        )
        assert Assistant(base).line(body=body)[0] == 200
        # the known event: every resident's reply has reached LINE (and hangs there)
        platforms.wait_for_arrivals("message/reply", count=before + len(residents), timeout=120)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
    assert not any(platforms.calls_to("message/reply", replyToken=tokens[u]) for u in residents)

    process, base, _ = harness.start(tmp_path, "miyagi", env)
    try:
        deadline = time.monotonic() + 120
        answered: dict[str, int] = {}
        while len(answered) < len(residents):
            assert time.monotonic() < deadline, f"{len(answered)} of 30 answered after the restart"
            for u in residents:
                got = len(platforms.calls_to("message/reply", replyToken=tokens[u]))
                got += len(platforms.calls_to("message/push", to=u))
                if got:
                    answered[u] = got
            time.sleep(0.1)
        # the known event: every kept event is done (nothing left to pick up again)
        while Assistant(base).get("/webhooks/line/")["backlog"]:
            assert time.monotonic() < deadline, "events were left unfinished"
            time.sleep(0.1)
        for u in residents:
            got = len(platforms.calls_to("message/reply", replyToken=tokens[u]))
            got += len(platforms.calls_to("message/push", to=u))
            assert got == 1, f"a resident was answered {got} times"
    finally:
        harness.stop(process)


def test_a_redelivery_to_another_instance_is_dropped(tmp_path, platforms) -> None:
    """Two servers behind one address share DATABASE_URL: LINE redelivers an event to the
    other one (isRedelivery), which drops it; the resident is answered once."""
    shared = {**harness.channel_env(platforms), "DATABASE_URL": f"sqlite:///{tmp_path}/shared.db"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, base_a, _ = harness.start(tmp_path / "a", "miyagi", shared)
    try:
        second, base_b, _ = harness.start(tmp_path / "b", "miyagi", shared)
        try:
            resident = user()
            event = fakes.line_event(resident, "hello", reply_token="tok-intake-redelivered")
            assert Assistant(base_a).line(event)[0] == 200
            platforms.wait_for("message/reply", replyToken="tok-intake-redelivered")
            again = {**event, "deliveryContext": {"isRedelivery": True}}
            assert Assistant(base_b).line(again)[0] == 200
            # the known event: the second server has handled its call (nothing queued)
            end = time.monotonic() + 30
            while Assistant(base_b).get("/webhooks/line/")["waiting"]:
                assert time.monotonic() < end
                time.sleep(0.05)
            assert (
                len(platforms.attempts_of("message/reply", replyToken="tok-intake-redelivered"))
                == 1
            )
            assert not platforms.calls_to("message/push", to=resident)
        finally:
            harness.stop(second)
    finally:
        harness.stop(first)
