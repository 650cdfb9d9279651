"""alerts.preview: the next emails as a send would render them, nothing claimed or changed
(the one preview behind `fivewatch send --dry-run` and the web manage page)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.file import FileBackend
from alerts.backends.webhook import WebhookBackend
from alerts.channels import Destination
from alerts.deliver import queue_deliveries, send_pending
from alerts.mail_links import Links
from alerts.preview import preview_next
from alerts.render import MailContext
from alerts.subscriptions import subscribe, unsubscribe_address
from models import Alert, Delivery
from tests.alerts.conftest import NOW
from tests.alerts.webhook_receiver import receiving

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


@pytest.mark.parametrize("by_email", [False, True], ids=["channel only", "copy of the email"])
def test_a_notification_previews_the_exact_json_the_send_posts(
    by_email: bool, session: Session, alerts: list[Alert], engine: Engine
) -> None:
    subscription = alerts[0].subscription
    subscription.channel, subscription.by_email = "team", by_email
    queue_deliveries(session, NOW)
    session.commit()
    with receiving() as receiver:
        team = {"team": Destination("team", "slack", receiver.url)}
        *_, preview = preview_next(session, CONTEXT, destinations=team)
        backend = WebhookBackend(team)
        sessions = sessionmaker(engine)
        send_pending(sessions, FileBackend(Path("/nonexistent")), now=NOW, mail_from="a@fw.example",
                     links=CONTEXT.links, channels=backend)  # fmt: skip
        backend.close()
    assert preview.is_notification
    assert (preview.kind, preview.recipient, preview.message) == (
        "alerts",
        "slack channel team",
        None,
    )
    assert preview.alerts == tuple(alert.change.document.title for alert in alerts)
    assert preview.subject.startswith("FiveWatch")
    [posted_body] = receiver.received
    assert json.loads(preview.text) == posted_body
    assert receiver.url not in preview.text


def test_a_notification_to_an_unconfigured_destination_says_why_it_is_held(
    session: Session, alerts: list[Alert]
) -> None:
    subscription = alerts[0].subscription
    subscription.channel, subscription.by_email = "nowhere", False
    session.commit()
    [preview] = preview_next(session, CONTEXT)
    assert (preview.recipient, preview.text, preview.delivery_id) == ("channel nowhere", "", None)
    assert preview.problem == (
        "held: channel 'nowhere' is not configured (FIVEWATCH_CHANNEL_NOWHERE=<kind>:<url>)"
    )
    assert len(preview.alerts) == len(alerts)
    assert outbox_state(session) == []
