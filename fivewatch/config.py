"""FiveWatch's settings: one table, read once from the environment; secrets masked.

Below the shell nothing reads the environment: values are passed in (DESIGN §7, STYLE §5.3).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from models.db import DEFAULT_DATABASE_URL


class Secret(str):
    """A string whose repr never shows the value (keys end up in tracebacks and logs)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('********')" if self else "Secret('')"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "FIVEWATCH_DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "SQLAlchemy URL: SQLite file by default, postgresql://… in production",
    ),
    Setting("mail_backend", "FIVEWATCH_MAIL_BACKEND", "file", "file | smtp | sendgrid"),
    Setting("outbox_dir", "FIVEWATCH_OUTBOX_DIR", "outbox", "where the file backend writes .eml"),
    Setting("sendgrid_api_key", "SENDGRID_API_KEY", "", "SendGrid Web API v3 key", secret=True),
    Setting(
        "sendgrid_webhook_public_key",
        "FIVEWATCH_SENDGRID_WEBHOOK_PUBLIC_KEY",
        "",
        "verification key of SendGrid's Signed Event Webhook (the base64 key SendGrid shows); "
        "unset, POST /webhooks/sendgrid refuses everything",
    ),
    Setting(
        "smtp_url",
        "FIVEWATCH_SMTP_URL",
        "smtp://localhost:25",
        "smtp://user:pass@host:587 (STARTTLS) or smtps://host:465",
        secret=True,
    ),
    Setting(
        "mail_from",
        "FIVEWATCH_MAIL_FROM",
        "FiveWatch <alerts@fivewatch.invalid>",
        "From: address of every email",
    ),
    Setting(
        "base_url",
        "FIVEWATCH_BASE_URL",
        "http://localhost:8000",
        "public URL of the web app, used in email links",
    ),
    Setting(
        "secret_key",
        "FIVEWATCH_SECRET_KEY",
        "",
        "signs confirm/manage/unsubscribe tokens",
        secret=True,
    ),
    Setting("admin_email", "FIVEWATCH_ADMIN_EMAIL", "", "receives source-health alerts"),
    Setting(
        "admin_password",
        "FIVEWATCH_ADMIN_PASSWORD",
        "",
        "password of the web /admin pages",
        secret=True,
    ),
    Setting("admin_user", "FIVEWATCH_ADMIN_USER", "admin", "user name of the web /admin pages"),
    Setting(
        "trusted_proxies",
        "FIVEWATCH_TRUSTED_PROXIES",
        "127.0.0.1,::1",
        "comma-separated addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed",
    ),
    Setting(
        "metrics_token",
        "FIVEWATCH_METRICS_TOKEN",
        "",
        "bearer token /metrics requires; unset, /metrics answers loopback clients only",
        secret=True,
    ),
    Setting(
        "feed_token_days",
        "FIVEWATCH_FEED_TOKEN_DAYS",
        "365",
        "days a personal Atom feed link works (the manage page gives fresh ones)",
    ),
    Setting(
        "congress_api_key",
        "CONGRESS_API_KEY",
        "DEMO_KEY",
        "api.data.gov key for Congress.gov",
        secret=True,
    ),
    Setting(
        "bills_interval",
        "FIVEWATCH_BILLS_INTERVAL",
        "",
        "seconds between crawls of every bills source (unset: each its own interval)",
    ),
    Setting(
        "statements_interval",
        "FIVEWATCH_STATEMENTS_INTERVAL",
        "",
        "seconds between crawls of every statements source (unset: each its own interval)",
    ),
    Setting(
        "error_rate_threshold",
        "FIVEWATCH_ERROR_RATE_THRESHOLD",
        "0.2",
        "errors per request over a source's recent runs above which it is degraded",
    ),
    Setting(
        "log_format",
        "FIVEWATCH_LOG_FORMAT",
        "auto",
        "auto (JSON lines unless stderr is a terminal) | json | human",
    ),
)


# Chat and webhook destinations, one variable each: FIVEWATCH_CHANNEL_<NAME>=<kind>:<url>
# (slack, teams, discord or webhook; alerts.channels). A subscription names one; URLs are secrets.
CHANNEL_PREFIX = "FIVEWATCH_CHANNEL_"


def channel_settings(env: Mapping[str, str]) -> dict[str, Secret]:
    """Every FIVEWATCH_CHANNEL_<NAME> that is set, by lower-cased NAME."""
    return {
        key.removeprefix(CHANNEL_PREFIX).lower(): Secret(value)
        for key, value in env.items()
        if key.startswith(CHANNEL_PREFIX) and key != CHANNEL_PREFIX and value
    }


@dataclass(frozen=True)
class Config:
    database_url: str
    mail_backend: str
    outbox_dir: str
    sendgrid_api_key: Secret
    sendgrid_webhook_public_key: str
    smtp_url: Secret
    mail_from: str
    base_url: str
    secret_key: Secret
    admin_email: str
    admin_password: Secret
    admin_user: str
    trusted_proxies: str
    metrics_token: Secret
    feed_token_days: str
    congress_api_key: Secret
    bills_interval: str
    statements_interval: str
    error_rate_threshold: str
    log_format: str
    channels: Mapping[str, Secret] = field(default_factory=dict)  # name -> "<kind>:<url>"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env) or setting.default
            values[setting.name] = Secret(raw) if setting.secret else raw
        return cls(**values, channels=channel_settings(env))  # type: ignore[arg-type]

    def with_overrides(self, **overrides: str | None) -> Config:
        known = {f.name for f in fields(self)}
        secret = {setting.name for setting in SETTINGS if setting.secret}
        values = {
            name: Secret(value) if name in secret else value
            for name, value in overrides.items()
            if value is not None and name in known
        }
        return replace(self, **values)  # type: ignore[arg-type]  # names checked against fields

    @property
    def outbox_path(self) -> Path:
        return Path(self.outbox_dir)
