"""Admin mail: source-health incidents go to FIVEWATCH_ADMIN_EMAIL through the same outbox.

A problem is a source whose verdict (`models.health`, the one `fivewatch sources`, the web and
/metrics show) is anything but healthy or unknown, once it has run: failing, empty, stale,
degraded, and unverified (a standing condition, named so rather than as a failure). Each
problem is an incident (`models.incidents`): one email when it opens, naming the source and
its state, and one when it closes ("resolved"). Nothing is compared with earlier subjects, so
a source that fails, recovers and fails again is mailed three times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.headers import header_text
from alerts.render import MailContext, text_message
from alerts.subscriptions import subscriber_for
from models import Delivery, Incident, Subscriber
from models.health import DEFAULT_POLICY, HealthPolicy, health_report, needs_attention
from models.incidents import reconcile

ADMIN = "admin"


@dataclass(frozen=True)
class Problem:
    slug: str
    jurisdiction: str
    state: str  # a models.health verdict other than healthy | unknown
    reason: str


def health_problems(
    session: Session, now: datetime, policy: HealthPolicy = DEFAULT_POLICY
) -> list[Problem]:
    """Every source that needs a person, in slug order."""
    report = sorted(health_report(session, policy, now), key=lambda health: health.slug)
    return [
        Problem(health.slug, health.jurisdiction, health.verdict, health.reason)
        for health in report
        if needs_attention(health)
    ]


def opened_subject(incident: Incident) -> str:
    """`FiveWatch admin: uk-bills is failing`."""
    return header_text(f"FiveWatch admin: {incident.source.slug} is {incident.state}")


def closed_subject(incident: Incident) -> str:
    """`FiveWatch admin: uk-bills resolved (was failing)`."""
    return header_text(f"FiveWatch admin: {incident.source.slug} resolved (was {incident.state})")


def queue_admin_mail(
    session: Session, admin_email: str, now: datetime, policy: HealthPolicy = DEFAULT_POLICY
) -> int:
    """Record the incidents the health report shows now, then queue one email for each
    incident opened and each closed that was not mailed yet. Without an admin address the
    incidents are still recorded; those still open are mailed once an address is set."""
    reconcile(session, health_report(session, policy, now), now)
    if not admin_email:
        return 0
    unmailed = select(Incident).order_by(Incident.id)
    openings = session.scalars(
        unmailed.where(Incident.mailed_open_at.is_(None), Incident.closed_at.is_(None))
    ).all()
    closings = session.scalars(
        unmailed.where(
            Incident.mailed_open_at.is_not(None),
            Incident.mailed_close_at.is_(None),
            Incident.closed_at.is_not(None),
        )
    ).all()
    if not openings and not closings:
        return 0
    # The admin address gets a subscriber row of its own, never confirmed: no alerts reach it.
    admin = subscriber_for(session, admin_email, confirmed=False)
    for incident in openings:
        incident.open_delivery = _announce(session, admin, opened_subject(incident), now)
        incident.mailed_open_at = now
    for incident in closings:
        incident.close_delivery = _announce(session, admin, closed_subject(incident), now)
        incident.mailed_close_at = now
    session.flush()
    return len(openings) + len(closings)


def _announce(session: Session, admin: Subscriber, subject: str, now: datetime) -> Delivery:
    delivery = Delivery(subscriber=admin, kind=ADMIN, subject=subject, created_at=now)
    session.add(delivery)
    return delivery


def render_admin(session: Session, delivery: Delivery, context: MailContext) -> EmailMessage:
    """The email a queued admin delivery stands for: the incident it opens or closes."""
    incident = session.scalars(
        select(Incident).where(
            or_(Incident.open_delivery_id == delivery.id, Incident.close_delivery_id == delivery.id)
        )
    ).one_or_none()
    values: dict[str, object] = {
        "subject": delivery.subject,  # as queued; the incident's source may have been removed
        "incident": incident,
        "closing": incident is not None and incident.close_delivery_id == delivery.id,
        "base_url": context.links.root,
    }
    return text_message("admin", values, delivery.subscriber.email, context, "admin")
