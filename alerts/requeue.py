"""Failed deliveries sent again once their cause is fixed (`fivewatch send --retry-failed`).

A requeued delivery is pending with a fresh attempt budget. Nothing of its email was frozen:
the next send renders it again from its alerts (or, for a confirmation, from the subscriptions
still awaiting their link), so its links carry the base URL and key configured now. The old
error stays in `last_error`, prefixed "requeued after:", until the send records its outcome.
An address that must get no more mail (unsubscribed, bounced, suppressed) is never requeued.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.admin_mail import ADMIN
from alerts.deliver import CONFIRMATION, stopped_reason
from models import Delivery

REQUEUED = "requeued after: "


@dataclass
class Requeued:
    requeued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # why -> how many

    def __str__(self) -> str:
        skipped = ", ".join(f"{count} {why}" for why, count in sorted(self.skipped.items()))
        return f"{self.requeued} requeued" + (f"; skipped: {skipped}" if skipped else "")


def requeue_failed(session: Session, since: datetime | None = None) -> Requeued:
    """Failed deliveries (queued at or after `since`, when given) back to pending."""
    statement = select(Delivery).where(Delivery.status == "failed").order_by(Delivery.id)
    if since is not None:
        statement = statement.where(Delivery.created_at >= since)
    outcome = Requeued()
    for delivery in session.scalars(statement.options(selectinload(Delivery.subscriber))):
        if why := _not_again(delivery):
            outcome.skipped[why] += 1
            continue
        delivery.status = "pending"
        delivery.attempts = 0
        delivery.next_attempt_at = None
        delivery.last_error = REQUEUED + delivery.last_error.removeprefix(REQUEUED)
        outcome.requeued += 1
    return outcome


def _not_again(delivery: Delivery) -> str:
    """Why this failed delivery must stay failed, or "" when it may be sent again."""
    if delivery.kind == ADMIN:
        return ""
    subscriber = delivery.subscriber
    if subscriber.suppressed_reason:
        return "suppressed"
    if reason := stopped_reason(delivery):
        return reason
    confirmed = subscriber.confirmed_at
    if delivery.kind == CONFIRMATION and confirmed is not None and confirmed > delivery.created_at:
        return "confirmed since"
    return ""
