"""Every title a source gives is found: by search, by alert queries (`title:` too), by name.

On the real S-209 (45-1) as the LEGISinfo spider reads it: its title is the long one, and the
name people use, "Protecting Young Persons from Exposure to Pornography Act", is its short title.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import finder
from alerts.match import match_changes
from alerts.subscriptions import subscribe
from crawlers.spiders.ca.legisinfo_forms import bill_from_xml
from crawlers.spiders.ca.legisinfo_record import bill_record
from models import Alert
from models.lookup import find
from models.records import DocumentRecord
from tests.alerts.conftest import NOW, Store
from tests.conftest import ROOT

BODY = ROOT / "cassettes/ca-legisinfo-bills/bodies/bill_45-1_S-209_xml_civican.xml"
URL = "https://www.parl.ca/legisinfo/en/bill/45-1/S-209/xml"
SHORT = "Protecting Young Persons from Exposure to Pornography Act"


def real_s209() -> DocumentRecord:
    bill = bill_from_xml("ca-legisinfo-bills", URL, BODY.read_bytes())
    return bill_record(bill, source="ca-legisinfo-bills", source_url=URL, fetched_at=NOW)


def test_the_short_title_is_stored_beside_the_long_one(session: Session, store: Store) -> None:
    document = store(real_s209())
    assert SHORT not in document.title
    assert SHORT in document.other_titles.splitlines()
    assert {"type": "Short title", "title": SHORT, "language": "en"} in document.titles


def test_search_finds_a_bill_by_its_short_title(session: Session, store: Store) -> None:
    document = store(real_s209())
    page = finder.find(session, finder.Filters(query='"protecting young persons"'))
    assert [hit.document.id for hit in page.hits] == [document.id]


def test_an_alert_query_on_title_reads_every_title(session: Session, store: Store) -> None:
    subscribe(
        session, email="a@example.org", query='title:"exposure to pornography"', confirmed=True
    )
    subscribe(session, email="b@example.org", query='title:"jeunes contre"', confirmed=True)
    subscribe(session, email="c@example.org", query='title:"no such words"', confirmed=True)
    store(real_s209())
    match_changes(session, NOW)
    session.commit()
    emails = sorted(a.subscription.subscriber.email for a in session.scalars(select(Alert)))
    assert emails == ["a@example.org", "b@example.org"]


def test_a_bill_is_found_by_a_prefix_of_its_short_title(session: Session, store: Store) -> None:
    document = store(real_s209())
    found = find(session, "protecting young")
    assert found is not None
    assert (found.document, found.how) == (document, "title")
