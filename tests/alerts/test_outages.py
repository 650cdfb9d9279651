"""Outage notices in digests: the sources a reader depends on that were down in its period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.backends.interface import OutgoingMail
from alerts.deliver import queue_deliveries, render_delivery
from alerts.match import match_changes
from alerts.outages import outage_notices, scope
from alerts.subscriptions import follow, subscribe
from models import Delivery, Source, Subscriber
from models.incidents import Incident
from models.store import ensure_source
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818
from tests.alerts.test_render import CONTEXT

READER = "reader@example.org"
# The daily digest queued Thursday 3 December 08:00 UTC covers Wed 07:00 to Thu 07:00 London
# (GMT in December: the same clock as UTC).
QUEUED = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
FAILED = "failed from Thu 3 Dec 02:00 to 05:10 GMT (Europe/London)"
UNVERIFIED = "has not been verified since Tue 1 Dec 18:00 GMT (Europe/London)"
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def source(session: Session, slug: str, jurisdiction: str, kind: str, name: str = "") -> Source:
    return ensure_source(session, slug=slug, jurisdiction=jurisdiction, kind=kind, name=name)


def incident(
    source: Source, state: str, opened: datetime, closed: datetime | None, reason: str = ""
) -> Incident:
    return Incident(
        source=source,
        state=state,
        reason=reason,
        last_state=state,
        last_reason=reason,
        opened_at=opened,
        updated_at=closed or opened,
        closed_at=closed,
    )


@pytest.fixture
def outages(session: Session, store: Store) -> None:
    """A London reader of UK bills, daily; UK and Canadian sources with incidents in and out
    of the period."""
    subscribe(
        session,
        email=READER,
        query="bill OR act",
        jurisdictions=["uk"],
        frequency="daily",
        timezone="Europe/London",
        confirmed=True,
    )
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    uk_bills = source(session, "uk-bills", "uk", "bills", "UK Parliament Bills API")
    statements = source(session, "uk-written-statements", "uk", "statements")
    canada = source(session, "ca-legisinfo-bills", "ca", "bills")
    session.add_all(
        [
            incident(uk_bills, "failing", at(3, 2), at(3, 5, 10), "HTTP 503"),
            incident(statements, "unverified", at(1, 18), None, HOSTILE),
            incident(uk_bills, "stale", at(1, 1), at(2, 6, 59)),  # closed before the period
            incident(uk_bills, "degraded", at(2, 12), at(2, 13)),  # answered, in part
            incident(canada, "failing", at(3, 1), None),  # not a source the reader reads
        ]
    )
    session.commit()


def rendered(session: Session, delivery: Delivery) -> OutgoingMail:
    mail = render_delivery(session, delivery, CONTEXT)
    assert isinstance(mail, OutgoingMail)
    return mail


def reader(session: Session) -> Subscriber:
    return session.scalars(select(Subscriber).where(Subscriber.email == READER)).one()


@pytest.mark.usefixtures("outages")
def test_a_digest_names_the_outages_of_its_sources_in_its_period(session: Session) -> None:
    notices = outage_notices(session, reader(session), "daily", QUEUED)
    assert [(n.source, n.what, n.reason) for n in notices] == [
        ("uk-written-statements", UNVERIFIED, HOSTILE),
        ("UK Parliament Bills API", FAILED, "HTTP 503"),
    ]
    assert notices[0].consequence.startswith("anything it publishes meanwhile")
    assert notices[1].consequence.startswith("anything it published then")


@pytest.mark.usefixtures("outages")
def test_outages_outside_the_period_are_not_named(session: Session) -> None:
    """Due Tue 1 Dec 08:00, the digest covers Mon 07:00 to Tue 07:00: the stale spell that
    began at 01:00 is in it, the later ones are not; the day before holds none."""
    notices = outage_notices(session, reader(session), "daily", at(1, 8))
    assert [n.what for n in notices] == [
        "was not crawled from Tue 1 Dec 01:00 GMT (Europe/London)"
        " to Wed 2 Dec 06:59 GMT (Europe/London)"
    ]
    assert outage_notices(session, reader(session), "daily", at(1, 8) - timedelta(days=1)) == []


@pytest.mark.usefixtures("outages")
def test_both_parts_of_the_digest_carry_the_notices_escaped(session: Session) -> None:
    queue_deliveries(session, QUEUED)
    delivery = session.scalars(select(Delivery).where(Delivery.kind == "daily")).one()
    mail = rendered(session, delivery)
    assert mail.html is not None
    assert "UK Parliament Bills API failed from Thu 3 Dec 02:00 to 05:10 GMT" in mail.text
    assert "anything it published then will come in a later email." in mail.text
    assert f"uk-written-statements {UNVERIFIED}" in mail.text
    assert "<strong>UK Parliament Bills API</strong> " + FAILED in mail.html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in mail.html
    )
    assert "<script>" not in mail.html
    assert "<b>bold" not in mail.html
    assert "ca-legisinfo-bills" not in mail.text


@pytest.mark.usefixtures("outages")
def test_an_immediate_email_carries_no_notice(session: Session) -> None:
    subscription = reader(session).subscriptions[0]
    subscription.frequency = "immediate"
    queue_deliveries(session, QUEUED)
    delivery = session.scalars(select(Delivery)).one()
    mail = rendered(session, delivery)
    assert "Sources that were down" not in mail.text
    assert "UK Parliament Bills API" not in mail.text


def test_a_query_that_requires_a_jurisdiction_or_type_narrows_the_sources(
    session: Session,
) -> None:
    narrow = subscribe(session, email=READER, query="jurisdiction:ca AND type:bill AND budget")
    either = subscribe(session, email=READER, query="jurisdiction:ca OR budget")
    assert scope(narrow).jurisdictions == frozenset({"ca"})
    assert scope(narrow).kinds == frozenset({"bills"})
    assert scope(either).jurisdictions is None  # an OR does not require it
    chosen = subscribe(session, email=READER, query="jurisdiction:ca AND x", jurisdictions=["uk"])
    assert scope(chosen).jurisdictions == frozenset()  # nothing can match: nothing to report


def test_a_followed_bill_depends_on_its_jurisdictions_bill_sources(
    session: Session, store: Store
) -> None:
    followed = follow(session, email=READER, document=store(ca_bill_s209()))
    assert (scope(followed).jurisdictions, scope(followed).kinds) == (
        frozenset({"ca"}),
        frozenset({"bills"}),
    )


def test_times_are_told_in_the_readers_zone_with_the_day_when_it_changes(
    session: Session,
) -> None:
    """In Sydney (AEDT, UTC+11) 22:30 to 01:10 UTC is 09:30 to 12:10 on one day; 12:30 to
    13:10 UTC crosses local midnight, so both ends name their day."""
    subscribe(
        session,
        email=READER,
        query="bill",
        frequency="daily",
        timezone="Australia/Sydney",
        confirmed=True,
    )
    bills = source(session, "uk-bills", "uk", "bills", "UK Parliament Bills API")
    session.add(incident(bills, "failing", at(2, 22, 30), at(3, 1, 10)))
    session.add(incident(bills, "stale", at(3, 12, 30), at(3, 13, 10)))
    session.flush()
    notices = outage_notices(session, reader(session), "daily", at(4, 8))
    assert [n.what for n in notices] == [
        "failed from Thu 3 Dec 09:30 to 12:10 AEDT (Australia/Sydney)",
        "was not crawled from Thu 3 Dec 23:30 AEDT (Australia/Sydney)"
        " to Fri 4 Dec 00:10 AEDT (Australia/Sydney)",
    ]
