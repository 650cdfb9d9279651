"""An address's delivery record (alerts.delivery_record): rows, order, columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from alerts.delivery_record import DELIVERY_RECORD_COLUMNS, delivery_record
from models import Alert, Delivery

EARLY = datetime(2026, 12, 3, 6, 47, tzinfo=UTC)


def test_rows_are_newest_first_with_alert_counts(session: Session, alerts: list[Alert]) -> None:
    subscriber_id = alerts[0].subscription.subscriber_id
    sent = Delivery(
        subscriber_id=subscriber_id, kind="alerts", status="sent", subject="2 new alerts",
        created_at=EARLY, sent_at=EARLY + timedelta(minutes=1), alerts=alerts,
    )  # fmt: skip
    failed = Delivery(
        subscriber_id=subscriber_id, kind="confirmation", status="failed",
        created_at=EARLY + timedelta(hours=1), last_error="550 no such user",
    )  # fmt: skip
    session.add_all([sent, failed])
    session.commit()

    rows = delivery_record(session, subscriber_id)

    assert [(r.kind, r.alerts, r.status) for r in rows] == [
        ("confirmation", 0, "failed"),
        ("alerts", len(alerts), "sent"),
    ]
    assert rows[1].when_text == "2026-12-03 06:48 UTC"
    assert rows[0].export() == {
        "id": failed.id, "when": "2026-12-03T07:47:00Z", "kind": "confirmation",
        "channel": "email", "subject": "", "alerts": 0, "status": "failed",
        "last_error": "550 no such user",
    }  # fmt: skip
    assert tuple(rows[0].export()) == DELIVERY_RECORD_COLUMNS


def test_another_subscribers_deliveries_are_not_listed(
    session: Session, alerts: list[Alert]
) -> None:
    subscriber_id = alerts[0].subscription.subscriber_id
    session.add(Delivery(subscriber_id=subscriber_id, kind="alerts", created_at=EARLY))
    session.commit()
    assert delivery_record(session, subscriber_id + 1) == []
    assert len(delivery_record(session, subscriber_id)) == 1
