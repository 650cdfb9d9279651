"""`fivewatch serve`: registered, and refusing to start without a secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts.backends.smtp import SmtpBackend
from fivewatch.cli import cli
from fivewatch.config import Config
from fivewatch.web import create_app


def test_serve_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(
        cli, ["serve", "--database-url", url], env={"FIVEWATCH_SECRET_KEY": ""}
    )
    assert result.exit_code == 1
    assert "FIVEWATCH_SECRET_KEY is not set" in result.output


def test_create_app_needs_a_secret_key() -> None:
    with pytest.raises(ValueError, match="signs its confirm"):
        create_app(Config.from_env({}))


def test_the_app_mails_through_the_backend_the_settings_name(tmp_path: Path) -> None:
    """Before: the app built a file backend of its own whatever FIVEWATCH_MAIL_BACKEND said."""
    config = Config.from_env(
        {
            "FIVEWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "FIVEWATCH_SECRET_KEY": "k",
            "FIVEWATCH_MAIL_BACKEND": "smtp",
        }
    )
    assert isinstance(create_app(config).state.web.mailer, SmtpBackend)


def test_serve_refuses_to_start_with_a_malformed_channel(tmp_path: Path) -> None:
    """Before: the app started, and the first manage page previewing it answered 500."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    env = {"FIVEWATCH_SECRET_KEY": "k", "FIVEWATCH_CHANNEL_TEAM": "telegram:https://example.org/x"}
    result = CliRunner().invoke(cli, ["serve", "--database-url", url], env=env)
    assert result.exit_code == 1
    assert "channel team: kind 'telegram' is not one of" in result.output
    assert "FIVEWATCH_CHANNEL_<NAME>" in result.output
    assert "example.org" not in result.output  # the URL is a secret
