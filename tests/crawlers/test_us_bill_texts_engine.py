"""Bill text versions through the real Scrapy engine: us-govinfo-billstatus replayed follows each
bill's BILLS XML versions and stores them in stage order (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.process import sync_sources
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
from tests.crawlers.test_us_engine import GOVINFO, GOVINFO_SPIDER, crawl_bills

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
