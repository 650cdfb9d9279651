"""The sign-up form cannot relay spam: names are one line, the confirmation carries no free
text to the unconfirmed address, and an address gets at most MAX_PENDING pending sign-ups.

The names, queries and addresses below are SYNTHETIC: what someone abusing the form would type.
"""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.file import FileBackend
from alerts.backends.interface import (
    ContentRefused,
    DeliveryError,
    Mail,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
)
from alerts.deliver import send_pending
from alerts.mail_links import Links
from alerts.subscriptions import MAX_PENDING
from fivewatch.web import create_app
from models import Delivery, Subscription
from tests.web.conftest import SECRET, web_config
from tests.web.test_subscription_pages import csrf, sign_up

SPAM_NAME = "WIN A PRIZE at prizes.example — reply with your bank details"  # SYNTHETIC
SPAM_QUERY = '"cheap pills" OR "prizes example"'  # SYNTHETIC


def emails(outbox: Path) -> list[EmailMessage]:
    parsed = [message_from_bytes(p.read_bytes(), policy=default) for p in outbox.glob("*.eml")]
    return [message for message in parsed if isinstance(message, EmailMessage)]


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def count(session: Session, model: type[Subscription] | type[Delivery]) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "brk", ["\n", "\r\n", "\x0b", "\x85", "\x1b", "\t", "\u2028", "\u2029", "\u202e"]
)
def test_a_name_with_a_line_break_is_a_form_error(
    client: TestClient, outbox: Path, session: Session, brk: str
) -> None:
    name = f"Alerts{brk}Bcc: victim@example.org"  # SYNTHETIC header injection attempt
    fields = {"email": "a@example.org", "query": "rates", "name": name}
    response = client.post("/subscribe", data={"csrf_token": csrf(client), **fields})
    assert response.status_code == 400
    assert "control character" in response.text
    assert (count(session, Subscription), emails(outbox)) == (0, [])


def test_the_confirmation_mails_no_free_text_to_an_unconfirmed_address(
    client: TestClient, outbox: Path, session: Session
) -> None:
    sign_up(client, email="victim@example.org", query=SPAM_QUERY, name=SPAM_NAME)
    [message] = emails(outbox)
    text = body(message)
    assert "alerts on a search (immediate)" in text
    for free_text in ("PRIZE", "prizes", "pills"):
        assert free_text not in text + str(message["Subject"])
    # Once confirmed, the name is the subscriber's own: the manage page shows it.
    assert session.scalars(select(Subscription.name)).one() == SPAM_NAME


def test_pending_sign_ups_per_address_are_capped_without_saying_so(
    client: TestClient, outbox: Path, session: Session
) -> None:
    # The same address however it is spelt.
    addresses = ["victim@example.org", "Victim@Example.org "] * MAX_PENDING
    answers = [sign_up(client, email=a, query="rates") for a in addresses[: MAX_PENDING + 1]]
    assert len(set(answers)) == 1  # the capped answer is the same "check your inbox" page
    assert count(session, Subscription) == MAX_PENDING
    assert len(emails(outbox)) == MAX_PENDING
    # Another address is not affected.
    sign_up(client, email="other@example.org", query="rates")
    assert count(session, Subscription) == MAX_PENDING + 1


def test_a_confirmation_the_web_could_not_send_waits_for_the_outbox(
    client: TestClient, outbox: Path, session: Session
) -> None:
    outbox.write_text("a file where the outbox folder should be")  # the disk refuses the write
    sign_up(client, email="new@example.org", query="rates")
    session.expire_all()
    delivery = session.scalars(select(Delivery)).one()
    assert (delivery.kind, delivery.status) == ("confirmation", "pending")
    assert "cannot write" in delivery.last_error
    assert delivery.next_attempt_at is not None  # the outbox's backoff, as for any email
    outbox.unlink()
    factory = sessionmaker(session.get_bind())
    links = Links("http://localhost:8000", SECRET)
    summary = send_pending(
        factory,
        FileBackend(outbox),
        now=delivery.next_attempt_at,
        mail_from="fw@fw.example",
        links=links,
    )
    assert summary.sent == 1
    [message] = emails(outbox)
    assert "/confirm/" in body(message)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (TemporaryFailure("disk full"), "pending"),
        (UncertainDelivery("answer lost"), "uncertain"),
        (ContentRefused("554 rejected as spam"), "held"),  # SYNTHETIC verdict
        (PermanentFailure("550 no such mailbox"), "failed"),
    ],
)
def test_only_a_refused_address_fails_a_web_confirmation(
    db_url: str, outbox: Path, session: Session, error: DeliveryError, status: str
) -> None:
    class Failing:
        name = "failing"

        def send(self, message: Mail, *, delivery_id: int, dry_run: bool = False) -> SendResult:
            raise error

    with TestClient(create_app(web_config(db_url, outbox), mailer=Failing())) as client:
        sign_up(client, email="new@example.org", query="rates")
    session.expire_all()
    delivery = session.scalars(select(Delivery)).one()
    assert (delivery.kind, delivery.status) == ("confirmation", status)
    assert str(error) in delivery.last_error
