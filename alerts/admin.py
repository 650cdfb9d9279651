"""Admin mail: source-health problems go to FIVEWATCH_ADMIN_EMAIL through the same outbox.

A problem is a source whose verdict (`models.health`, the one `fivewatch sources`, the web and
/metrics show) is anything but healthy or unknown: failing, empty, stale, degraded, and
unverified (a standing condition, named so rather than as a failure). Sources never crawled are
left out: nothing runs them, so nobody needs mail about them. The subject names every
problem with its state, so the same set of problems is mailed once, and a change (a new one,
one fixed, a source recorded and verified) is mailed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.headers import header_text
from alerts.render import MailContext, text_message
from alerts.subscriptions import subscriber_for
from models import Delivery
from models.health import DEFAULT_POLICY, NOT_A_PROBLEM, HealthPolicy, health_report

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
        if health.verdict not in NOT_A_PROBLEM and health.last_run is not None
    ]


def admin_subject(problems: Sequence[Problem]) -> str:
    """`FiveWatch admin: 2 sources need attention — uk-bills (failing), nz-bills (stale)`.

    As sent (one line, capped), so the subject queued is the one recorded after sending and
    an unchanged set of problems, however many, is not mailed again."""
    noun = "source needs" if len(problems) == 1 else "sources need"
    named = ", ".join(f"{p.slug} ({p.state})" for p in problems)
    return header_text(f"FiveWatch admin: {len(problems)} {noun} attention — {named}")


def queue_admin_mail(
    session: Session, admin_email: str, now: datetime, policy: HealthPolicy = DEFAULT_POLICY
) -> int:
    """Queue one admin email when the set of problems differs from the last one mailed."""
    problems = health_problems(session, now, policy)
    if not admin_email or not problems:
        return 0
    subject = admin_subject(problems)
    last = session.scalars(
        select(Delivery.subject).where(Delivery.kind == ADMIN).order_by(Delivery.id.desc())
    ).first()
    if last == subject:
        return 0
    # The admin address gets a subscriber row of its own, never confirmed: no alerts reach it.
    admin = subscriber_for(session, admin_email, confirmed=False)
    session.add(Delivery(subscriber=admin, kind=ADMIN, subject=subject, created_at=now))
    session.flush()
    return 1


def render_admin(session: Session, to: str, context: MailContext) -> EmailMessage:
    """The admin email, with the problems as they stand when it is sent."""
    problems = health_problems(session, context.now, context.health_policy)
    subject = admin_subject(problems)
    values = {"problems": problems, "subject": subject, "base_url": context.links.root}
    return text_message("admin", values, to, context, "admin")
