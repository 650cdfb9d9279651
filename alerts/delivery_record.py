"""An address's delivery record: every email and notification the outbox holds for it.

One query and one row shape, shared by `fivewatch deliveries EMAIL` and the web manage page
(its record and its CSV / JSON export), so both show the same columns in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Alert, Delivery

# The export's columns, in order; a script reading the CSV or JSON may rely on them.
DELIVERY_RECORD_COLUMNS = (
    "id", "when", "kind", "channel", "subject", "alerts", "status", "last_error"
)  # fmt: skip
EMAIL = "email"  # Delivery.channel '' shown by name: the record lists other channels too


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    when: datetime  # sent_at when sent, else when it was queued
    kind: str  # alerts | daily | weekly | confirmation | admin
    channel: str  # "email", or the chat / webhook destination's name
    subject: str  # "" until rendered (set at send time)
    alerts: int
    status: str
    last_error: str

    @property
    def when_text(self) -> str:
        """For people: "2026-12-03 06:47 UTC"."""
        return format_when(self.when)

    def export(self) -> dict[str, Any]:
        """For CSV / JSON: DELIVERY_RECORD_COLUMNS, `when` in ISO 8601 UTC."""
        return {
            "id": self.id,
            "when": self.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": self.kind,
            "channel": self.channel,
            "subject": self.subject,
            "alerts": self.alerts,
            "status": self.status,
            "last_error": self.last_error,
        }


def format_when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def delivery_record(session: Session, subscriber_id: int) -> list[DeliveryRow]:
    """The subscriber's deliveries, newest first (by when sent, else when queued)."""
    when = func.coalesce(Delivery.sent_at, Delivery.created_at)
    statement = (
        select(Delivery, func.count(Alert.id))
        .outerjoin(Alert, Alert.delivery_id == Delivery.id)
        .where(Delivery.subscriber_id == subscriber_id)
        .group_by(Delivery.id)
        .order_by(when.desc(), Delivery.id.desc())
    )
    return [_row(delivery, alerts) for delivery, alerts in session.execute(statement)]


def _row(delivery: Delivery, alerts: int) -> DeliveryRow:
    return DeliveryRow(
        id=delivery.id,
        when=delivery.sent_at or delivery.created_at,
        kind=delivery.kind,
        channel=delivery.channel or EMAIL,
        subject=delivery.subject,
        alerts=alerts,
        status=delivery.status,
        last_error=delivery.last_error,
    )
