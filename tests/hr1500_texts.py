"""The real H.R. 1500 (116th, Consumers First Act) and its four real GovInfo text versions.

Stored by models.texts, as a crawl stores them: in stage order, `latest_text` the newest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from crawlers.spiders.us.bill_text_xml import parse_bill_text
from models import Document
from models.billtext import TextVersionRecord
from models.store import ensure_source, upsert_document
from models.texts import store_text
from tests.conftest import ROOT
from tests.crawlers.test_us_action_codes import hr1500

BODIES = ROOT / "cassettes/us-govinfo-billstatus/bodies"
SOURCE = "us-govinfo-billstatus"
STORED_AT = datetime(2026, 11, 29, 5, tzinfo=UTC)
# The four versions in stage order, with the dates GovInfo lists them under.
VERSIONS = (
    ("ih", date(2019, 3, 5)),
    ("rh", date(2019, 5, 10)),
    ("eh", date(2019, 5, 22)),
    ("rfs", date(2019, 5, 23)),
)


def parsed(code: str, issued_on: date | None = None) -> TextVersionRecord:
    name = f"BILLS-116hr1500{code}"
    return parse_bill_text(
        (BODIES / f"{name}.xml").read_bytes(),
        url=f"https://www.govinfo.gov/content/pkg/{name}/xml/{name}.xml",
        source=SOURCE,
        bill_external_id="116-hr-1500",
        issued_on=issued_on,
    )


def store_bill(session: Session) -> Document:
    record = hr1500()
    source = ensure_source(session, slug=record.source, jurisdiction="us", kind="bills")
    document = upsert_document(session, source, record, STORED_AT).document
    session.flush()
    return document


def add_text(session: Session, bill: Document, text: TextVersionRecord) -> None:
    store_text(session, text, STORED_AT)
    session.flush()
    session.refresh(bill)


def store_hr1500(session: Session, codes: int = len(VERSIONS)) -> Document:
    """H.R. 1500 with its first `codes` text versions stored, committed."""
    bill = store_bill(session)
    for code, issued_on in VERSIONS[:codes]:
        add_text(session, bill, parsed(code, issued_on))
    session.commit()
    return bill
