"""Storing text versions (models.texts) on the real H.R. 1500 (116th): its BILLSTATUS record and
its four GovInfo BILLS XML versions, parsed as the spider parses them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawlers.spiders.us_bill_text_xml import BillTextError, parse_bill_text
from crawlers.spiders.us_billstatus_xml import parse_billstatus
from crawlers.spiders.us_common import bill_record
from models import BillText, Change, Document
from models.billtext import TextVersionRecord, plain_text
from models.store import ensure_source, upsert_document
from models.texts import UnknownBill, store_text
from tests.conftest import ROOT

SLUG = "us-govinfo-billstatus"
BODIES = ROOT / "cassettes" / SLUG / "bodies"
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
# As H.R. 1500's BILLSTATUS lists them: code -> (stage, Washington date).
VERSIONS = {
    "ih": ("Introduced in House", date(2019, 3, 5)),
    "rh": ("Reported in House", date(2019, 5, 10)),
    "eh": ("Engrossed in House", date(2019, 5, 22)),
    "rfs": ("Referred in Senate", date(2019, 5, 23)),
}


def text_url(code: str) -> str:
    package = f"BILLS-116hr1500{code}"
    return f"https://www.govinfo.gov/content/pkg/{package}/xml/{package}.xml"


def version(code: str, body: bytes | None = None) -> TextVersionRecord:
    stage, issued_on = VERSIONS[code]
    return parse_bill_text(
        body if body is not None else (BODIES / f"BILLS-116hr1500{code}.xml").read_bytes(),
        url=text_url(code),
        source=SLUG,
        bill_external_id="116-hr-1500",
        stage=stage,
        issued_on=issued_on,
    )


@pytest.fixture
def bill(session: Session) -> Document:
    source = ensure_source(session, slug=SLUG, jurisdiction="us", kind="bills")
    body = (BODIES / "legacy_BILLSTATUS-116hr1500.xml").read_bytes()
    record = bill_record(parse_billstatus(body), source=SLUG, source_url="", fetched_at=NOW)
    document = upsert_document(session, source, record, NOW).document
    session.commit()
    return document


def store(session: Session, *records: TextVersionRecord) -> None:
    for record in records:
        store_text(session, record, NOW)
    session.commit()


def stored(session: Session) -> list[tuple[int, str, str]]:
    texts = session.scalars(select(BillText).order_by(BillText.sequence))
    return [(text.sequence, text.code, text.note) for text in texts]


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_four_versions_are_kept_in_stage_order(session: Session, bill: Document) -> None:
    store(session, *(version(code) for code in VERSIONS))
    texts = session.scalars(select(BillText).order_by(BillText.sequence)).all()
    assert [(t.sequence, t.code, t.stage, t.issued_on, t.url, t.note) for t in texts] == [
        (n, code, stage, day, text_url(code), "")
        for n, (code, (stage, day)) in enumerate(VERSIONS.items(), start=1)
    ]
    assert all(t.source == SLUG and t.sections and t.document_id == bill.id for t in texts)
    changes = session.scalars(select(Change).where(Change.kind == "new_text")).all()
    assert sorted((c.key, c.text_id) for c in changes) == sorted(
        (f"text:{t.id}", t.id) for t in texts
    )
    session.refresh(bill)
    assert bill.latest_text == plain_text(version("rfs").sections)


def test_a_late_version_takes_its_place_and_says_so(session: Session, bill: Document) -> None:
    store(session, version("ih"), version("eh"), version("rh"))
    assert stored(session) == [
        (1, "ih", ""),
        (2, "rh", "arrived after Engrossed in House (eh)"),
        (3, "eh", ""),
    ]
    session.refresh(bill)
    assert bill.latest_text == plain_text(version("eh").sections)  # still the newest in order


def test_a_reissued_version_follows_the_one_it_replaces(session: Session, bill: Document) -> None:
    reported = version("rh")
    # SYNTHETIC: the real rh re-issued a week later without its last section.
    reissued = dataclasses.replace(
        reported, issued_on=date(2019, 5, 17), sections=reported.sections[:-1]
    )
    store(session, version("ih"), reported, version("eh"), reissued)
    assert stored(session) == [
        (1, "ih", ""),
        (2, "rh", ""),
        (3, "rh", "re-issued 2019-05-17: replaces the text first seen 2026-12-03"),
        (4, "eh", ""),
    ]


def test_a_version_seen_again_adds_nothing(session: Session, bill: Document) -> None:
    store(session, *(version(code) for code in VERSIONS))
    before = (count(session, BillText), count(session, Change), stored(session))
    outcomes = [store_text(session, version(code), NOW) for code in VERSIONS]
    session.commit()
    assert not any(outcome.created for outcome in outcomes)
    assert (count(session, BillText), count(session, Change), stored(session)) == before


def test_a_text_of_a_bill_not_stored_is_refused_naming_it(session: Session) -> None:
    ensure_source(session, slug=SLUG, jurisdiction="us", kind="bills")
    with pytest.raises(UnknownBill, match=r"^116-hr-1500 Reported in House \(rh\): its bill"):
        store_text(session, version("rh"), NOW)
    assert count(session, BillText) == 0


def test_a_text_stored_under_another_source_is_not_its_bill(
    session: Session, bill: Document
) -> None:
    """US bills are one document per source: a text belongs to its own source's bill."""
    ensure_source(session, slug="us-congress-bills", jurisdiction="us", kind="bills")
    with pytest.raises(UnknownBill):
        store_text(session, dataclasses.replace(version("ih"), source="us-congress-bills"), NOW)


def test_a_truncated_text_names_its_version_and_leaves_the_others(
    session: Session, bill: Document
) -> None:
    store(session, version("ih"), version("eh"))
    body = (BODIES / "BILLS-116hr1500rh.xml").read_bytes()
    with pytest.raises(BillTextError, match="BILLS-116hr1500rh"):
        version("rh", body[: len(body) // 2])  # SYNTHETIC: the real body cut in half
    assert stored(session) == [(1, "ih", ""), (2, "eh", "")]
    assert session.get(Document, bill.id) is not None
