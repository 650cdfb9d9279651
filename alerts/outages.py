"""Outage notices for digests: the sources a reader depends on that were down in its period.

A digest that says nothing about a source that failed reads as "nothing happened". From the
incident records (models.incidents) we name each source a digest's subscriptions can match
that was failing, stale or unverified during the period the digest covers, and when.

A subscription depends on the sources whose jurisdiction and kind its filters allow: its
jurisdictions and types, narrowed by a `jurisdiction:` or `type:` its query requires; a followed
bill depends on the sources of that bill's jurisdiction and kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from alerts.query import QuerySyntaxError
from alerts.query.ast import And, Filter, Node
from alerts.query.parser import parse_node
from alerts.schedule import digest_period, subscriber_zone
from models import Source, Subscriber, Subscription
from models.incidents import Incident
from models.vocabulary import DocumentKind, SourceKind

# The verdicts that mean a source's documents may be missing (degraded or empty sources
# still answered with something).
OUTAGE_STATES = ("failing", "stale", "unverified")
# What the source did, (closed, still open): "UK Parliament Bills API failed from ...".
PHRASES = {
    "failing": ("failed", "has been failing"),
    "stale": ("was not crawled", "has not been crawled"),
    "unverified": ("was not verified", "has not been verified"),
}
SOURCE_KIND_OF: dict[str, str] = {
    DocumentKind.BILL: SourceKind.BILLS,
    DocumentKind.STATEMENT: SourceKind.STATEMENTS,
}


@dataclass(frozen=True)
class OutageNotice:
    source: str  # the source's name (from the database: escaped as any other content)
    what: str  # "failed from Thu 3 Dec 02:00 to 09:40 UTC"
    reason: str
    still_open: bool

    @property
    def consequence(self) -> str:
        if self.still_open:
            return "anything it publishes meanwhile will come in a later email"
        return "anything it published then will come in a later email"


@dataclass(frozen=True)
class Scope:
    """The jurisdictions and source kinds a subscription can match; None: any."""

    jurisdictions: frozenset[str] | None
    kinds: frozenset[str] | None

    def covers(self, source: Source) -> bool:
        return (self.jurisdictions is None or source.jurisdiction in self.jurisdictions) and (
            self.kinds is None or source.kind in self.kinds
        )


def outage_notices(
    session: Session, subscriber: Subscriber, frequency: str, at: datetime
) -> list[OutageNotice]:
    """The notices for `subscriber`'s `frequency` digest queued at `at`, oldest outage first."""
    start, end = digest_period(
        frequency,
        subscriber.timezone,
        at,
        hour=subscriber.digest_hour,
        weekday=subscriber.digest_weekday,
    )
    scopes = [scope(s) for s in subscriber.subscriptions if s.active and s.frequency == frequency]
    sources = [s for s in session.scalars(select(Source)) if any(c.covers(s) for c in scopes)]
    incidents = outages_between(session, [source.id for source in sources], start, end)
    return [notice(incident, subscriber.timezone) for incident in incidents]


def outages_between(
    session: Session, source_ids: Sequence[int], start: datetime, end: datetime
) -> list[Incident]:
    """Outage incidents of these sources open at any time between `start` and `end`."""
    statement = (
        select(Incident)
        .options(selectinload(Incident.source))
        .where(
            Incident.source_id.in_(source_ids),
            or_(Incident.state.in_(OUTAGE_STATES), Incident.last_state.in_(OUTAGE_STATES)),
            Incident.opened_at <= end,
            or_(Incident.closed_at.is_(None), Incident.closed_at >= start),
        )
        .order_by(Incident.opened_at, Incident.id)
    )
    return list(session.scalars(statement))


def scope(subscription: Subscription) -> Scope:
    document = subscription.followed_document
    if document is not None:
        return Scope(frozenset({document.jurisdiction}), _source_kinds([document.kind]))
    node = _parsed(subscription.query)
    jurisdictions = _narrowed(subscription.jurisdictions, node, "jurisdiction")
    kinds = _narrowed(subscription.doc_types, node, "type")
    return Scope(jurisdictions, None if kinds is None else _source_kinds(kinds))


def _source_kinds(document_kinds: Iterable[str]) -> frozenset[str]:
    return frozenset(SOURCE_KIND_OF.get(kind, kind) for kind in document_kinds)


def _parsed(query: str) -> Node | None:
    try:
        return parse_node(query)
    except QuerySyntaxError:  # a stored query that no longer parses matches nothing anyway
        return None


def _narrowed(chosen: Sequence[str], node: Node | None, field: str) -> frozenset[str] | None:
    """The values a subscription allows for `field`: its own choice, within what its query
    requires (None: any)."""
    allowed = frozenset(chosen) if chosen else None
    required = _required(node, field) if node is not None else None
    if allowed is None or required is None:
        return required if allowed is None else allowed
    return allowed & required


def _required(node: Node, field: str) -> frozenset[str] | None:
    """The values of `field` every match must have: a filter at the top or in a top AND."""
    if isinstance(node, Filter) and node.field == field:
        return frozenset(node.values)
    if isinstance(node, And):
        found = [r for child in node.children if (r := _required(child, field)) is not None]
        return frozenset.intersection(*found) if found else None
    return None


def notice(incident: Incident, zone_name: str) -> OutageNotice:
    state = incident.last_state if incident.last_state in PHRASES else incident.state
    closed, still_open = PHRASES[state]
    if incident.closed_at is None:
        what = f"{still_open} since {_when(incident.opened_at, zone_name)}"
    else:
        what = f"{closed} {_span(incident.opened_at, incident.closed_at, zone_name)}"
    return OutageNotice(
        source=incident.source.name or incident.source.slug,
        what=what,
        reason=incident.last_reason or incident.reason,
        still_open=incident.closed_at is None,
    )


def _when(instant: datetime, zone_name: str) -> str:
    """`Thu 3 Dec 02:00 GMT (Europe/London)`; in UTC just `Thu 3 Dec 02:00 UTC`."""
    local = instant.astimezone(subscriber_zone(zone_name))
    return f"{_day(local)} {local:%H:%M} {_zone(local)}"


def _span(start: datetime, end: datetime, zone_name: str) -> str:
    """`from Thu 3 Dec 02:00 to 09:40 UTC`; the end's day and zone are named when they differ
    (overnight, or a clock change between)."""
    zone = subscriber_zone(zone_name)
    first, last = start.astimezone(zone), end.astimezone(zone)
    if (first.date(), first.utcoffset()) != (last.date(), last.utcoffset()):
        return f"from {_when(start, zone_name)} to {_when(end, zone_name)}"
    return f"from {_day(first)} {first:%H:%M} to {last:%H:%M} {_zone(last)}"


def _day(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b}"


def _zone(local: datetime) -> str:
    abbreviation, key = local.tzname() or "", str(local.tzinfo)
    return f"{abbreviation} ({key})" if abbreviation and abbreviation != key else key
