"""Bill text versions through the real Scrapy engine: us-govinfo-billstatus replayed follows each
bill's BILLS XML versions and stores them in stage order (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.process import sync_sources
from crawlers.spiders.us.bill_spider import govinfo_text_url, version_code
from fivewatch.cli.demo import DEMO_WATERMARKS
from models import BillText, Change, Document, Source
from tests.crawlers.replay_crawl import (
    copy_cassette,
    crawl,
    edit_body,
    edit_index,
    last_run,
    row_counts,
)
from tests.crawlers.test_us_engine import (
    CONGRESS,
    CONGRESS_SPIDER,
    GOVINFO,
    GOVINFO_SPIDER,
    crawl_bills,
)

SLUG = "us-govinfo-billstatus"
HR1500 = "116/hr/1500"
RH_URL = "https://www.govinfo.gov/content/pkg/BILLS-116hr1500rh/xml/BILLS-116hr1500rh.xml"


def texts(engine: Engine, reference: str) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        query = (
            select(BillText)
            .join(Document)
            .where(Document.reference == reference)
            .order_by(BillText.sequence)
        )
        return [(t.sequence, t.code, t.stage, t.issued_on, t.note) for t in session.scalars(query)]


def text_changes(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Change.key).where(Change.kind == "new_text")))


def start_from_demo_watermark(engine: Engine) -> None:
    with Session(engine) as session:
        sync_sources(session)
        source = session.scalars(select(Source).where(Source.slug == SLUG)).one()
        source.watermark = DEMO_WATERMARKS[SLUG]
        session.commit()


def test_the_demo_replay_stores_hr1500s_four_versions_in_order(db_url: str, engine: Engine) -> None:
    start_from_demo_watermark(engine)
    crawl(db_url, GOVINFO, SLUG)
    # downloaded in any order, stored in stage order: none "arrived after" another
    assert texts(engine, "H.R. 1500") == [
        (1, "ih", "Introduced in House", date(2019, 3, 5), ""),
        (2, "rh", "Reported in House", date(2019, 5, 10), ""),
        (3, "eh", "Engrossed in House", date(2019, 5, 22), ""),
        (4, "rfs", "Referred in Senate", date(2019, 5, 23), ""),
    ]
    assert texts(engine, "H.R. 6972") == [(1, "ih", "Introduced in House", date(2018, 9, 28), "")]
    assert len(text_changes(engine)) == 5  # H.R. 1500's four and H.R. 6972's one
    run_row = last_run(engine, SLUG)
    assert (run_row.error_count, run_row.replay_misses) == (0, 0)
    # the 90 sitemaps, and the texts of 117 H.R. 6658, S. 35 (two), S.Con.Res. 7
    assert run_row.stats["replay/gap"] == 94


def test_replaying_the_texts_again_adds_nothing(db_url: str, engine: Engine) -> None:
    crawl_bills(db_url, GOVINFO, GOVINFO_SPIDER, HR1500)
    before = (row_counts(engine), texts(engine, "H.R. 1500"), text_changes(engine))
    crawl_bills(db_url, GOVINFO, GOVINFO_SPIDER, HR1500)
    assert (row_counts(engine), texts(engine, "H.R. 1500"), text_changes(engine)) == before
    assert last_run(engine, SLUG).error_count == 0


def test_a_damaged_text_costs_only_that_version(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    cassette = copy_cassette(tmp_path, SLUG)
    edit_body(cassette, RH_URL, lambda body: body[: len(body) // 2])  # SYNTHETIC: cut short
    crawl_bills(db_url, cassette, GOVINFO_SPIDER, HR1500)
    assert [code for _, code, _, _, _ in texts(engine, "H.R. 1500")] == ["ih", "eh", "rfs"]
    [error] = last_run(engine, SLUG).errors
    assert error.startswith(
        f"ParseError: {SLUG} {RH_URL}: H.R. 1500 (116th) Reported in House (rh): "
        "BILLS-116hr1500rh: truncated XML"
    )
    assert len(text_changes(engine)) == 3


def test_a_text_declared_a_gap_is_counted_and_the_others_stored(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    cassette = copy_cassette(tmp_path, SLUG)
    gap = {"method": "GET", "url": RH_URL, "gap": "not recorded (this test)"}
    edit_index(cassette, lambda lines: [gap if line["url"] == RH_URL else line for line in lines])
    crawl_bills(db_url, cassette, GOVINFO_SPIDER, HR1500)
    assert [(n, code) for n, code, _, _, _ in texts(engine, "H.R. 1500")] == [
        (1, "ih"),
        (2, "eh"),
        (3, "rfs"),
    ]
    run_row = last_run(engine, SLUG)
    assert (run_row.error_count, run_row.stats["replay/gap"]) == (0, 1)


def test_congress_gov_text_links_lead_to_the_same_govinfo_package() -> None:
    """The XML links of H.R. 1's recorded /text body (Congress.gov's host) and H.R. 1500's
    BILLSTATUS (GovInfo's); other formats stay links."""
    assert govinfo_text_url("https://www.congress.gov/117/bills/hr1/BILLS-117hr1rds.xml") == (
        "https://www.govinfo.gov/content/pkg/BILLS-117hr1rds/xml/BILLS-117hr1rds.xml"
    )
    assert govinfo_text_url(RH_URL) == RH_URL
    assert version_code(RH_URL) == "rh"
    assert govinfo_text_url("https://www.congress.gov/117/bills/hr1/BILLS-117hr1rds.pdf") is None
    html = "https://www.congress.gov/117/bills/hr21/generated/BILLS-117hr21ih.html"
    assert govinfo_text_url(html) is None


def test_congress_bills_asks_govinfo_for_its_texts(db_url: str, engine: Engine) -> None:
    """H.R. 1's three XML versions are asked of GovInfo (declared gaps: no text recorded), not
    missed, and the bill is stored whole without them."""
    crawl_bills(db_url, CONGRESS, CONGRESS_SPIDER, "117/hr/1")
    run_row = last_run(engine, "us-congress-bills")
    # actions and subjects page 2, then the texts ih, eh, rds
    assert (run_row.error_count, run_row.replay_misses, run_row.stats["replay/gap"]) == (0, 0, 5)
    assert run_row.documents_new == 1
