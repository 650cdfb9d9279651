"""Double opt-in and mail control through the `fivewatch` command (CliRunner, real database)."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from alerts.backends.file import FileBackend
from alerts.backends.interface import ContentRefused, SendResult, UncertainDelivery
from alerts.backends.sendgrid import SendGridBackend
from alerts.backends.smtp import SmtpBackend
from fivewatch.cli import cli
from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError
from fivewatch.mailer import mail_backend
from tests.alerts.mailservers import read_outbox

SECRET = "cli-test-secret"
Run = Callable[..., Result]


@pytest.fixture
def fivewatch(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("FIVEWATCH_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("FIVEWATCH_BASE_URL", "https://fivewatch.example.org")
    monkeypatch.delenv("FIVEWATCH_SECRET_KEY", raising=False)
    monkeypatch.delenv("FIVEWATCH_MAIL_BACKEND", raising=False)

    def run(*args: str, secret: str = SECRET) -> Result:
        env = {"FIVEWATCH_SECRET_KEY": secret}
        return CliRunner().invoke(cli, [*args, "--database-url", db_url], env=env)

    return run


def outbox(tmp_path: Path) -> list[EmailMessage]:
    return read_outbox(tmp_path / "outbox")


def confirm_token(message: EmailMessage) -> str:
    text = message.get_body(("plain",))
    assert text is not None
    return str(text.get_content()).split("/confirm/")[1].split()[0]


def test_send_refuses_unsigned_confirmations(fivewatch: Run, tmp_path: Path) -> None:
    assert fivewatch("subscribe", "new@example.org", "-q", "CSAM").exit_code == 0
    refused = fivewatch("send", secret="")
    assert refused.exit_code == 1
    assert "FIVEWATCH_SECRET_KEY is not set" in refused.output
    assert "confirm links cannot be signed" in refused.output
    assert outbox(tmp_path) == []


def test_subscribe_send_confirm_then_list_and_unsubscribe(fivewatch: Run, tmp_path: Path) -> None:
    fivewatch("subscribe", "New@Example.org", "-q", '"online safety"', "--frequency", "daily")
    sent = fivewatch("send")
    assert sent.exit_code == 0, sent.output
    assert "1 sent" in sent.output
    [confirmation] = outbox(tmp_path)
    assert confirmation["To"] == "new@example.org"
    assert "Emails: 0 sent" in fivewatch("send").output  # one confirmation, not one per run
    assert len(outbox(tmp_path)) == 1
    listed = json.loads(fivewatch("subscribers", "--format", "json").stdout)
    assert [(s["email"], s["state"], s["emails_sent"]) for s in listed] == [
        ("new@example.org", "unconfirmed", 1)
    ]
    confirmed = fivewatch("confirm", confirm_token(confirmation))
    assert confirmed.exit_code == 0, confirmed.output
    assert (
        json.loads(fivewatch("subscribers", "--format", "json").stdout)[0]["state"] == "confirmed"
    )
    [subscription] = json.loads(
        fivewatch("subscriptions", "new@example.org", "--format", "json").stdout
    )
    assert (subscription["query"], subscription["frequency"], subscription["active"]) == (
        '"online safety"',
        "daily",
        True,
    )
    assert fivewatch("unsubscribe", "new@example.org").exit_code == 0
    assert (
        json.loads(fivewatch("subscribers", "--format", "json").stdout)[0]["state"]
        == "unsubscribed"
    )
    assert fivewatch("unsubscribe", "new@example.org", "--bounced").exit_code == 0
    assert json.loads(fivewatch("subscribers", "--format", "json").stdout)[0]["state"] == "bounced"


def test_confirm_rejects_a_forged_or_foreign_token(fivewatch: Run) -> None:
    fivewatch("subscribe", "new@example.org", "-q", "CSAM")
    forged = fivewatch("confirm", "MQ.forged.signature")
    assert forged.exit_code == 1
    assert "this confirm link is not valid" in forged.output
    assert fivewatch("unsubscribe", "nobody@example.org").exit_code == 3


def test_send_says_when_the_provider_could_not_tell(
    fivewatch: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class LostAnswer:
        name = "lost"

        def send(
            self, message: EmailMessage, *, delivery_id: int, dry_run: bool = False
        ) -> SendResult:
            raise UncertainDelivery("SendGrid http://127.0.0.1: request sent, answer lost")

    fivewatch("subscribe", "new@example.org", "-q", "CSAM")
    monkeypatch.setattr("fivewatch.cli.alert_commands.mail_backend", lambda config: LostAnswer())
    result = fivewatch("send")
    assert "1 uncertain" in result.output
    assert "could not say whether they were sent" in result.output


def test_mail_backend_is_chosen_by_the_setting(tmp_path: Path) -> None:
    def config(**env: str) -> Config:
        return Config.from_env({"FIVEWATCH_OUTBOX_DIR": str(tmp_path), **env})

    assert isinstance(mail_backend(config()), FileBackend)
    smtp = config(FIVEWATCH_MAIL_BACKEND="smtp", FIVEWATCH_SMTP_URL="smtps://u:pw@mail.example.org")
    assert isinstance(mail_backend(smtp), SmtpBackend)
    sendgrid = config(FIVEWATCH_MAIL_BACKEND="sendgrid", SENDGRID_API_KEY="SG.x")
    assert isinstance(mail_backend(sendgrid), SendGridBackend)
    with pytest.raises(FiveWatchError, match="SendGrid needs an API key"):
        mail_backend(config(FIVEWATCH_MAIL_BACKEND="sendgrid"))
    with pytest.raises(FiveWatchError, match="expected file, smtp or sendgrid"):
        mail_backend(config(FIVEWATCH_MAIL_BACKEND="pigeon"))


def test_subscribe_sets_the_digest_time_zone(fivewatch: Run) -> None:
    added = fivewatch("subscribe", "nz@example.org", "-q", "CSAM", "--timezone", "Pacific/Auckland")
    assert added.exit_code == 0, added.output
    [subscriber] = json.loads(fivewatch("subscribers", "--format", "json").stdout)
    assert subscriber["timezone"] == "Pacific/Auckland"
    wrong = fivewatch("subscribe", "x@example.org", "-q", "CSAM", "--timezone", "Mars/Olympus")
    assert wrong.exit_code == 1
    assert "unknown time zone 'Mars/Olympus'" in wrong.output


# SYNTHETIC: what someone abusing a sign-up would type.
SPAM_NAME = "WIN A PRIZE at prizes.example"
SPAM_QUERY = '"cheap pills"'


def test_subscribe_refuses_a_name_with_a_line_break_in_one_line(fivewatch: Run) -> None:
    refused = fivewatch("subscribe", "new@example.org", "-q", "rates", "--name", "a\nBcc: x@y.z")
    assert refused.exit_code == 1
    assert "control character" in refused.output
    assert "Traceback" not in refused.output
    listed = fivewatch("subscriptions", "--format", "json")
    assert (listed.exit_code, json.loads(listed.output)) == (0, [])


def test_the_confirmation_from_send_carries_no_name_or_query(
    fivewatch: Run, tmp_path: Path
) -> None:
    """The address is not confirmed yet: none of the sign-up's free text is mailed to it."""
    subscribed = fivewatch("subscribe", "new@example.org", "-q", SPAM_QUERY, "--name", SPAM_NAME)
    assert subscribed.exit_code == 0, subscribed.output
    assert fivewatch("send").exit_code == 0
    [message] = outbox(tmp_path)
    assert message["Subject"] == "Confirm your FiveWatch subscription"
    parts = [message.get_body((kind,)) for kind in ("plain", "html")]
    content = "".join(str(part.get_content()) for part in parts if part is not None)
    assert "alerts on a search (immediate)" in content
    for free_text in ("PRIZE", "prizes", "pills"):
        assert free_text not in content


def test_send_reports_a_held_delivery(fivewatch: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    class Refused:
        name = "refusing"

        def send(
            self, message: EmailMessage, *, delivery_id: int, dry_run: bool = False
        ) -> SendResult:
            raise ContentRefused("SMTP 127.0.0.1: 554 DATA: 5.7.1 rejected as spam")  # SYNTHETIC

    fivewatch("subscribe", "new@example.org", "-q", "CSAM")
    monkeypatch.setattr("fivewatch.cli.alert_commands.mail_backend", lambda config: Refused())
    output = " ".join(fivewatch("send").output.split())  # as read, whatever the wrapping
    assert "1 held: their content could not be rendered or was refused" in output
    assert "kept with their alerts and tried again later" in output
