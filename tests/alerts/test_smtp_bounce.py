"""A mail server refusing an address for good (5xx to RCPT TO) suppresses it; 4xx is a retry.

Real SMTP to aiosmtpd on loopback, scripted to answer RCPT TO per address; the emails are the
real UK and Canadian bills' alerts.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.smtp import SmtpBackend
from alerts.deliver import DeliverySummary, send_pending
from alerts.mail_links import Links
from fivewatch.cli import cli
from models import Delivery, Subscriber
from models.subscribers import DeliveryEvent
from tests.alerts.conftest import NOW, Store
from tests.alerts.mailservers import SmtpScript
from tests.alerts.test_deliver import queue_alerts

REFUSED, OTHER = "gone@example.org", "b@example.org"


@pytest.fixture
def queued(session: Session, store: Store) -> list[int]:
    return queue_alerts(session, store, [(REFUSED, "bill OR act"), (OTHER, "pornography")])


def run(session: Session, url: str, at: timedelta = timedelta(0)) -> DeliverySummary:
    return send_pending(
        sessionmaker(session.get_bind()), SmtpBackend(url, timeout=5), now=NOW + at,
        mail_from="alerts@fw.example", links=Links("https://fw.example", "s", "leave@fw.example"),
    )  # fmt: skip


def subscriber(session: Session, email: str) -> Subscriber:
    session.expire_all()
    return session.scalars(select(Subscriber).where(Subscriber.email == email)).one()


def delivery_of(session: Session, email: str) -> Delivery:
    return session.scalars(select(Delivery).join(Subscriber).where(Subscriber.email == email)).one()


def test_a_permanent_refusal_fails_the_delivery_and_suppresses_the_address(
    session: Session, queued: list[int], smtp: tuple[str, SmtpScript]
) -> None:
    url, script = smtp
    script.rcpt_replies[REFUSED] = "550 5.1.1 user unknown"
    summary = run(session, url)
    assert (summary.sent, summary.failed) == (1, 1)
    gone = subscriber(session, REFUSED)
    assert gone.bounced_at is not None
    assert not gone.can_receive
    assert gone.suppressed_reason == "bounce: 550 5.1.1 user unknown (SMTP, 2026-11-29 06:00 UTC)"
    failed = delivery_of(session, REFUSED)
    assert failed.status == "failed"
    assert f"550 RCPT TO <{REFUSED}>: 5.1.1 user unknown" in failed.last_error
    event = session.scalars(select(DeliveryEvent)).one()
    assert (event.provider, event.email, event.event, event.reason) == (
        "smtp", REFUSED, "bounce", "550 5.1.1 user unknown"
    )  # fmt: skip
    assert subscriber(session, OTHER).can_receive


def test_the_operator_sees_why_an_address_gets_nothing_more(
    session: Session, queued: list[int], smtp: tuple[str, SmtpScript], db_url: str
) -> None:
    url, script = smtp
    script.rcpt_replies[REFUSED] = "550 5.1.1 user unknown"
    run(session, url)
    listed = CliRunner().invoke(cli, ["subscribers", "--format", "json", "--database-url", db_url])
    assert listed.exit_code == 0, listed.output
    assert [(s["email"], s["state"], s["why_stopped"]) for s in json.loads(listed.stdout)] == [
        (REFUSED, "bounced", "bounce: 550 5.1.1 user unknown (SMTP, 2026-11-29 06:00 UTC)"),
        (OTHER, "confirmed", ""),
    ]


def test_a_temporary_refusal_is_retried_and_the_address_stays(
    session: Session, queued: list[int], smtp: tuple[str, SmtpScript]
) -> None:
    url, script = smtp
    script.rcpt_replies[REFUSED] = "450 4.2.1 mailbox busy, try later"
    assert run(session, url).retried == 1
    assert delivery_of(session, REFUSED).status == "pending"
    stays = subscriber(session, REFUSED)
    assert (stays.can_receive, stays.suppressed_reason) == (True, "")
    assert session.scalars(select(DeliveryEvent)).all() == []
    del script.rcpt_replies[REFUSED]  # the mailbox is free again: the retry goes through
    assert run(session, url, at=timedelta(hours=1)).sent == 1
