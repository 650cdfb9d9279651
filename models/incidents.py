"""Incidents: a source's health problem as a record, opened, updated and closed.

The health verdict (`models.health`) is judged when read; an incident remembers that a problem
began, how it stood last and when it ended, so the admin mail can say so once each way (one
mail when it opens, one when it closes) and a new problem after a recovery is a new incident.
`reconcile` is the only writer: it turns the current health report into these records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from models.base import Base
from models.health import SourceHealth, needs_attention
from models.sources import Source
from models.subscribers import Delivery

REASON_LENGTH = 500


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # the verdict that opened it
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH), default="")
    last_state: Mapped[str] = mapped_column(String(16))  # the verdict now, or when it closed
    last_reason: Mapped[str] = mapped_column(String(REASON_LENGTH), default="")
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    # When each admin mail was queued; kept though the outbox row may be pruned later.
    mailed_open_at: Mapped[datetime | None]
    mailed_close_at: Mapped[datetime | None]
    # The outbox rows, so the mail is rendered from the incident it announces.
    open_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )
    close_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )

    source: Mapped[Source] = relationship()
    open_delivery: Mapped[Delivery | None] = relationship(foreign_keys=[open_delivery_id])
    close_delivery: Mapped[Delivery | None] = relationship(foreign_keys=[close_delivery_id])


@dataclass
class IncidentChanges:
    opened: list[Incident] = field(default_factory=list)
    updated: list[Incident] = field(default_factory=list)
    closed: list[Incident] = field(default_factory=list)


def open_incidents(session: Session) -> dict[int, Incident]:
    """The open incident of each source that has one, by source id."""
    query = select(Incident).where(Incident.closed_at.is_(None))
    return {incident.source_id: incident for incident in session.scalars(query)}


def open_since(session: Session) -> dict[str, datetime]:
    """When each source's open incident opened, by source slug."""
    query = select(Source.slug, Incident.opened_at).join(Incident.source)
    return dict(session.execute(query.where(Incident.closed_at.is_(None))).all())


def reconcile(session: Session, report: Sequence[SourceHealth], now: datetime) -> IncidentChanges:
    """Bring the incident records in line with `report`: a problem with no open incident opens
    one, a problem still there updates it (its verdict or reason may have moved on), and a
    source no longer in trouble closes it."""
    changes = IncidentChanges()
    source_ids = dict(session.execute(select(Source.slug, Source.id)).all())
    incidents = open_incidents(session)
    for health in report:
        incident = incidents.get(source_ids[health.slug])
        reason = health.reason[:REASON_LENGTH]
        if not needs_attention(health):
            if incident is not None:
                incident.closed_at = incident.updated_at = now
                changes.closed.append(incident)
        elif incident is None:
            changes.opened.append(_open(session, source_ids[health.slug], health, reason, now))
        elif (incident.last_state, incident.last_reason) != (health.verdict, reason):
            incident.last_state, incident.last_reason = health.verdict, reason
            incident.updated_at = now
            changes.updated.append(incident)
    session.flush()
    return changes


def _open(
    session: Session, source_id: int, health: SourceHealth, reason: str, now: datetime
) -> Incident:
    incident = Incident(
        source_id=source_id,
        state=health.verdict,
        reason=reason,
        last_state=health.verdict,
        last_reason=reason,
        opened_at=now,
        updated_at=now,
    )
    session.add(incident)
    return incident


def recent_incidents(session: Session, closed_limit: int = 20) -> list[Incident]:
    """Open incidents (oldest first), then the last `closed_limit` closed ones (newest first)."""
    with_source = select(Incident).options(selectinload(Incident.source))
    still_open = with_source.where(Incident.closed_at.is_(None)).order_by(Incident.id)
    closed = (
        with_source.where(Incident.closed_at.is_not(None))
        .order_by(Incident.closed_at.desc(), Incident.id.desc())
        .limit(closed_limit)
    )
    return [*session.scalars(still_open), *session.scalars(closed)]
