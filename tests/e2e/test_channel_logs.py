"""The assistant's log (INFO, as `make run` writes it) holds no token, secret or message text."""

from __future__ import annotations

from tests import fakes


def test_logs_hold_no_secrets_and_no_message_texts(assistant, platforms) -> None:
    line_text = "where do I renew my zairyu card ZQX-LINE-7731"
    telegram_text = "how do I pay resident tax ZQX-TG-5512"
    event = fakes.line_event("U" + "7" * 32, line_text)
    assert assistant.line(event)[0] == 200
    platforms.wait_for("message/reply", replyToken=event["replyToken"])
    assert assistant.telegram(fakes.telegram_message(990_001, telegram_text))[0] == 200
    platforms.wait_for("sendMessage", chat_id=990_001)
    assert assistant.telegram(fakes.telegram_message(990_002, "/lang zqxcmd"))[0] == 200
    platforms.wait_for("sendMessage", chat_id=990_002)
    assert assistant.line(event, signature="forged")[0] == 401

    log = assistant.log.read_text(errors="replace")
    assert "line: text from user" in log  # the channels do log what happens
    for secret in (
        fakes.LINE_SECRET,
        fakes.LINE_TOKEN,
        fakes.TELEGRAM_TOKEN,
        fakes.TELEGRAM_TOKEN.split(":")[1],
        fakes.TELEGRAM_SECRET,
        "ZQX-LINE-7731",
        "ZQX-TG-5512",
        "zqxcmd",
        "U" + "7" * 32,  # LINE user ids appear as pseudonyms only
    ):
        assert secret not in log, f"the log holds {secret!r}"
