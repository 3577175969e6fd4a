"""`make telegram-webhook` and `make line-webhook`: registering the webhook with the platform."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.settings import ROOT
from tests import fakes, harness


def run(module: str, platforms, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        **harness.channel_env(platforms),
    }
    return subprocess.run(
        [sys.executable, "-m", module, "set-webhook", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_telegram_webhook_is_registered_with_url_and_secret(platforms) -> None:
    result = run("bot.channels.telegram", platforms, "--url", "https://bot.example.org/")
    assert result.returncode == 0, result.stderr
    [call] = platforms.calls_to("setWebhook")
    assert call.body["url"] == "https://bot.example.org/webhooks/telegram/webhook"
    assert call.body["secret_token"] == fakes.TELEGRAM_SECRET
    assert set(call.body["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}
    assert "https://bot.example.org/webhooks/telegram/webhook" in result.stdout
    assert fakes.TELEGRAM_TOKEN not in result.stdout + result.stderr


def test_telegram_webhook_needs_an_https_url_and_a_configured_bot(platforms) -> None:
    assert run("bot.channels.telegram", platforms, "--url", "").returncode == 2
    assert run("bot.channels.telegram", platforms, "--url", "http://x.org").returncode == 2
    result = run(
        "bot.channels.telegram", platforms, "--url", "https://x.org", TELEGRAM_BOT_TOKEN=""
    )
    assert result.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr  # half-configured: says what is missing


def test_telegram_refusal_is_reported_without_the_token(platforms) -> None:
    result = run(
        "bot.channels.telegram", platforms, "--url", "https://x.org", TELEGRAM_BOT_TOKEN="9:wrong"
    )
    assert result.returncode == 1
    assert "Telegram refused or could not be reached" in result.stderr
    assert "9:wrong" not in result.stderr


def test_line_webhook_is_set_and_tested(platforms) -> None:
    result = run("bot.channels.line", platforms, "--url", "https://bot.example.org")
    assert result.returncode == 0, result.stderr
    [put] = platforms.calls_to("channel/webhook/endpoint")
    assert put.body["endpoint"] == "https://bot.example.org/webhooks/line/webhook"
    assert platforms.calls_to("channel/webhook/test")
    assert "HTTP 200" in result.stdout


def test_line_webhook_must_be_https(platforms) -> None:
    assert run("bot.channels.line", platforms, "--url", "http://bot.example.org").returncode == 2
