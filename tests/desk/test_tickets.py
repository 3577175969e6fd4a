"""Tickets on SQLite and PostgreSQL: numbers, one open ticket per resident, atomic take,
close, messages, group posts; the schema comes from the Alembic migrations."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from bot.desk.tickets import ASSIGNED, CLOSED, WAITING, Media, TicketStore
from bot.state import upgrade
from tests.databases import ENGINES, database_url


@pytest.fixture(params=ENGINES)
def store(request, tmp_path) -> TicketStore:
    with database_url(request.param, tmp_path, "desk") as url:
        upgrade(url)
        upgrade(url)  # a second run changes nothing
        store = TicketStore(url)
        yield store
        store.engine.dispose()


def _open(store: TicketStore, conversation: str, priority: str = "normal", **kw):
    values = {"center": "miyagi", "language": "vi", "topic": None, "reason": "handoff"}
    return store.open(conversation, priority=priority, **(values | kw))


def test_the_migrations_make_the_tables(store) -> None:
    names = set(sa.inspect(store.engine).get_table_names())
    assert {
        "desk_tickets",
        "desk_messages",
        "desk_posts",
        "desk_media",
        "assistant_alembic_version",
    } <= names


def test_a_resident_has_one_open_ticket_and_a_new_one_after_closing(store) -> None:
    first, created = _open(store, "line:U1", topic="faq/labor_trouble")
    assert created and first.number >= 1 and first.status == WAITING
    again, created = _open(store, "line:U1")
    assert not created and again.number == first.number
    other, created = _open(store, "telegram:42")
    assert created and other.number != first.number
    assert store.close(first.number, by="Aiko")
    assert not store.close(first.number, by="Aiko")  # already closed
    assert store.get(first.number).status == CLOSED
    assert store.open_for("line:U1") is None
    new, created = _open(store, "line:U1")
    assert created and new.number > other.number


def test_a_ticket_opened_in_no_language_learns_it(store) -> None:
    ticket, _ = _open(store, "line:Uund", language="und")
    assert store.set_language(ticket.number, "vi")
    assert store.get(ticket.number).language == "vi"
    assert store.open_for("line:Uund").language == "vi"
    assert not store.set_language(ticket.number, "en")  # it has one: it keeps it
    assert store.get(ticket.number).language == "vi"


def test_an_emergency_raises_an_open_tickets_priority(store) -> None:
    ticket, _ = _open(store, "telegram:7", priority="normal")
    raised, created = _open(store, "telegram:7", priority="urgent", reason="emergency")
    assert not created and raised.priority == "urgent"
    lower, _ = _open(store, "telegram:7", priority="high")
    assert lower.priority == "urgent"  # never lowered


def test_the_queue_lists_urgent_first_then_the_longest_waiting(store) -> None:
    t0 = dt.datetime(2026, 12, 1, 1, 0)
    a, _ = _open(store, "line:Ua", at=t0)
    b, _ = _open(store, "line:Ub", priority="urgent", at=t0 + dt.timedelta(minutes=5))
    c, _ = _open(store, "line:Uc", priority="high", at=t0 + dt.timedelta(minutes=1))
    d, _ = _open(store, "line:Ud", at=t0 - dt.timedelta(minutes=1))
    store.close(d.number, by="x")
    assert [t.number for t in store.queue()] == [b.number, c.number, a.number]


def test_take_is_atomic_one_consultant_wins(store) -> None:
    ticket, _ = _open(store, "telegram:99")
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def take(name: str) -> None:
        barrier.wait()
        results.append(store.take(ticket.number, name))

    threads = [threading.Thread(target=take, args=(f"c{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    taken = store.get(ticket.number)
    assert taken.status == ASSIGNED and taken.consultant.startswith("c") and taken.taken_at
    assert not store.take(9999, "nobody")


def test_messages_are_kept_in_order_and_the_first_reply_is_timed(store) -> None:
    ticket, _ = _open(store, "line:Um")
    t0 = dt.datetime(2026, 12, 1, 2, 0)
    store.add_message(ticket.number, "resident", "tôi cần giúp", at=t0)
    store.add_message(ticket.number, "resident", "", kind="photo", at=t0)
    store.add_message(
        ticket.number, "consultant", "はい", author="Aiko", at=t0 + dt.timedelta(minutes=3)
    )
    store.add_message(
        ticket.number, "consultant", "again", author="Aiko", at=t0 + dt.timedelta(minutes=9)
    )
    kept = store.messages(ticket.number)
    assert [(m.direction, m.kind) for m in kept] == [
        ("resident", "text"),
        ("resident", "photo"),
        ("consultant", "text"),
        ("consultant", "text"),
    ]
    assert store.get(ticket.number).first_reply_at == t0 + dt.timedelta(minutes=3)


def test_a_group_post_leads_back_to_its_ticket(store) -> None:
    ticket, _ = _open(store, "line:Up")
    store.remember_post(ticket.number, "telegram", "-1001", "55")
    store.remember_post(ticket.number, "telegram", "-1001", "55")  # twice: no error
    assert store.ticket_of_post("telegram", "-1001", "55").number == ticket.number
    assert store.ticket_of_post("telegram", "-1002", "55") is None
    assert store.ticket_of_post("line", "-1001", "55") is None
    store.set_thread(ticket.number, 77)
    assert store.by_thread(77).number == ticket.number


def test_unseen_tickets_are_the_waiting_ones_announced_long_ago(store) -> None:
    t0 = dt.datetime(2026, 12, 1, 3, 0)
    old, _ = _open(store, "line:Uo", at=t0)
    fresh, _ = _open(store, "line:Uf", at=t0 + dt.timedelta(minutes=14))
    taken, _ = _open(store, "line:Ut", at=t0)
    store.take(taken.number, "Aiko")
    later = t0 + dt.timedelta(minutes=15)
    assert [t.number for t in store.unseen(dt.timedelta(minutes=10), at=later)] == [old.number]
    store.announced(old.number, at=later)
    assert store.unseen(dt.timedelta(minutes=10), at=later) == []
    assert fresh.number


def test_media_is_kept_by_an_unguessable_token_and_pruned_with_its_closed_ticket(store) -> None:
    ticket, _ = _open(store, "line:Umedia")
    photo = Media("photo", bytes(range(256)) * 1000, "image/jpeg", "letter.jpg")
    token = store.keep_media(ticket.number, photo)
    other = store.keep_media(ticket.number, photo)
    assert token != other and len(token) >= 40
    assert store.media(token) == photo  # bytes come back exactly (bytea, BLOB)
    assert store.media("not-a-token") is None
    at = dt.datetime(2026, 12, 1, 12, 0)
    assert store.prune(30, at=at + dt.timedelta(days=60)) == 0  # open tickets stay
    store.close(ticket.number, "A", at=at)
    assert store.media(token, at=at + dt.timedelta(days=29)) == photo  # still served
    assert store.media(token, at=at + dt.timedelta(days=31)) is None  # the link expired
    assert store.prune(30, at=at + dt.timedelta(days=29)) == 0
    assert store.prune(30, at=at + dt.timedelta(days=31)) == 1
    assert store.media(token) is None and store.get(ticket.number) is None


def test_a_reminder_is_claimed_by_one_instance(store) -> None:
    t0 = dt.datetime(2026, 12, 1, 3, 0)
    ticket, _ = _open(store, "line:Ureminder", at=t0)
    later = t0 + dt.timedelta(minutes=16)
    wait = dt.timedelta(minutes=15)
    assert not store.claim_reminder(ticket.number, wait, t0)  # not yet due
    other = TicketStore(store.engine)  # another instance on the same database
    assert [
        store.claim_reminder(ticket.number, wait, later),
        other.claim_reminder(ticket.number, wait, later),
    ] == [True, False]
    assert store.unseen(wait, later) == []  # announced now: due again in 15 minutes
