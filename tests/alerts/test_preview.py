"""alerts.preview: the next emails as a send would render them, nothing claimed or changed
(the one preview behind `fivewatch send --dry-run` and the web manage page)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.deliver import queue_deliveries
from alerts.mail_links import Links
from alerts.preview import preview_next
from alerts.render import MailContext
from alerts.subscriptions import subscribe, unsubscribe_address
from models import Alert, Delivery
from tests.alerts.conftest import NOW

CONTEXT = MailContext("FiveWatch <alerts@fw.example>", Links("https://fw.example", "k"), NOW)


def outbox_state(session: Session) -> list[tuple[int, str, int]]:
    statement = select(Delivery.id, Delivery.status, Delivery.attempts).order_by(Delivery.id)
    return [(id_, status, attempts) for id_, status, attempts in session.execute(statement)]


def test_a_preview_renders_queued_and_unqueued_mail_and_changes_nothing(
    session: Session, alerts: list[Alert]
) -> None:
    queue_deliveries(session, NOW)
    subscribe(session, email="new@example.org", query="CSAM")  # confirmation not queued yet
    session.commit()
    before = outbox_state(session)

    digest, confirmation = preview_next(session, CONTEXT)

    assert (digest.kind, digest.recipient) == ("alerts", "a@example.org")
    assert digest.delivery_id == before[0][0]
    assert digest.alerts == tuple(alert.change.document.title for alert in alerts)
    assert digest.subject
    assert digest.message is not None
    assert digest.subject == digest.message["Subject"]
    assert "https://fw.example/" in digest.text
    assert (confirmation.kind, confirmation.delivery_id) == ("confirmation", None)
    assert "https://fw.example/confirm/" in confirmation.text
    assert outbox_state(session) == before
    assert not session.new
    assert not session.dirty
    session.commit()  # a caller that commits afterwards stores nothing of the preview
    assert outbox_state(session) == before


def test_one_subscribers_preview_and_nothing_for_a_stopped_address(
    session: Session, alerts: list[Alert]
) -> None:
    subscriber_id = alerts[0].subscription.subscriber_id
    subscribe(session, email="new@example.org", query="CSAM")
    session.commit()
    [mine] = preview_next(session, CONTEXT, subscriber_id)
    assert mine.recipient == "a@example.org"
    unsubscribe_address(session, "a@example.org", NOW)
    session.commit()
    assert preview_next(session, CONTEXT, subscriber_id) == []
