"""Admin mail: source-health problems go to FIVEWATCH_ADMIN_EMAIL through the same outbox.

A problem is a source flagged degraded or failing by its last crawl, or one that has not
succeeded for twice its interval. The subject names every problem, so the same set of
problems is mailed once, and a change (a new one, or one fixed) is mailed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.headers import header_text
from alerts.render import MailContext, text_message
from alerts.subscriptions import subscriber_for
from models import Delivery, Source

ADMIN = "admin"
UNHEALTHY = ("degraded", "failing")


@dataclass(frozen=True)
class Problem:
    slug: str
    jurisdiction: str
    state: str  # degraded | failing | stale
    reason: str


def health_problems(session: Session, now: datetime) -> list[Problem]:
    """Every source that needs a person, in slug order."""
    sources = session.scalars(select(Source).order_by(Source.slug))
    return [problem for source in sources if (problem := _problem(source, now)) is not None]


def _problem(source: Source, now: datetime) -> Problem | None:
    if source.health in UNHEALTHY:
        return Problem(source.slug, source.jurisdiction, source.health, source.health_reason)
    last = source.last_success_at
    if last is not None and now - last > timedelta(seconds=2 * source.interval_s):
        reason = f"no successful run since {last.isoformat(timespec='minutes')}"
        return Problem(source.slug, source.jurisdiction, "stale", reason)
    return None


def admin_subject(problems: Sequence[Problem]) -> str:
    """`FiveWatch admin: 2 sources need attention — uk-bills (failing), nz-bills (stale)`.

    As sent (one line, capped), so the subject queued is the one recorded after sending and
    an unchanged set of problems, however many, is not mailed again."""
    noun = "source needs" if len(problems) == 1 else "sources need"
    named = ", ".join(f"{p.slug} ({p.state})" for p in problems)
    return header_text(f"FiveWatch admin: {len(problems)} {noun} attention — {named}")


def queue_admin_mail(session: Session, admin_email: str, now: datetime) -> int:
    """Queue one admin email when the set of problems differs from the last one mailed."""
    problems = health_problems(session, now)
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
    problems = health_problems(session, context.now)
    subject = admin_subject(problems)
    values = {"problems": problems, "subject": subject, "base_url": context.links.root}
    return text_message("admin", values, to, context, "admin")
