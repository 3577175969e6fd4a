"""`make report`: unanswered questions grouped by language and nearest topic."""

from __future__ import annotations

from bot import report
from bot.unanswered import UnansweredLog


def test_report_groups_by_language_and_topic(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    log = UnansweredLog(url)
    log.record("miyagi", "vi", "tien dien nuoc tra o dau", [("utilities", 0.2), ("taxes", 0.1)])
    log.record("miyagi", "vi", "hoa don gas", [("utilities", 0.25)])
    log.record("miyagi", "en", "best ramen?", [("international_exchange", 0.05)])
    log.record("musashino", "en", "other center", [("taxes", 0.1)])
    log.record("miyagi", "ja", "x" * 5000, [])
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CENTER", "miyagi")
    assert report.main([]) == 0
    out = capsys.readouterr().out
    assert "Unanswered questions: 4" in out
    assert out.index("[vi] 2 question(s)") < out.index("[en] 1 question(s)")
    assert "nearest topic utilities: 2" in out
    assert "other center" not in out
    assert "nearest topic -: 1" in out
    assert len(log.questions("miyagi")[-1].text) == 2000


def test_empty_report(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    report.main([])
    assert "No unanswered questions" in capsys.readouterr().out


def test_the_report_shows_the_desk(tmp_path, monkeypatch, capsys) -> None:
    import datetime as dt

    from bot.desk.tickets import TicketStore
    from bot.state import upgrade

    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    store = TicketStore(url)
    t0 = dt.datetime(2026, 12, 1, 1, 0)
    for n, (language, topic, reply_after) in enumerate(
        [
            ("vi", "faq/labor_trouble", 4),
            ("vi", None, 10),
            ("ne", "faq/labor_trouble", 30),
            ("en", None, None),
        ]
    ):
        ticket, _ = store.open(
            f"line:U{n}",
            center="miyagi",
            language=language,
            topic=topic,
            priority="normal",
            reason="handoff",
            at=t0,
        )
        if reply_after is not None:
            store.add_message(
                ticket.number, "consultant", "hi", at=t0 + dt.timedelta(minutes=reply_after)
            )
            store.take(ticket.number, "A")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CENTER", "miyagi")
    report.main([])
    out = capsys.readouterr().out
    assert "Consultant desk: 4 ticket(s)" in out
    assert "per language: vi 2, ne 1, en 1" in out
    assert "per topic: faq/labor_trouble 2, - 2" in out
    assert "median 10 min, 90th percentile 30 min (3 answered)" in out
    assert "waiting now: 1" in out and "#4 normal en" in out
