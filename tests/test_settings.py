"""Channel settings come from the environment only; half a channel stops the start."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import ROOT, ConfigurationError, LineSettings, TelegramSettings


def test_channels_are_off_without_their_variables() -> None:
    assert LineSettings.from_env({}) is None
    assert TelegramSettings.from_env({"TELEGRAM_API_BASE_URL": "http://x"}) is None


def test_a_channel_is_on_with_its_variables_and_default_api() -> None:
    line = LineSettings.from_env({"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"})
    assert line.api_base_url == "https://api.line.me"
    telegram = TelegramSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "TELEGRAM_WEBHOOK_SECRET": "s-1_A",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/",
        }
    )
    assert telegram.api_base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("settings", "env", "named"),
    [
        (LineSettings, {"LINE_CHANNEL_SECRET": "s"}, "LINE_CHANNEL_ACCESS_TOKEN"),
        (LineSettings, {"LINE_CHANNEL_ACCESS_TOKEN": "t"}, "LINE_CHANNEL_SECRET"),
        (TelegramSettings, {"TELEGRAM_BOT_TOKEN": "1:x"}, "TELEGRAM_WEBHOOK_SECRET"),
        (TelegramSettings, {"TELEGRAM_WEBHOOK_SECRET": "s"}, "TELEGRAM_BOT_TOKEN"),
        (
            TelegramSettings,
            {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "has spaces"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            LineSettings,
            {
                "LINE_CHANNEL_SECRET": "s",
                "LINE_CHANNEL_ACCESS_TOKEN": "t",
                "LINE_API_BASE_URL": "x",
            },
            "LINE_API_BASE_URL",
        ),
        (
            LineSettings,
            {
                "LINE_CHANNEL_SECRET": "s",
                "LINE_CHANNEL_ACCESS_TOKEN": "t",
                "PLATFORM_TIMEOUT_SECONDS": "soon",
            },
            "PLATFORM_TIMEOUT_SECONDS",
        ),
    ],
)
def test_wrong_or_half_settings_name_the_variable(settings, env, named) -> None:
    with pytest.raises(ConfigurationError, match=named):
        settings.from_env(env)


def test_a_half_configured_channel_stops_the_start_with_a_clear_message() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": "1:secret-x"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.run", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Telegram channel is half-configured" in result.stderr
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert "1:secret-x" not in result.stderr + result.stdout


def test_credentials_file_holds_no_secret() -> None:
    text = (ROOT / "credentials.yml").read_text()
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition(":")
            assert not value.strip(), f"credentials.yml sets a value: {line}"
