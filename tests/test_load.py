"""`make load`'s bookkeeping (bench/load.py) on made-up records: which message an arriving
call answers, and what counts as lost, answered twice and out of order. No assistant runs
here; the round-robin proxy is tried against two tiny loopback servers."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from bench import load
from bench.load import Received, Sent, score
from tests.fakes import free_port

TG = "telegram:700000001"
LN = "line:U00000001000000000000000000000000"


def telegram_messages() -> list[Sent]:
    return [Sent(TG, i, f"t{i}", None, at=10.0 * i) for i in range(3)]


def line_messages() -> list[Sent]:
    return [Sent(LN, i, f"l{i}", f"token-{i}", at=10.0 * i) for i in range(3)]


EXPECTED = {
    # a Telegram turn is one call a message; a LINE turn, one call of up to five
    "t0": [("greeting",), ("menu",)],
    "t1": [("residence card",)],
    "t2": [("you're welcome",)],
    "l0": [("hello", "menu")],
    "l1": [("garbage",)],
    "l2": [("thanks back",)],
}


def tg(text: str, at: float, status: int = 200) -> Received:
    return Received(TG, None, (text,), at, status)


def reply(token: str, texts: tuple[str, ...], at: float, status: int = 200) -> Received:
    return Received(None, token, texts, at, status)


def test_a_clean_record_is_all_answered_with_its_latencies() -> None:
    received = [
        tg("greeting", 1.0),
        tg("menu", 1.5),
        tg("residence card", 10.25),
        tg("you're welcome", 20.5),
        reply("token-0", ("hello", "menu"), 0.5),
        reply("token-1", ("garbage",), 11.0),
        reply("token-2", ("thanks back",), 21.0),
    ]
    outcome = score(telegram_messages() + line_messages(), received, EXPECTED)
    assert (outcome.lost, outcome.twice, outcome.out_of_order) == ([], [], [])
    assert outcome.unmatched == outcome.refused == []
    # Telegram: until the turn's last message; LINE: until the reply
    assert outcome.latencies == {
        "t0": 1.5,
        "t1": 0.25,
        "t2": 0.5,
        "l0": 0.5,
        "l1": 1.0,
        "l2": 1.0,
    }
    assert outcome.answered == 6
    assert outcome.throughput == 6 / 21.0  # from the first send to the last answer
    assert outcome.offered == 6 / 20.0


def test_a_message_without_its_whole_answer_is_lost() -> None:
    sent = telegram_messages()
    received = [tg("greeting", 1.0), tg("you're welcome", 20.5)]  # t0 half, t1 nothing
    outcome = score(sent, received, EXPECTED)
    assert [(s.key, why) for s, why in outcome.lost] == [
        ("t0", "1 of 2 calls arrived"),
        ("t1", "0 of 1 calls arrived"),
    ]
    assert set(outcome.latencies) == {"t2"}
    assert outcome.twice == outcome.out_of_order == []


def test_a_message_the_assistant_never_answered_is_lost() -> None:
    sent = [*telegram_messages(), Sent(TG, 3, "t3", None, at=30.0, status=503)]
    received = [
        tg("greeting", 1),
        tg("menu", 1),
        tg("residence card", 11),
        tg("you're welcome", 21),
    ]
    outcome = score(sent, received, EXPECTED)
    assert [(s.key, why) for s, why in outcome.lost] == [("t3", "webhook HTTP 503")]


def test_a_part_that_arrives_again_is_answered_twice() -> None:
    received = [
        tg("greeting", 1.0),
        tg("menu", 1.5),
        tg("menu", 2.0),  # a retried sendMessage that had arrived
        tg("residence card", 10.5),
        tg("you're welcome", 20.5),
    ]
    outcome = score(telegram_messages(), received, EXPECTED)
    assert [(s.key, extra) for s, extra in outcome.twice] == [("t0", 1)]
    assert outcome.latencies["t0"] == 1.5  # the answer was whole at the first
    assert outcome.lost == outcome.out_of_order == []


def test_a_push_after_the_reply_is_answered_twice_a_refused_second_reply_is_not() -> None:
    received = [
        reply("token-0", ("hello", "menu"), 0.5),
        reply("token-0", ("hello", "menu"), 2.5, status=400),  # the spent token, refused
        reply("token-1", ("garbage",), 11.0),
        Received(LN, None, ("garbage",), 12.0),  # the same answer pushed as well
        reply("token-2", ("thanks back",), 21.0),
    ]
    outcome = score(line_messages(), received, EXPECTED)
    assert [(s.key, extra) for s, extra in outcome.twice] == [("l1", 1)]
    assert [r.token for r in outcome.refused] == ["token-0"]
    assert outcome.lost == outcome.out_of_order == []


def test_a_push_answers_the_earliest_message_still_waiting_for_it() -> None:
    received = [
        reply("token-0", ("hello", "menu"), 0.5),
        Received(LN, None, ("garbage",), 60.0),  # reply token too old: pushed
        reply("token-2", ("thanks back",), 21.0),
    ]
    outcome = score(line_messages(), received, EXPECTED)
    assert outcome.latencies["l1"] == 50.0
    # ...and arriving after message 3's answer, it is out of order
    assert [(a.key, b.key) for a, b in outcome.out_of_order] == [("l2", "l1")]


def test_an_answer_before_an_earlier_message_was_answered_is_out_of_order() -> None:
    received = [
        tg("greeting", 1.0),
        tg("residence card", 10.5),  # message 2's answer ...
        tg("menu", 11.0),  # ... before message 1's was whole
        tg("you're welcome", 20.5),
        reply("token-1", ("garbage",), 11.0),  # LINE: 2 before 1
        reply("token-0", ("hello", "menu"), 12.0),
        reply("token-2", ("thanks back",), 21.0),
    ]
    outcome = score(telegram_messages() + line_messages(), received, EXPECTED)
    assert [(a.key, b.key) for a, b in outcome.out_of_order] == [("t1", "t0"), ("l1", "l0")]
    assert outcome.lost == outcome.twice == []


def test_calls_of_no_message_are_unmatched_and_other_conversations_ignored() -> None:
    received = [
        tg("greeting", 1.0),
        tg("menu", 1.5),
        tg("Sorry, something went wrong", 2.0),  # e.g. the apology
        Received("telegram:1", None, ("warm-up",), 2.0),  # not a measured resident
        reply("warm-up-token", ("hello",), 2.0),
    ]
    outcome = score(telegram_messages()[:1], received, EXPECTED)
    assert [r.texts for r in outcome.unmatched] == [("Sorry, something went wrong",)]
    assert outcome.latencies == {"t0": 1.5}


def test_a_reply_by_token_with_other_texts_still_answers_its_message() -> None:
    outcome = score(line_messages()[:1], [reply("token-0", ("apology",), 1.0)], EXPECTED)
    assert [(s.key, unit) for s, unit in outcome.different] == [("l0", ("apology",))]
    assert outcome.latencies == {"l0": 1.0}


def test_an_apology_is_no_answer() -> None:
    sent = [Sent(LN, 0, "l9", "token-9", 0.0), Sent(TG, 0, "t9", None, 0.0)]
    received = [reply("token-9", ("sorry",), 1.0), tg("sorry", 1.0)]
    outcome = score(sent, received, {})  # the tracker: no answer to either
    assert [(s.key, why) for s, why in outcome.lost] == [
        ("l9", "no answer in the tracker"),
        ("t9", "no answer in the tracker"),
    ]
    assert outcome.twice == []
    assert [r.texts for r in outcome.unmatched] == [("sorry",)]
    assert [unit for _, unit in outcome.different] == [("sorry",)]


async def test_answers_follow_the_tracker_and_the_channels_rendering() -> None:
    long = "word " * 1000  # 5,000 characters: two Telegram messages, one LINE message
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "message_id": "2", "text": "second"},
        {"event": "bot", "text": long, "data": {}},
        {"event": "bot", "text": "related", "data": {"buttons": [{"title": "A", "payload": "/a"}]}},
        {"event": "user", "message_id": "1", "text": "first"},
        {"event": "bot", "text": "hi", "data": {}},
        {"event": "user", "message_id": "2", "text": "second"},  # handled again
        {"event": "bot", "text": "related", "data": {}},
    ]
    telegram = await load.answers("telegram", events)
    assert list(telegram) == ["2", "1"]  # the order Rasa took them
    first, second, related = telegram["2"][0]
    assert f"{first[0]} {second[0]}" == long.strip()  # cut at a space, within 4,096
    assert max(len(first[0]), len(second[0])) <= 4096
    assert related == ("related",)
    assert telegram["2"][1] == [("related",)]
    line = await load.answers("line", events)
    assert line["2"][0] == [(long.strip(), "related")]
    assert line["1"] == [[("hi",)]]
    sent = [Sent(TG, 0, "1", None, 0.0), Sent(TG, 1, "2", None, 1.0)]
    assert load.taken_out_of_order(sent, {TG: telegram}) == [TG]
    assert load.taken_out_of_order(sent[::-1], {TG: {"1": [], "2": []}}) == []


def test_the_plan_is_the_seeds_and_offers_the_rate() -> None:
    residents = load.plan(100, 5, seed=7)
    assert residents == load.plan(100, 5, seed=7)
    assert residents != load.plan(100, 5, seed=8)
    assert sum(r.channel == "line" for r in residents) == 50
    assert {r.language for r in residents} == set(load.ANSWERED)
    assert len({r.conversation for r in residents}) == 100
    assert all(len(r.texts) == 5 and len(r.at) == 5 for r in residents)
    # the rate asked for, all through the run: no peak in the middle
    assert load.planned_rate(residents) == pytest.approx(load.RATE, rel=0.05)
    assert load.busiest(residents) <= 1.25 * load.RATE
    gaps = [b - a for r in residents for a, b in zip(r.at, r.at[1:], strict=False)]
    assert any(gap <= load.QUICK[1] for gap in gaps)  # two in quick succession, sometimes
    assert all(gap >= load.QUICK[0] for gap in gaps)
    easy = next(r for r in residents if r.language == "ja-easy")
    assert easy.texts[0] == "/lang ja-easy"


async def test_the_proxy_sends_each_request_to_the_next_instance() -> None:
    runners, bases = [], []
    for name in ("a", "b"):

        async def answer(request: web.Request, name: str = name) -> web.Response:
            body = await request.read()
            return web.json_response(
                {"instance": name, "body": body.decode(), "path": request.path}
            )

        app = web.Application()
        app.router.add_route("*", "/{path:.*}", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        bases.append(f"http://127.0.0.1:{port}")
    proxy = await load.RoundRobin(bases).start()
    try:
        async with aiohttp.ClientSession() as session:
            seen = []
            for n in range(4):
                async with session.post(
                    f"{proxy.base_url}/webhooks/line/webhook", data=f"{n}"
                ) as r:
                    seen.append(await r.json())
    finally:
        await proxy.close()
        for runner in runners:
            await runner.cleanup()
    assert [s["instance"] for s in seen] == ["a", "b", "a", "b"]
    assert [s["body"] for s in seen] == ["0", "1", "2", "3"]
    assert {s["path"] for s in seen} == {"/webhooks/line/webhook"}
