"""`fivewatch send` checks, --retry-failed, --dry-run, and `fivewatch deliveries` (issue #20),
through the command (CliRunner) on a real database, sending through the file backend."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.deliver import queue_confirmation, queue_deliveries
from alerts.delivery_record import DELIVERY_RECORD_COLUMNS
from alerts.subscriptions import subscribe
from fivewatch.cli import cli
from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError
from fivewatch.health_policy import HealthPolicy
from fivewatch.mailer import deliver, mail_backend
from fivewatch.scheduler import Scheduler
from fivewatch.send_check import check_send_config
from models import Alert, Delivery, Subscriber
from models.db import make_session_factory
from tests.alerts.conftest import NOW
from tests.alerts.mailservers import read_outbox

OLD_BASE, NEW_BASE = "https://old.fivewatch.example.org", "https://fivewatch.example.org"
Run = Callable[..., Result]


@pytest.fixture
def fivewatch(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    for name in ("FIVEWATCH_MAIL_BACKEND", "FIVEWATCH_MAIL_FROM", "SENDGRID_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FIVEWATCH_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("FIVEWATCH_SECRET_KEY", "send-cli-secret")
    monkeypatch.setenv("FIVEWATCH_BASE_URL", NEW_BASE)

    def run(*args: str, **env: str) -> Result:
        return CliRunner().invoke(cli, [*args, "--database-url", db_url], env=env)

    return run


def outbox(tmp_path: Path) -> list[EmailMessage]:
    return read_outbox(tmp_path / "outbox")


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def state(session: Session) -> list[tuple[int, str, int, str]]:
    session.expire_all()
    statement = select(Delivery.id, Delivery.status, Delivery.attempts, Delivery.last_error)
    return [tuple(row) for row in session.execute(statement.order_by(Delivery.id))]  # type: ignore[misc]


@pytest.fixture
def queued(session: Session, alerts: list[Alert]) -> list[Delivery]:
    """The confirmed subscriber's alerts in one pending delivery, and a pending confirmation
    for an unconfirmed address."""
    queue_deliveries(session, NOW)
    subscribe(session, email="new@example.org", query="CSAM")
    session.flush()
    newcomer = session.scalars(select(Subscriber).where(Subscriber.email == "new@example.org"))
    queue_confirmation(session, newcomer.one().id, NOW)
    session.commit()
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def fail(session: Session, deliveries: list[Delivery], created_at: datetime = NOW) -> None:
    for delivery in deliveries:
        delivery.status, delivery.attempts = "failed", 8
        delivery.last_error, delivery.created_at = "SMTP 550: relay denied", created_at
    session.commit()


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        (
            {
                "FIVEWATCH_MAIL_BACKEND": "smtp",
                "FIVEWATCH_BASE_URL": "http://fivewatch.example.org",
            },
            "FIVEWATCH_BASE_URL 'http://fivewatch.example.org' is not https",
        ),
        ({"FIVEWATCH_MAIL_BACKEND": "sendgrid"}, "SENDGRID_API_KEY is not set"),
        ({"FIVEWATCH_MAIL_FROM": "FiveWatch <alerts>"}, "FIVEWATCH_MAIL_FROM 'FiveWatch <alerts>'"),
    ],
    ids=["http-base-url", "no-sendgrid-key", "bad-from"],
)
def test_send_refuses_a_bad_configuration_before_claiming_anything(
    fivewatch: Run, session: Session, queued: list[Delivery], env: dict[str, str], problem: str
) -> None:
    fail(session, queued[:1])
    before = state(session)
    refused = fivewatch("send", "--retry-failed", **env)
    assert refused.exit_code == 1
    assert problem in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert state(session) == before  # nothing requeued, queued, claimed or sent


def test_plain_http_is_allowed_on_loopback_and_with_the_file_backend() -> None:
    def check(**env: str) -> None:
        check_send_config(Config.from_env({"FIVEWATCH_MAIL_FROM": "a@fw.example.org", **env}))

    check(FIVEWATCH_BASE_URL="http://localhost:8000", FIVEWATCH_MAIL_BACKEND="smtp")
    check(FIVEWATCH_BASE_URL="http://demo.example.org", FIVEWATCH_MAIL_BACKEND="file")
    with pytest.raises(FiveWatchError, match="names no host"):
        check(FIVEWATCH_BASE_URL="https://fw.example.org", FIVEWATCH_MAIL_BACKEND="smtp",
              FIVEWATCH_SMTP_URL="smtp://")  # fmt: skip


def test_retry_failed_sends_again_rendered_with_the_base_url_of_now(
    fivewatch: Run, session: Session, queued: list[Delivery], tmp_path: Path
) -> None:
    fail(session, queued)
    result = fivewatch("send", "--retry-failed")
    assert result.exit_code == 0, result.output
    assert "Failed deliveries: 2 requeued" in result.output
    assert [status for _, status, _, _ in state(session)] == ["sent", "sent"]
    assert [error for *_, error in state(session)] == ["", ""]
    alert_mail, confirmation = outbox(tmp_path)
    assert confirmation["To"] == "new@example.org"
    assert f"{NEW_BASE}/confirm/" in text_of(confirmation)
    assert f"{NEW_BASE}/" in text_of(alert_mail)
    assert OLD_BASE not in text_of(alert_mail) + text_of(confirmation)


def test_retry_failed_since_takes_only_the_later_failures(
    fivewatch: Run, session: Session, queued: list[Delivery]
) -> None:
    alert_delivery, confirmation = queued
    fail(session, [alert_delivery], created_at=NOW - timedelta(days=3))
    fail(session, [confirmation], created_at=NOW)
    since = (NOW - timedelta(days=1)).strftime("%Y-%m-%d")
    result = fivewatch("send", "--retry-failed", "--since", since)
    assert "Failed deliveries: 1 requeued" in result.output
    assert [status for _, status, _, _ in state(session)] == ["failed", "sent"]


def test_retry_failed_never_requeues_for_a_stopped_address(
    fivewatch: Run, session: Session, queued: list[Delivery]
) -> None:
    fail(session, queued)
    alert_delivery, confirmation = queued
    alert_delivery.subscriber.suppressed_reason = "spam report"
    confirmation.subscriber.unsubscribed_at = NOW + timedelta(hours=1)
    session.commit()
    result = fivewatch("send", "--retry-failed")
    output = " ".join(result.output.split())
    assert "0 requeued; skipped: 1 subscriber unsubscribed, 1 suppressed" in output
    assert [(s, a) for _, s, a, _ in state(session)] == [("failed", 8), ("failed", 8)]


def test_since_without_retry_failed_is_a_usage_error(fivewatch: Run) -> None:
    assert fivewatch("send", "--since", "2026-12-01").exit_code == 2


def test_dry_run_shows_the_next_emails_and_changes_nothing(
    fivewatch: Run, session: Session, alerts: list[Alert], tmp_path: Path
) -> None:
    subscribe(session, email="new@example.org", query="CSAM")  # its confirmation not queued yet
    session.commit()
    result = fivewatch("send", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 emails would go: 1 alert email, 1 confirmation" in result.output
    assert "--- alerts to a@example.org (queued by the next send)" in result.output
    assert "--- confirmation to new@example.org (queued by the next send)" in result.output
    for alert in alerts:
        assert f"  - {alert.change.document.title}" in result.output
    assert "Subject: Confirm your FiveWatch" in result.output
    assert f"{NEW_BASE}/confirm/" in result.output  # the text body
    assert state(session) == []
    session.expire_all()
    assert all(alert.delivery_id is None for alert in alerts)
    assert outbox(tmp_path) == []


SECRET_HOOK = "https://hooks.slack.example/services/T0/B0/secret-token"


def test_dry_run_shows_a_notification_s_payload_never_its_url_and_changes_nothing(
    fivewatch: Run, session: Session, alerts: list[Alert], tmp_path: Path
) -> None:
    alerts[0].subscription.channel = "team"  # and by email: the notification is a copy
    session.commit()
    result = fivewatch("send", "--dry-run", FIVEWATCH_CHANNEL_TEAM=f"slack:{SECRET_HOOK}")
    assert result.exit_code == 0, result.output
    assert "1 email and 1 notification would go: 1 alert email" in result.output
    _, notification = result.output.split("--- alerts notification to slack channel team ")
    assert notification.startswith("(queued by the next send)")
    payload = json.loads(notification[notification.index("\n{") :])
    assert payload["text"].startswith("FiveWatch")
    assert f"Subject: {payload['text']}" in notification
    for alert in alerts:
        assert f"  - {alert.change.document.title}" in notification
    assert "parl.ca/legisinfo/en/bill/45-1/s-209" in payload["blocks"][2]["text"]["text"]
    assert SECRET_HOOK not in result.output
    assert "secret-token" not in result.output
    assert state(session) == []
    assert outbox(tmp_path) == []


def test_dry_run_says_why_a_notification_to_an_unconfigured_destination_is_held(
    fivewatch: Run, session: Session, alerts: list[Alert]
) -> None:
    alerts[0].subscription.channel, alerts[0].subscription.by_email = "team", False
    session.commit()
    result = fivewatch("send", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "1 notification would go\n" in result.output
    assert "--- alerts notification to channel team (queued by the next send)" in result.output
    assert (
        "Would not be posted: held: channel 'team' is not configured "
        "(FIVEWATCH_CHANNEL_TEAM=<kind>:<url>)" in " ".join(result.output.split())
    )
    assert state(session) == []


def test_dry_run_shows_a_queued_delivery_by_its_id(
    fivewatch: Run, session: Session, queued: list[Delivery]
) -> None:
    before = state(session)
    result = fivewatch("send", "--dry-run")
    assert f"(delivery {queued[0].id})" in result.output
    assert f"(delivery {queued[1].id})" in result.output
    assert state(session) == before


def test_dry_run_with_a_bad_configuration_still_shows_and_warns(
    fivewatch: Run, queued: list[Delivery]
) -> None:
    result = fivewatch("send", "--dry-run", FIVEWATCH_MAIL_BACKEND="sendgrid")
    assert result.exit_code == 0
    assert "SENDGRID_API_KEY is not set" in result.output
    assert "(the send would stop here)" in result.output
    assert "2 emails would go" in result.output


@pytest.fixture
def recorded(fivewatch: Run, session: Session, queued: list[Delivery]) -> list[Delivery]:
    """The alert email sent, then the confirmation failed (never sent) with a long error."""
    assert fivewatch("send").exit_code == 0
    session.expire_all()  # the send changed them in another session
    confirmation = session.get_one(Delivery, queued[1].id)
    confirmation.status, confirmation.sent_at = "failed", None
    confirmation.last_error = "SMTP 550 5.1.1: " + "x" * 200
    session.commit()
    return queued


def test_deliveries_lists_an_address_newest_first_in_80_columns(
    fivewatch: Run, recorded: list[Delivery], alerts: list[Alert], session: Session
) -> None:
    sent_at = recorded[0].sent_at
    assert sent_at is not None
    result = fivewatch("deliveries", "New@Example.org")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[2:5] == [
        "2026-11-29 06:00 UTC  confirmation  email     failed     0 alerts",
        "    Confirm your FiveWatch subscription",
        "    last error: SMTP 550 5.1.1: " + "x" * 47 + "…",  # 80 columns
    ]
    result = fivewatch("deliveries", "a@example.org")
    assert result.stdout.splitlines()[2] == (
        f"{sent_at:%Y-%m-%d %H:%M} UTC  alerts        email     sent       {len(alerts)} alerts"
    )
    missing = fivewatch("deliveries", "x@example.org")
    assert missing.exit_code == 3
    assert "no subscriber with the address x@example.org" in missing.output


def test_deliveries_exports_csv_and_json_with_stable_columns(
    fivewatch: Run, recorded: list[Delivery]
) -> None:
    exported_csv = fivewatch("deliveries", "new@example.org", "--format", "csv").stdout
    [row] = csv.DictReader(io.StringIO(exported_csv))
    assert tuple(row) == DELIVERY_RECORD_COLUMNS
    assert (row["kind"], row["channel"], row["status"]) == ("confirmation", "email", "failed")
    assert row["last_error"].endswith("x" * 200)  # whole in exports
    exported = json.loads(fivewatch("deliveries", "new@example.org", "--format", "json").stdout)
    assert [tuple(item) for item in exported] == [DELIVERY_RECORD_COLUMNS]
    assert exported[0]["when"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert exported[0]["id"] == recorded[1].id


def test_the_schedulers_send_step_logs_a_bad_configuration_and_claims_nothing(
    db_url: str, session: Session, queued: list[Delivery], caplog: pytest.LogCaptureFixture
) -> None:
    config = Config.from_env(
        {"FIVEWATCH_DATABASE_URL": db_url, "FIVEWATCH_MAIL_BACKEND": "sendgrid"}
    )
    sessions = make_session_factory(session.get_bind())  # type: ignore[arg-type]
    send = partial(deliver, config, mail_backend(Config.from_env({})), sessions)
    loop = Scheduler(db_url, sessions, send, HealthPolicy.from_config(config))
    before = state(session)
    loop.send()
    assert "not sending: cannot send: FIVEWATCH_MAIL_BACKEND is sendgrid" in caplog.text
    assert state(session) == before
