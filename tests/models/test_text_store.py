"""Storing text versions (models.texts) on the real H.R. 1500 (116th) and its four versions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawlers.spiders.us.bill_text_xml import BillTextError, parse_bill_text
from models import BillText, Change, Document
from models.billtext import TextVersionRecord, plain_text
from models.store import ensure_source
from models.texts import UnknownBill, store_text
from tests.hr1500_texts import BODIES, SOURCE, VERSIONS, parsed, store_bill

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
ISSUED = dict(VERSIONS)
# As H.R. 1500's BILLSTATUS lists them.
STAGES = {
    "ih": "Introduced in House",
    "rh": "Reported in House",
    "eh": "Engrossed in House",
    "rfs": "Referred in Senate",
}


def version(code: str) -> TextVersionRecord:
    return parsed(code, ISSUED[code])


@pytest.fixture
def bill(session: Session) -> Document:
    document = store_bill(session)
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
    store(session, *(version(code) for code in ISSUED))
    texts = session.scalars(select(BillText).order_by(BillText.sequence)).all()
    assert [(t.sequence, t.code, t.stage, t.issued_on, t.note) for t in texts] == [
        (n, code, STAGES[code], day, "") for n, (code, day) in enumerate(VERSIONS, start=1)
    ]
    assert [t.url for t in texts] == [version(code).url for code in ISSUED]
    assert all(t.source == SOURCE and t.sections and t.document_id == bill.id for t in texts)
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
    store(session, *(version(code) for code in ISSUED))
    before = (count(session, BillText), count(session, Change), stored(session))
    outcomes = [store_text(session, version(code), NOW) for code in ISSUED]
    session.commit()
    assert not any(outcome.created for outcome in outcomes)
    assert (count(session, BillText), count(session, Change), stored(session)) == before


def test_a_text_of_a_bill_not_stored_is_refused_naming_it(session: Session) -> None:
    ensure_source(session, slug=SOURCE, jurisdiction="us", kind="bills")
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
    reported = version("rh")
    body = (BODIES / "BILLS-116hr1500rh.xml").read_bytes()
    with pytest.raises(BillTextError, match="BILLS-116hr1500rh"):
        parse_bill_text(  # SYNTHETIC: the real body cut in half
            body[: len(body) // 2], url=reported.url, source=SOURCE, bill_external_id="116-hr-1500"
        )
    assert stored(session) == [(1, "ih", ""), (2, "eh", "")]
    assert session.get(Document, bill.id) is not None
