"""Without their variables the LINE and Telegram channels are off (the Musashino assistant
of the e2e tests is started without them)."""

from __future__ import annotations

import pytest

from tests import fakes


@pytest.mark.parametrize(
    ("channel", "variable"), [("line", "LINE_CHANNEL_SECRET"), ("telegram", "TELEGRAM_BOT_TOKEN")]
)
def test_a_channel_without_its_variables_is_off(musashino, channel: str, variable: str) -> None:
    assert musashino.get(f"/webhooks/{channel}/") == {"status": "off"}
    status, answer = musashino.webhook(f"/webhooks/{channel}/webhook", b"{}", {})
    assert status == 404
    assert variable in answer["error"]


def test_an_off_channel_processes_nothing_even_when_signed(musashino) -> None:
    event = fakes.line_event("U" + "5" * 32, "hello")
    assert musashino.line(event)[0] == 404
