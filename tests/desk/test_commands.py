"""The consultants' commands as they are typed in a group."""

from __future__ import annotations

import pytest

from bot.desk.commands import Command, CommandError, parse


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/queue", Command("queue")),
        ("/queue@center_bot", Command("queue")),
        ("/take 3", Command("take", 3)),
        ("/take #3", Command("take", 3)),
        ("/take@center_bot 12", Command("take", 12)),
        ("/TAKE ３", Command("take", 3)),
        ("／close 4", Command("close", 4)),
        (
            "/reply 5 こんにちは、相談員の佐藤です。",
            Command("reply", 5, "こんにちは、相談員の佐藤です。"),
        ),
        ("/reply #5 line one\nline two", Command("reply", 5, "line one\nline two")),
        ("/reply 5 ＡＢＣ full width kept", Command("reply", 5, "ＡＢＣ full width kept")),
    ],
)
def test_commands(text: str, command: Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize("text", ["hello", "I will take 3", "/start", "/help", "", "/takeover 3"])
def test_ordinary_messages_are_not_commands(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize("text", ["/take", "/take me", "/close", "/reply 5", "/reply x hi"])
def test_a_command_without_its_argument_is_an_error_naming_it(text: str) -> None:
    with pytest.raises(CommandError) as error:
        parse(text)
    assert error.value.name == text.split()[0][1:]
