"""Channel settings come from the environment only; half a channel stops the start."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import ROOT, ConfigurationError, LineSettings, Settings, TelegramSettings


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
        *[
            (
                TelegramSettings,
                {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "s", name: value},
                name,
            )
            for name, value in [
                ("PLATFORM_RETRY_SECONDS", "0"),
                ("PLATFORM_RETRY_SECONDS", "601"),
                ("QUEUE_PER_RESIDENT", "0"),
                ("QUEUE_PER_RESIDENT", "many"),
                ("QUEUE_TOTAL", "-5"),
            ]
        ],
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


def test_secrets_never_show_in_a_repr_or_an_error() -> None:
    line = LineSettings.from_env(
        {"LINE_CHANNEL_SECRET": "very-secret-1", "LINE_CHANNEL_ACCESS_TOKEN": "very-secret-2"}
    )
    telegram = TelegramSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": "1:very-secret-3", "TELEGRAM_WEBHOOK_SECRET": "very-secret-4"}
    )
    settings = Settings.from_env({"RASA_API_TOKEN": "very-secret-5-long-enough"})
    shown = repr(line) + str(line) + repr(telegram) + repr(settings) + str(settings)
    assert "very-secret" not in shown
    assert line.access_token.get_secret_value() == "very-secret-2"
    with pytest.raises(ConfigurationError) as error:
        TelegramSettings.from_env(
            {"TELEGRAM_BOT_TOKEN": "1:very-secret-6", "TELEGRAM_WEBHOOK_SECRET": "bad secret!"}
        )
    assert "very-secret" not in str(error.value) and "bad secret" not in str(error.value)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"RASA_API_TOKEN": "short"}, "RASA_API_TOKEN"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
        ({"RETENTION_DAYS": "a month"}, "RETENTION_DAYS"),
        ({"RETENTION_DAYS": "99999"}, "RETENTION_DAYS"),
    ],
)
def test_wrong_settings_are_named(env, named) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env(env)


def test_defaults_are_closed() -> None:
    settings = Settings.from_env({})
    assert settings.bind_address == "127.0.0.1"
    assert settings.rasa_api_token is None
    assert settings.retention_days is None
    assert Settings.from_env({"RETENTION_DAYS": "30"}).retention_days == 30


def test_the_pseudonym_key_is_made_once_and_kept(tmp_path, monkeypatch) -> None:
    import bot.settings

    monkeypatch.setattr(bot.settings, "PSEUDONYM_KEY_FILE", tmp_path / "keys" / "pseudonym.key")
    settings = Settings.from_env({})
    first = settings.pseudonym_secret()
    assert len(first) == 64 and settings.pseudonym_secret() == first
    assert (tmp_path / "keys" / "pseudonym.key").stat().st_mode & 0o077 == 0
    assert Settings.from_env({"PSEUDONYM_KEY": "given"}).pseudonym_secret() == b"given"


def test_settings_read_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("CENTER", "musashino")
    monkeypatch.setenv("RETENTION_DAYS", "7")
    monkeypatch.setenv("BIND_ADDRESS", "0.0.0.0")
    settings = Settings.from_env()
    assert (settings.center, settings.retention_days, settings.bind_address) == (
        "musashino",
        7,
        "0.0.0.0",
    )


def test_a_stopping_server_waits_a_whole_retry_deadline() -> None:
    telegram = TelegramSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "TELEGRAM_WEBHOOK_SECRET": "s",
            "PLATFORM_RETRY_SECONDS": "45",
            "PLATFORM_TIMEOUT_SECONDS": "5",
            "QUEUE_PER_RESIDENT": "7",
        }
    )
    assert telegram.stop_seconds >= 45 + 5
    assert (telegram.queue_per_resident, telegram.queue_total) == (7, 2000)
