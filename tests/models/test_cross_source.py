"""One Australian bill stated by two sources is one document (issue 17, item 2).

The Hansard's records are the real ones (cassettes/au-hansard, 4 March 2026). No real au-bills
body exists, so its record is built here: SYNTHETIC, shaped as `au_bills.bill_record` makes it.
"""

from __future__ import annotations

import dataclasses
import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from crawlers.spiders.au.hansard_xml import day_records, read_day
from models import BillEvent, Change, Document
from models.db import alembic_config, make_engine, upgrade
from models.records import BILL, DocumentRecord, EventRecord, bill_key
from models.sources import Source
from models.store import UpsertOutcome, ensure_source, upsert_documents
from tests.conftest import ROOT

NOW = datetime(2026, 3, 12, tzinfo=UTC)
BODIES = ROOT / "cassettes" / "au-hansard" / "bodies"
XML_URL = "https://parlinfo.aph.gov.au/parlInfo/download/chamber/hansards/1/toc_unixml/x.xml"
DEFENCE = "Defence Amendment (Parliamentary Joint Committee on Defence) Bill 2025"
CHAMBERS = ("hansards-2026-03-04_toc_unixml.xml.gz", "hansardr-2026-03-04_toc_unixml.xml.gz")


def hansard(name: str) -> list[DocumentRecord]:
    root, day = read_day(gzip.decompress((BODIES / name).read_bytes()), XML_URL)
    return day_records(root, day)


def aph_page(title: str = DEFENCE, jurisdiction: str = "au") -> DocumentRecord:
    """SYNTHETIC: the bill as its APH page would state it (number, status, its whole history)."""
    return DocumentRecord(
        source="au-bills", external_id="r7284", kind=BILL, jurisdiction=jurisdiction,
        title=title, reference="r7284", status="Passed both houses",
        url="https://www.aph.gov.au/Parliamentary_Business/Bills_Legislation/Bills_Search_Results/Result?bId=r7284",
        events=[EventRecord(
            stage="Introduced and read a first time", chamber="House of Representatives",
            occurred_on=date(2025, 11, 26), key="aph:1",
        )],
    )  # fmt: skip


@pytest.fixture
def sources(session: Session) -> dict[str, Source]:
    return {
        slug: ensure_source(session, slug=slug, jurisdiction="au", kind="bills")
        for slug in ("au-hansard", "au-bills")
    }


def store_hansard(session: Session, sources: dict[str, Source]) -> list[UpsertOutcome]:
    outcomes = []
    for name in CHAMBERS:
        outcomes += upsert_documents(session, sources["au-hansard"], hansard(name), NOW)
    session.commit()
    return outcomes


def store_aph(
    session: Session, sources: dict[str, Source], record: DocumentRecord
) -> UpsertOutcome:
    [outcome] = upsert_documents(session, sources["au-bills"], [record], NOW)
    session.commit()
    return outcome


def defence_bills(session: Session) -> list[Document]:
    return list(
        session.scalars(select(Document).where(Document.title.ilike("defence amendment (p%")))
    )


def stages(document: Document) -> set[tuple[str, str, str]]:
    return {(e.source, e.chamber, e.stage) for e in document.events}


BOTH = {
    ("au-bills", "House of Representatives", "Introduced and read a first time"),
    ("au-hansard", "Senate", "Third Reading"),
    ("au-hansard", "House of Representatives", "Returned from Senate"),
}


@pytest.mark.parametrize("hansard_first", [True, False])
def test_the_hansard_bill_and_the_aph_bill_are_one_document_either_way(
    session: Session, sources: dict[str, Source], hansard_first: bool
) -> None:
    if hansard_first:
        store_hansard(session, sources)
        aph = store_aph(session, sources, aph_page())
    else:
        aph = store_aph(session, sources, aph_page())
        store_hansard(session, sources)
    [bill] = defence_bills(session)
    session.refresh(bill)
    assert stages(bill) == BOTH
    assert aph.vanished_events == []  # the Hansard's events were never on the APH page
    # The APH page states the whole bill: its fields win, whichever came first.
    assert (bill.source.slug, bill.external_id, bill.reference) == ("au-bills", "r7284", "r7284")
    assert bill.status == "Passed both houses"
    assert bill.stage_on == date(2026, 3, 4)  # the latest day either source gave


def test_recrawling_both_sources_adds_nothing_and_flips_no_fields(
    session: Session, sources: dict[str, Source]
) -> None:
    store_hansard(session, sources)
    store_aph(session, sources, aph_page())
    changes = session.scalar(select(func.count()).select_from(Change))
    again = [*store_hansard(session, sources), store_aph(session, sources, aph_page())]
    assert not any(outcome.changed or outcome.vanished_events for outcome in again)
    assert session.scalar(select(func.count()).select_from(Change)) == changes
    [bill] = defence_bills(session)
    assert len(bill.events) == len(BOTH)


def test_the_hansard_adds_events_to_the_aph_bill_each_as_a_change(
    session: Session, sources: dict[str, Source]
) -> None:
    store_aph(session, sources, aph_page())
    outcomes = store_hansard(session, sources)
    defence = [o for o in outcomes if o.document.title == DEFENCE]
    assert [(o.created, o.new_events, o.new_version) for o in defence] == [
        (False, 1, False),
        (False, 1, False),
    ]
    kinds = session.scalars(select(Change.kind).where(Change.document_id == defence[0].document.id))
    assert sorted(kinds) == ["new_document", "new_event", "new_event"]


@pytest.mark.parametrize("jurisdiction", ["us", "uk"])
def test_a_bill_of_another_country_with_the_same_title_is_not_merged(
    session: Session, sources: dict[str, Source], jurisdiction: str
) -> None:
    store_hansard(session, sources)
    elsewhere = ensure_source(
        session, slug=f"{jurisdiction}-bills", jurisdiction=jurisdiction, kind="bills"
    )
    record = dataclasses.replace(aph_page(jurisdiction=jurisdiction), source=elsewhere.slug)
    [outcome] = upsert_documents(session, elsewhere, [record], NOW)
    session.commit()
    assert outcome.created
    assert sorted(d.jurisdiction for d in defence_bills(session)) == sorted(["au", jurisdiction])


def test_the_bill_key_is_the_title_with_its_year_folded_for_australia_only() -> None:
    assert bill_key("au", BILL, "  ONLINE  Safety Amendment Bill 2025") == (
        "au:online safety amendment bill 2025"
    )
    assert bill_key("au", BILL, "Online Safety Amendment Bill") == ""  # no year: no identity
    assert bill_key("au", "statement", "Online Safety Act 2021") == ""
    assert bill_key("us", BILL, "For the People Act of 2021") == ""


def test_an_event_remembers_the_source_that_stated_it(
    session: Session, sources: dict[str, Source]
) -> None:
    store_hansard(session, sources)
    assert set(session.scalars(select(BillEvent.source))) == {"au-hansard"}


def test_migration_0007_keys_stored_australian_bills_and_names_their_events_source(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine)
    with Session(engine) as session:  # stored, then taken back to before 0007
        store_hansard(session, {"au-hansard": ensure_source(
            session, slug="au-hansard", jurisdiction="au", kind="bills"
        )})  # fmt: skip
    # Without SQLite's foreign keys: its batch downgrade rebuilds `documents`, which would
    # cascade to the events (a downgrade's hazard, not the upgrade's, which runs with them).
    plain = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.downgrade(alembic_config(plain), "0006")
    plain.dispose()
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT title, bill_key FROM documents WHERE kind = 'bill'"))
        keys = dict(rows.all())
        assert keys[DEFENCE] == bill_key("au", BILL, DEFENCE)
        assert all(keys.values())
        assert set(conn.scalars(text("SELECT source FROM bill_events"))) == {"au-hansard"}
    engine.dispose()
