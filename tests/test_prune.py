"""`make prune` (bot.prune): retention of conversations and unanswered questions."""

from __future__ import annotations

import datetime as dt

from bot import prune
from bot.unanswered import UnansweredLog


def test_prune_deletes_old_questions_and_says_so(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    log = UnansweredLog(url)
    log.record("miyagi", "en", "an old question", [("faq/taxes", 0.2)])
    log.record("miyagi", "en", "a new question", [("faq/taxes", 0.2)])
    with log.engine.begin() as connection:
        from bot.unanswered import unanswered

        old = dt.datetime.now() - dt.timedelta(days=100)
        connection.execute(
            unanswered.update().where(unanswered.c.text == "an old question").values(created_at=old)
        )
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp_path / "t.db"}"\n'
    )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert prune.main(["--endpoints", str(endpoints)]) == 0
    assert "nothing is deleted" in capsys.readouterr().out
    assert len(log.questions()) == 2

    monkeypatch.setenv("RETENTION_DAYS", "30")
    assert prune.main(["--endpoints", str(endpoints)]) == 0
    assert "1 unanswered questions" in capsys.readouterr().out
    assert [q.text for q in log.questions()] == ["a new question"]
