"""The outbox end to end through the real backends: aiosmtpd on loopback, a local SendGrid v3.

The emails are rendered from the real UK and Canadian bills (the Canadian one carries its
French title), so what arrives is what a reader would get.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.interface import MailBackend
from alerts.backends.sendgrid import SendGridBackend
from alerts.backends.smtp import SmtpBackend
from alerts.deliver import DeliverySummary, send_pending
from alerts.headers import SUBSCRIPTION_IDS_HEADER
from alerts.mail_links import Links
from alerts.tokens import Purpose, read_token
from models import Delivery, Subscription
from tests.alerts.conftest import NOW, Store
from tests.alerts.mailservers import (
    FakeSendGrid,
    Reply,
    SmtpScript,
    sendgrid_error_body,
)
from tests.alerts.test_deliver import queue_alerts

SECRET = "backend-test-secret"
BASE_URL = "https://fivewatch.example.org"
FRENCH = "Loi sur la protection des jeunes contre l’exposition à la pornographie"


@pytest.fixture
def queued(session: Session, store: Store) -> list[int]:
    """Two readers: a@ gets both real bills, b@ only the Canadian one."""
    return queue_alerts(
        session, store, [("a@example.org", "bill OR act"), ("b@example.org", "pornography")]
    )


def run(session: Session, backend: MailBackend, at: timedelta = timedelta(0)) -> DeliverySummary:
    return send_pending(
        sessionmaker(session.get_bind()), backend, now=NOW + at, mail_from="alerts@fw.example",
        links=Links(BASE_URL, SECRET, "leave@fw.example"),
    )  # fmt: skip


def statuses(session: Session) -> list[tuple[str, str]]:
    session.expire_all()
    return [
        (d.status, d.last_error) for d in session.scalars(select(Delivery).order_by(Delivery.id))
    ]


def test_smtp_delivers_both_parts_french_text_and_one_click_unsubscribe(
    session: Session, queued: list[int], smtp: tuple[str, SmtpScript]
) -> None:
    url, script = smtp
    assert run(session, SmtpBackend(url, timeout=5)).sent == 2
    received = {message["To"]: (envelope, message) for envelope, message in script.received}
    envelope, message = received["b@example.org"]
    assert envelope.rcpt_tos == ["b@example.org"]
    assert message["Subject"] == (
        "FiveWatch: CA bill, new — Protecting Young Persons from Exposure to Pornography Act"
    )
    for subtype in ("plain", "html"):
        part = message.get_body((subtype,))
        assert part is not None
        assert FRENCH in part.get_content()
    https, mailto = message["List-Unsubscribe"].split(", ")
    token = https.removeprefix(f"<{BASE_URL}/unsubscribe/").removesuffix(">")
    assert (
        read_token(SECRET, Purpose.UNSUBSCRIBE, token)
        == session.scalars(
            select(Subscription.subscriber_id).where(Subscription.query == "pornography")
        ).one()
    )
    assert mailto == "<mailto:leave@fw.example?subject=unsubscribe>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message[SUBSCRIPTION_IDS_HEADER] is None  # internal: never sent
    assert received["a@example.org"][1]["Subject"].endswith("(+1 more)")


def test_smtp_refusing_a_recipient_fails_only_that_delivery(
    session: Session, queued: list[int], smtp: tuple[str, SmtpScript]
) -> None:
    url, script = smtp
    script.rcpt_replies["a@example.org"] = "550 5.1.1 mailbox unavailable"
    summary = run(session, SmtpBackend(url, timeout=5))
    assert (summary.sent, summary.failed) == (1, 1)
    [(status, error), sent] = statuses(session)
    assert status == "failed"
    assert "550 RCPT TO <a@example.org>: 5.1.1 mailbox unavailable" in error
    assert sent == ("sent", "")


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid([]).start()
    yield fake
    fake.stop()


def test_sendgrid_429_waits_for_retry_after_then_sends(
    session: Session, queued: list[int], sendgrid: FakeSendGrid
) -> None:
    sendgrid.replies = [
        Reply(429, {"Retry-After": "120"}, sendgrid_error_body("too many requests")),
        Reply(202, {"X-Message-Id": "sg-b"}),
        Reply(202, {"X-Message-Id": "sg-a"}),
    ]
    backend = SendGridBackend("SG.test", host=sendgrid.url, timeout=5, max_retries=0)
    first = run(session, backend)
    assert (first.sent, first.retried) == (1, 1)
    waiting = session.get_one(Delivery, queued[0])
    assert (waiting.status, waiting.next_attempt_at) == ("pending", NOW + timedelta(seconds=120))
    assert "429 too many requests" in waiting.last_error
    assert run(session, backend, timedelta(seconds=60)).sent == 0
    assert run(session, backend, timedelta(seconds=121)).sent == 1
    session.expire_all()
    assert [
        d.provider_message_id for d in session.scalars(select(Delivery).order_by(Delivery.id))
    ] == [
        "sg-a",
        "sg-b",
    ]
    custom = [request.payload["custom_args"] for request in sendgrid.requests]
    assert [c["delivery_id"] for c in custom] == [str(queued[0]), str(queued[1]), str(queued[0])]
    assert all(c["subscription_ids"] for c in custom)
    headers = sendgrid.requests[1].payload["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sendgrid.problems == []


def test_sendgrid_400_fails_visibly_and_500_keeps_it_pending(
    session: Session, queued: list[int], sendgrid: FakeSendGrid
) -> None:
    sendgrid.replies = [
        Reply(400, body=sendgrid_error_body("The to email does not contain a valid address.")),
        Reply(500, body=b"internal error"),
    ]
    backend = SendGridBackend("SG.test", host=sendgrid.url, timeout=5, max_retries=0)
    summary = run(session, backend)
    assert (summary.failed, summary.retried) == (1, 1)
    [(failed, reason), (pending, error)] = statuses(session)
    assert failed == "failed"
    assert reason.endswith("400 The to email does not contain a valid address.")
    assert pending == "pending"
    assert "500 internal error" in error
