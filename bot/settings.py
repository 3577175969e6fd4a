"""Configuration, read from the environment and checked at start (contract:
docs/contract/README.md; every variable in README, "Settings").

pydantic-settings reads and checks each variable: its type, its range, and for the
secrets a `SecretStr` that prints as `**********` in any repr, log line or error. A wrong
value stops the start with a `ConfigurationError` that names the variable and the rule,
never the value.

- `Settings`: the center, the guidebook, the database, the HTTP API token, where the
  servers listen, retention and the log pseudonym key.
- `LineSettings`, `TelegramSettings`: a platform channel, off when none of its variables
  is set, an error when only some are.
- `DeskSettings`: the consultants' groups (the desk is on when one is set).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

LINE_API = "https://api.line.me"
LINE_DATA_API = "https://api-data.line.me"
TELEGRAM_API = "https://api.telegram.org"
# How long one call to a platform API may take before it is retried (seconds).
DEFAULT_PLATFORM_TIMEOUT = 10.0
# How long a message to a resident is retried before it counts as undelivered (seconds).
DEFAULT_RETRY_SECONDS = 30.0
# Events waiting for the assistant: per resident, and in all, before a polite refusal.
DEFAULT_QUEUE_PER_RESIDENT = 20
DEFAULT_QUEUE_TOTAL = 2000
# Where the log pseudonym key is kept when PSEUDONYM_KEY is not set.
PSEUDONYM_KEY_FILE = ROOT / ".secrets" / "pseudonym.key"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong: the operator must fix it before starting."""


def _describe(error: ValidationError, model: type[BaseSettings]) -> ConfigurationError:
    """The first problem, named by its variable; the value is never repeated (it may be
    a secret)."""
    problem = error.errors(include_input=False, include_url=False)[0]
    name = str(problem["loc"][0]) if problem["loc"] else ""
    field = model.model_fields.get(name)
    variable = (field.validation_alias if field and field.validation_alias else name).upper()
    message = str(problem["msg"]).removeprefix("Value error, ")
    if not variable:  # a rule on several variables: the message names them
        return ConfigurationError(f"{message}.")
    return ConfigurationError(f"{variable}: {message}.")


class _FromEnvironment(BaseSettings):
    """Read from os.environ by pydantic-settings, or from a given mapping (tests)."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        case_sensitive=True,
        env_ignore_empty=True,
        populate_by_name=True,
    )

    @classmethod
    def _read(cls, env: Mapping[str, str] | None) -> Any:
        try:
            if env is None:
                return cls()
            # Only the mapping: a variable it lacks takes its default, not os.environ's.
            values: dict[str, Any] = {}
            for name, field in cls.model_fields.items():
                given = (env.get(str(field.validation_alias)) or "").strip()
                if given or field.is_required():
                    values[name] = given
                else:
                    values[name] = field.default
            return cls(**values)
        except ValidationError as error:
            raise _describe(error, cls) from None

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


def _base_url(value: str, default: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"must be an http(s) URL such as {default}")
    return value.rstrip("/")


def _rate(value: str) -> str:
    """A rate written "messages/seconds", such as 20/60."""
    import re

    found = re.fullmatch(r"\s*(\d{1,4})\s*/\s*(\d{1,5}(?:\.\d+)?)\s*", value)
    if not found or int(found[1]) < 1 or float(found[2]) <= 0:
        raise ValueError("must be messages/seconds, such as 20/60 (20 a minute)")
    return value


def _rate_parts(value: str) -> tuple[int, float]:
    count, seconds = value.split("/")
    return int(count), float(seconds)


def _half_configured(channel: str, present: list[str], missing: list[str]) -> ConfigurationError:
    return ConfigurationError(
        f"The {channel} channel is half-configured: {', '.join(present)} "
        f"{'is' if len(present) == 1 else 'are'} set but {', '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not. Set both to turn the "
        f"{channel} channel on, or none to leave it off (see README, 'Channels')."
    )


class _Channel(_FromEnvironment):
    VARIABLES: ClassVar[tuple[str, ...]] = ()
    CHANNEL: ClassVar[str] = ""
    DEFAULT_API: ClassVar[str] = ""

    timeout: float = Field(
        DEFAULT_PLATFORM_TIMEOUT, gt=0, le=120, validation_alias="PLATFORM_TIMEOUT_SECONDS"
    )
    # No new attempt to send a message starts after this many seconds.
    retry_seconds: float = Field(
        DEFAULT_RETRY_SECONDS, gt=0, le=600, validation_alias="PLATFORM_RETRY_SECONDS"
    )
    queue_per_resident: int = Field(
        DEFAULT_QUEUE_PER_RESIDENT, ge=1, le=1000, validation_alias="QUEUE_PER_RESIDENT"
    )
    queue_total: int = Field(
        DEFAULT_QUEUE_TOTAL, ge=1, le=1_000_000, validation_alias="QUEUE_TOTAL"
    )

    @property
    def stop_seconds(self) -> float:
        """How long a stopping server waits for replies in flight: a whole retry deadline
        and one last call."""
        return self.retry_seconds + self.timeout + 2.0

    @field_validator("api_base_url", check_fields=False)
    @classmethod
    def _url(cls, value: str) -> str:
        return _base_url(value, cls.DEFAULT_API)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Any:
        """The settings, None when the channel is off; ConfigurationError when half set."""
        source = os.environ if env is None else env
        present = [name for name in cls.VARIABLES if (source.get(name) or "").strip()]
        if not present:
            return None
        if len(present) < len(cls.VARIABLES):
            missing = [name for name in cls.VARIABLES if name not in present]
            raise _half_configured(cls.CHANNEL, present, missing)
        return cls._read(env)


class LineSettings(_Channel):
    """The LINE official account: on when both its secret and its token are set."""

    VARIABLES: ClassVar[tuple[str, ...]] = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")
    CHANNEL: ClassVar[str] = "LINE"
    DEFAULT_API: ClassVar[str] = LINE_API

    channel_secret: SecretStr = Field(validation_alias="LINE_CHANNEL_SECRET")
    access_token: SecretStr = Field(validation_alias="LINE_CHANNEL_ACCESS_TOKEN")
    api_base_url: str = Field(LINE_API, validation_alias="LINE_API_BASE_URL")
    # Where LINE keeps what residents send (photos, files). LINE's own is another host
    # than the Messaging API's; any other LINE_API_BASE_URL (a proxy, the test fakes)
    # serves both.
    data_api_base_url: str | None = Field(None, validation_alias="LINE_DATA_API_BASE_URL")
    # The server's public HTTPS address: LINE shows a picture only from an HTTPS URL, so
    # photos relayed into a LINE chat are served from here (/webhooks/line/media/...).
    public_url: str | None = Field(None, validation_alias="PUBLIC_URL")

    @field_validator("data_api_base_url")
    @classmethod
    def _data_url(cls, value: str | None) -> str | None:
        return _base_url(value, LINE_DATA_API) if value else None

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith("https://"):
            raise ValueError("must be the server's public https:// address (LINE needs HTTPS)")
        return _base_url(value, "https://assistant.example.org")

    @property
    def data_api(self) -> str:
        if self.data_api_base_url:
            return self.data_api_base_url
        return LINE_DATA_API if self.api_base_url == LINE_API else self.api_base_url

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.channel_secret.get_secret_value(), self.access_token.get_secret_value())


class TelegramSettings(_Channel):
    """The Telegram bot: on when its token and the webhook secret are set."""

    VARIABLES: ClassVar[tuple[str, ...]] = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
    CHANNEL: ClassVar[str] = "Telegram"
    DEFAULT_API: ClassVar[str] = TELEGRAM_API

    bot_token: SecretStr = Field(validation_alias="TELEGRAM_BOT_TOKEN")
    # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
    webhook_secret: SecretStr = Field(validation_alias="TELEGRAM_WEBHOOK_SECRET")
    api_base_url: str = Field(TELEGRAM_API, validation_alias="TELEGRAM_API_BASE_URL")

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr) -> SecretStr:
        import re

        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError(
                "may only hold 1-256 letters A-Z and a-z, digits, '_' and '-' "
                "(Telegram's rule for webhook secret tokens)"
            )
        return value

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.bot_token.get_secret_value(), self.webhook_secret.get_secret_value())


class DeskSettings(_FromEnvironment):
    """The consultant desk: on when a consultants' group is configured (Telegram or LINE;
    the bot must be a member, and that platform's channel must be on)."""

    telegram_chat_id: int | None = Field(None, validation_alias="CONSULTANT_TELEGRAM_CHAT_ID")
    line_group_id: str | None = Field(None, validation_alias="CONSULTANT_LINE_GROUP_ID")
    # A ticket nobody took in this many minutes is announced again; the resident is
    # given the center's phone.
    reminder_minutes: float = Field(15.0, gt=0, le=1440, validation_alias="DESK_REMINDER_MINUTES")
    # Telegram lets a bot send about 20 messages a minute to one group: at most this many
    # messages in any so many seconds ("messages/seconds"); more wait their turn.
    telegram_rate_text: str = Field("20/60", validation_alias="DESK_TELEGRAM_RATE")

    @field_validator("telegram_rate_text")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        return _rate(value)

    @property
    def telegram_rate(self) -> tuple[int, float]:
        """(messages, seconds): at most that many messages in any so many seconds."""
        return _rate_parts(self.telegram_rate_text)

    @field_validator("line_group_id")
    @classmethod
    def _group(cls, value: str | None) -> str | None:
        import re

        if value is not None and not re.fullmatch(r"C[0-9a-f]{32}", value):
            raise ValueError("must be a LINE group id: C and 32 hexadecimal digits")
        return value

    @property
    def on(self) -> bool:
        return self.telegram_chat_id is not None or self.line_group_id is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DeskSettings:
        return cls._read(env)


class Settings(_FromEnvironment):
    """What every part of the assistant reads."""

    center: str = Field("miyagi", validation_alias="CENTER", min_length=1)
    guidebook_dir: Path = Field(ROOT / "guidebook", validation_alias="GUIDEBOOK_DIR")
    database_url: str = Field(
        f"sqlite:///{ROOT / 'assistant.db'}", validation_alias="DATABASE_URL", min_length=1
    )
    # The Rasa HTTP API (/model, /conversations...) is on only with this token.
    rasa_api_token: SecretStr | None = Field(None, validation_alias="RASA_API_TOKEN")
    # Where the Rasa server and the action server listen. 127.0.0.1: only this machine
    # (a reverse proxy on it makes the webhooks public); 0.0.0.0 for a multi-host layout.
    bind_address: str = Field("127.0.0.1", validation_alias="BIND_ADDRESS", min_length=1)
    # Conversation texts and unanswered questions older than this are deleted (make prune).
    retention_days: int | None = Field(None, ge=1, le=3650, validation_alias="RETENTION_DAYS")
    # The key of the log pseudonyms (HMAC); kept in PSEUDONYM_KEY_FILE when unset.
    pseudonym_key: SecretStr | None = Field(None, validation_alias="PSEUDONYM_KEY")
    # A kept webhook event that its instance has not finished is picked up again this long
    # after the instance last renewed its claim (a process killed, a deploy).
    intake_lease_seconds: float = Field(
        60.0, ge=1, le=3600, validation_alias="INTAKE_LEASE_SECONDS"
    )
    # A reply the platform still refused after PLATFORM_RETRY_SECONDS is kept and sent
    # again after this many seconds, then twice as long each time (at most an hour).
    outbox_retry_seconds: float = Field(
        30.0, ge=0.1, le=3600, validation_alias="OUTBOX_RETRY_SECONDS"
    )
    # single: one machine (SQLite, Rasa's in-memory lock store); cluster: several Rasa
    # servers sharing DATABASE_URL (PostgreSQL) and REDIS_URL (endpoints.cluster.yml).
    deployment: Literal["single", "cluster"] = Field("single", validation_alias="DEPLOYMENT")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    # How long the Rasa server waits for the action server on one call (seconds).
    action_timeout: float = Field(10.0, gt=0, le=300, validation_alias="ACTION_TIMEOUT_SECONDS")
    # At most so many messages of one resident in any so many seconds ("messages/seconds");
    # more get a polite "please wait" (once a minute) and are not handled. Messages that
    # read as an emergency are always handled.
    resident_rate_text: str = Field("20/60", validation_alias="RESIDENT_RATE")

    @field_validator("resident_rate_text")
    @classmethod
    def _check_resident_rate(cls, value: str) -> str:
        return _rate(value)

    @property
    def resident_rate(self) -> tuple[int, float]:
        """(messages, seconds): at most that many messages of one resident in any so
        many seconds."""
        return _rate_parts(self.resident_rate_text)

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError(
                "must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379/0"
            )
        return value or None

    @model_validator(mode="after")
    def _cluster(self) -> Settings:
        if self.deployment != "cluster":
            return self
        if self.database_url.startswith("sqlite"):
            raise ValueError(
                "DEPLOYMENT=cluster needs DATABASE_URL on a database server that every "
                "instance reaches (postgresql://...), not SQLite"
            )
        if not self.redis_url:
            raise ValueError("DEPLOYMENT=cluster needs REDIS_URL (Rasa's lock store)")
        if self.pseudonym_key is None:
            raise ValueError(
                "DEPLOYMENT=cluster needs PSEUDONYM_KEY, the same on every instance "
                "(the key file of one machine would give each its own log pseudonyms)"
            )
        return self

    @property
    def endpoints_file(self) -> Path:
        """Rasa's endpoints of this deployment."""
        name = "endpoints.cluster.yml" if self.deployment == "cluster" else "endpoints.yml"
        return ROOT / name

    @field_validator("rasa_api_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (e.g. `openssl rand -hex 24`)")
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        return cls._read(env)

    def pseudonym_secret(self) -> bytes:
        """The pseudonym key: PSEUDONYM_KEY, else the kept key file, else a new one kept
        there (created with owner-only permissions)."""
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode("utf-8")
        path = PSEUDONYM_KEY_FILE
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        path.parent.mkdir(mode=0o700, exist_ok=True)
        key = secrets.token_hex(32).encode("ascii")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_bytes().strip()
        with os.fdopen(descriptor, "wb") as file:
            file.write(key)
        return key
