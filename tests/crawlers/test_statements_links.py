"""Links between statements and bills (models/document_links.py), on records read from real bodies.

Statements are real Canada News Centre entries; where a case needs what the real feed lacks
(a French edition, a bill named in the text, a Five Country Ministerial title), the change is
DERIVED in the test from a real entry and says so. The bill is the real LEGISinfo C-63 record.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, date, datetime

from lxml import etree
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from crawlers.spider_base.feed_entries import entry_record, external_id, read_feed
from models import Document, DocumentLink
from models.document_links import (
    SAME_AS,
    TRANSLATION,
    bill_references,
    link_statement,
    linked,
    statements_mentioning,
    translation_partner,
)
from models.records import BILL, DocumentRecord
from models.store import ensure_source, upsert_document
from tests.crawlers.test_feed_base import CA, CANADA, FETCHED, XML

C63_XML = "/work/shared/fixtures/ca/legisinfo-bill/bill_44-1_C-63_xml_civican.xml"
NOW = datetime(2026, 11, 29, 5, tzinfo=UTC)


def canada_records() -> list[DocumentRecord]:
    feed = read_feed(CANADA, XML)
    return [
        entry_record(entry, feed, CA, source_url="u", fetched_at=FETCHED) for entry in feed.entries
    ]


def french_edition(record: DocumentRecord) -> DocumentRecord:
    """DERIVED: the French twin canada.ca would publish at the same instant (not recorded)."""
    url = record.url.replace("/en/", "/fr/").replace("/news/", "/nouvelles/")
    return dataclasses.replace(record, external_id=external_id(url), url=url, language="fr")


def store(session: Session, slug: str, records: list[DocumentRecord]) -> list[Document]:
    source = ensure_source(
        session, slug=slug, jurisdiction=records[0].jurisdiction, kind="statements"
    )
    return [upsert_document(session, source, record, NOW).document for record in records]


def c63_bill() -> DocumentRecord:
    bill = etree.parse(C63_XML).getroot().find("Bill")
    assert bill is not None
    return DocumentRecord(
        source="ca-legisinfo-bills",
        external_id=bill.findtext("Id") or "",
        kind=BILL,
        jurisdiction="ca",
        reference=bill.findtext("NumberCode") or "",
        title=bill.findtext("LongTitleEn") or "",
        session="44-1",
    )


def test_reference_forms() -> None:
    assert set(bill_references("Bill C-63 and the Online Safety Bill; H.R. 1", "uk")) == {
        "c63",
        "onlinesafetybill",
        "hr1",
    }
    assert bill_references("C-63 and S. 1748", "uk") == {}
    assert set(bill_references("C-63", "ca")) == {"c63"}
    assert set(bill_references("S. 1748 passed", "us")) == {"s1748"}
    assert bill_references("the U.S. 2024 budget", "us") == {}
    assert bill_references("This Bill", "nz") == {}


def test_statement_naming_a_bill_appears_on_that_bill(session: Session) -> None:
    records = canada_records()
    # DERIVED: a real entry whose summary goes on to name the bill.
    naming = dataclasses.replace(
        records[0],
        summary=records[0].summary + " See Bill C-63.",
        body_text=records[0].body_text + " See Bill C-63.",
    )
    statement, bystander = store(session, "ca-gc-news", [naming, records[1]])
    for document in (statement, bystander):
        link_statement(session, document)
    bill_source = ensure_source(session, slug="ca-legisinfo-bills", jurisdiction="ca", kind="bills")
    bill = upsert_document(session, bill_source, c63_bill(), NOW).document  # stored after
    assert bill.reference == "C-63"
    assert statements_mentioning(session, bill) == [statement]
    assert statements_mentioning(session, statement) == []


def test_linking_twice_adds_nothing(session: Session) -> None:
    records = canada_records()
    naming = dataclasses.replace(records[0], body_text="Bill C-63 and Bill S-209")
    (statement,) = store(session, "ca-gc-news", [naming])
    assert len(link_statement(session, statement)) == 2
    assert link_statement(session, statement) == []
    assert len(session.scalars(select(DocumentLink)).all()) == 2


def test_english_and_french_editions_of_one_release_are_linked(session: Session) -> None:
    records = canada_records()
    english = records[0]
    assert english.source_updated_at == datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)
    en, fr = store(session, "ca-gc-news", [english, french_edition(english)])
    link_statement(session, fr)
    assert linked(session, en, TRANSLATION) == [fr]
    assert linked(session, fr, TRANSLATION) == [en]


def test_two_releases_at_one_instant_stay_unpaired(session: Session) -> None:
    records = canada_records()
    # Real: two Parks Canada releases share 2018-10-18T10:15:00-04:00.
    twins = [
        r for r in records if r.source_updated_at == datetime(2018, 10, 18, 14, 15, tzinfo=UTC)
    ]
    assert len(twins) >= 2
    documents = store(session, "ca-gc-news", [*twins, french_edition(twins[0])])
    for document in documents:
        link_statement(session, document)
    assert all(linked(session, document, TRANSLATION) == [] for document in documents)


def test_five_country_ministerial_copies_point_at_the_first(session: Session) -> None:
    records = canada_records()
    title = "Joint statement of the Five Country Ministerial 2018"
    # DERIVED: three real entries retitled as the same communiqué, a fourth a month away.
    first, second = (dataclasses.replace(r, title=title) for r in records[:2])
    far = dataclasses.replace(records[2], title=title, published_on=date(2018, 11, 30))
    plain = records[3]
    documents = store(session, "ca-gc-news", [first, second, far, plain])
    for document in documents:
        link_statement(session, document)
    canonical, copy, distant, unrelated = documents
    assert "five-country-ministerial" in canonical.topics
    assert linked(session, copy, SAME_AS) == [canonical]
    assert linked(session, canonical, SAME_AS) == []
    assert linked(session, distant, SAME_AS) == []
    assert linked(session, unrelated, SAME_AS) == []


def pairing_cost(engine: Engine, count: int) -> tuple[int, int]:
    """SQL statements run and documents loaded to pair the last of `count` statements published
    at one instant (DERIVED: one real entry cloned, ids varied), in a session of its own as the
    links pipeline has."""
    real = canada_records()[0]
    clones = [
        dataclasses.replace(real, external_id=f"{real.external_id}#{count}-{n}")
        for n in range(count)
    ]
    with Session(engine) as session:
        last_id = store(session, "ca-gc-news", clones)[-1].id
        session.commit()
    counted: Counter[str] = Counter()

    def statement_ran(*_: object) -> None:
        counted["statements"] += 1

    def document_loaded(*_: object) -> None:
        counted["loaded"] += 1

    with Session(engine) as session:
        statement = session.get_one(Document, last_id)
        event.listen(engine, "before_cursor_execute", statement_ran)
        event.listen(session, "loaded_as_persistent", document_loaded)
        try:
            assert translation_partner(session, statement) is None  # many at one instant
        finally:
            event.remove(engine, "before_cursor_execute", statement_ran)
    return counted["statements"], counted["loaded"]


def test_pairing_a_statement_costs_the_same_however_many_share_its_instant(
    engine: Engine,
) -> None:
    # Before the bounded look-up each statement loaded every other one published at its
    # instant: quadratic over a feed (2,000 such entries took 53 s to ingest).
    assert pairing_cost(engine, 5) == pairing_cost(engine, 60) == (1, 0)
