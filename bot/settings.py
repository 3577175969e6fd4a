"""Configuration, read once from the environment (contract: docs/contract/README.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent

LINE_API = "https://api.line.me"
TELEGRAM_API = "https://api.telegram.org"
# How long one call to a platform API may take before it is retried (seconds).
DEFAULT_PLATFORM_TIMEOUT = 10.0

# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong: the operator must fix it before starting."""


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = (env.get(name) or "").strip()
    return value or None


def _base_url(env: Mapping[str, str], name: str, default: str) -> str:
    value = _get(env, name) or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigurationError(f"{name} must be an http(s) URL such as {default}, not {value!r}.")
    return value.rstrip("/")


def _half_configured(channel: str, present: list[str], missing: list[str]) -> ConfigurationError:
    return ConfigurationError(
        f"The {channel} channel is half-configured: {', '.join(present)} "
        f"{'is' if len(present) == 1 else 'are'} set but {', '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not. Set both to turn the "
        f"{channel} channel on, or none to leave it off (see README, 'Channels')."
    )


def _channel_values(
    env: Mapping[str, str], channel: str, names: tuple[str, ...]
) -> dict[str, str] | None:
    """A channel's variables: None when none is set, all of them, or an error naming the
    missing ones."""
    values = {name: _get(env, name) for name in names}
    present = [name for name, value in values.items() if value]
    if not present:
        return None
    if len(present) < len(names):
        raise _half_configured(channel, present, [n for n in names if n not in present])
    return values


@dataclass(frozen=True)
class LineSettings:
    """The LINE official account: on when both its secret and its token are set."""

    channel_secret: str
    access_token: str
    api_base_url: str
    timeout: float = DEFAULT_PLATFORM_TIMEOUT

    VARIABLES: ClassVar[tuple[str, ...]] = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.channel_secret, self.access_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LineSettings | None:
        """The settings, None when the channel is off; ConfigurationError when half set."""
        env = os.environ if env is None else env
        values = _channel_values(env, "LINE", cls.VARIABLES)
        if values is None:
            return None
        return cls(
            channel_secret=values["LINE_CHANNEL_SECRET"],
            access_token=values["LINE_CHANNEL_ACCESS_TOKEN"],
            api_base_url=_base_url(env, "LINE_API_BASE_URL", LINE_API),
            timeout=_timeout(env),
        )


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram bot: on when its token and the webhook secret are set."""

    bot_token: str
    webhook_secret: str
    api_base_url: str
    timeout: float = DEFAULT_PLATFORM_TIMEOUT

    VARIABLES: ClassVar[tuple[str, ...]] = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.bot_token, self.webhook_secret)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TelegramSettings | None:
        """The settings, None when the channel is off; ConfigurationError when half set."""
        env = os.environ if env is None else env
        values = _channel_values(env, "Telegram", cls.VARIABLES)
        if values is None:
            return None
        if not _TELEGRAM_SECRET.match(values["TELEGRAM_WEBHOOK_SECRET"]):
            raise ConfigurationError(
                "TELEGRAM_WEBHOOK_SECRET may only hold 1-256 letters A-Z and a-z, digits, "
                "'_' and '-' (Telegram's rule for webhook secret tokens)."
            )
        return cls(
            bot_token=values["TELEGRAM_BOT_TOKEN"],
            webhook_secret=values["TELEGRAM_WEBHOOK_SECRET"],
            api_base_url=_base_url(env, "TELEGRAM_API_BASE_URL", TELEGRAM_API),
            timeout=_timeout(env),
        )


def _timeout(env: Mapping[str, str]) -> float:
    value = _get(env, "PLATFORM_TIMEOUT_SECONDS")
    if value is None:
        return DEFAULT_PLATFORM_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 120:
        raise ConfigurationError(
            f"PLATFORM_TIMEOUT_SECONDS must be a number of seconds between 0 and 120, "
            f"not {value!r}."
        )
    return seconds


@dataclass(frozen=True)
class Settings:
    center: str
    guidebook_dir: Path
    database_url: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            center=os.environ.get("CENTER", "miyagi").strip() or "miyagi",
            guidebook_dir=Path(os.environ.get("GUIDEBOOK_DIR", ROOT / "guidebook")),
            database_url=os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'assistant.db'}"),
        )
