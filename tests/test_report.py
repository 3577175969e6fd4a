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
