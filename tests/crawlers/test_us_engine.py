"""Both US bill sources through the real Scrapy engine on their replayed cassettes.

Crawls run in a subprocess (the reactor cannot restart) against the test database, on SQLite
and PostgreSQL. `-a bills=…` runs (a targeted refresh) go through a small runner that passes
the spider argument; list runs use `python -m crawlers.process` as the shell does. Where a case
needs a changed cassette it is copied into tmp_path and the change is made there, in the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.process import sync_sources
from fivewatch.cli.demo import DEMO_WATERMARKS
from models import BillEvent, Document, Source
from tests.conftest import ROOT
from tests.crawlers.replay_crawl import (
    CASSETTES,
    copy_cassette,
    crawl,
    edit_body,
    edit_index,
    edit_json,
    last_run,
    row_counts,
)

CONGRESS = CASSETTES / "us-congress-bills"
GOVINFO = CASSETTES / "us-govinfo-billstatus"
DETAIL_URL = "https://api.congress.gov/v3/bill/117/hr/1?format=json"
LIST_URL = "https://api.congress.gov/v3/bill?format=json&sort=updateDate+desc&offset=0&limit=250"
ACTIONS_URL = "https://api.congress.gov/v3/bill/117/hr/1/actions?format=json&limit=250"
S35_URL = "https://www.govinfo.gov/bulkdata/BILLSTATUS/117/s/BILLSTATUS-117s35.xml"
SECRET = "FW-TEST-KEY-0123456789"
RUNNER = """
import sys
from pathlib import Path
from scrapy.crawler import CrawlerProcess
from scrapy.utils.misc import load_object
from crawlers.process import crawl_settings
database_url, replay, spider, bills = sys.argv[1:5]
process = CrawlerProcess(crawl_settings(database_url, Path(replay), None))
process.crawl(load_object(spider), bills=bills)
process.start()
"""
CONGRESS_SPIDER = "crawlers.spiders.us.congress_bills.UsCongressBillsSpider"
GOVINFO_SPIDER = "crawlers.spiders.us.govinfo_billstatus.UsGovinfoBillstatusSpider"


@pytest.fixture(autouse=True)
def congress_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key the crawl subprocesses inherit, to show it never reaches a log or a row."""
    monkeypatch.setenv("CONGRESS_API_KEY", SECRET)


def crawl_bills(db_url: str, cassette: Path, spider: str, bills: str) -> str:
    """A targeted refresh (`-a bills=…`), which `python -m crawlers.process` cannot pass."""
    command = [sys.executable, "-c", RUNNER, db_url, str(cassette), spider, bills]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def stored(engine: Engine, slug: str) -> dict[str, Document]:
    with Session(engine) as session:
        query = select(Document).join(Source).where(Source.slug == slug)
        return {doc.reference: doc for doc in session.scalars(query)}


def events(engine: Engine, reference: str) -> list[BillEvent]:
    with Session(engine) as session:
        query = (
            select(BillEvent)
            .join(Document)
            .where(Document.reference == reference)
            .order_by(BillEvent.sequence)
        )
        return list(session.scalars(query))


def set_watermark(engine: Engine, slug: str, value: str) -> None:
    with Session(engine) as session:
        session.scalars(select(Source).where(Source.slug == slug)).one().watermark = value
        session.commit()


def test_list_run_stores_listed_bills_and_degrades_on_gaps(db_url: str, engine: Engine) -> None:
    log = crawl(db_url, CONGRESS, "us-congress-bills")
    bills = stored(engine, "us-congress-bills")
    assert sorted(bills) == ["H.R. 2215", "S. 2135", "S. 2136", "S. 2137", "S. 2138"]
    salem = bills["H.R. 2215"]
    assert salem.current_stage == "Passed Senate without amendment by Voice Vote."
    assert (salem.session, salem.chamber, salem.stage_category) == ("119", "House", "passed_both")
    run_row = last_run(engine, "us-congress-bills")
    assert (run_row.error_count, run_row.replay_misses, run_row.documents_new) == (0, 0, 5)
    assert run_row.stats["replay/gap"] == 6  # five details and the next list page
    assert SECRET not in log


def test_replaying_twice_adds_nothing(db_url: str, engine: Engine) -> None:
    crawl(db_url, CONGRESS, "us-congress-bills")
    before = row_counts(engine)
    set_watermark(engine, "us-congress-bills", "")  # same first-run request again
    crawl(db_url, CONGRESS, "us-congress-bills")
    assert row_counts(engine) == before


def test_watermark_is_sent_with_a_literal_plus(db_url: str, engine: Engine) -> None:
    """The cassette holds the incremental URL with `+`; a `%2B` request would be a miss."""
    crawl(db_url, GOVINFO, "us-govinfo-billstatus")  # creates every Source row
    set_watermark(engine, "us-congress-bills", "2024-01-01T00:00:00+00:00")
    crawl(db_url, CONGRESS, "us-congress-bills")
    bills = stored(engine, "us-congress-bills")
    assert sorted(bills) == ["H.R. 2275", "H.R. 3777", "H.R. 4391", "H.R. 4457", "S. 1589"]
    assert bills["S. 1589"].current_stage == "Became Public Law No. 87-445"
    assert bills["S. 1589"].stage_category == "assent"
    run_row = last_run(engine, "us-congress-bills")
    assert (run_row.error_count, run_row.replay_misses) == (0, 0)


def test_targeted_run_reads_every_part(db_url: str, engine: Engine) -> None:
    log = crawl_bills(db_url, CONGRESS, CONGRESS_SPIDER, "117/hr/1,117/hr/21")
    bills = stored(engine, "us-congress-bills")
    hr1, hr21 = bills["H.R. 1"], bills["H.R. 21"]
    assert hr1.title == "For the People Act of 2021"
    assert hr1.sponsor == "Rep. Sarbanes, John P. [D-MD-3]"
    assert (hr1.current_stage, hr1.stage_category) == ("Received in the Senate.", "other_chamber")
    assert hr1.summary.startswith("For the People Act of 2021\n")
    assert len(hr1.extra["texts"]) == 9
    assert len(hr1.extra["subjects"]) == 19  # page 1; page 2 is a declared gap
    assert [e.description for e in events(engine, "H.R. 1")][-1] == "Received in the Senate."
    assert len(events(engine, "H.R. 1")) == 20
    assert len(events(engine, "H.R. 21")) == 10
    assert hr21.title == "FedRAMP Authorization Act"
    run_row = last_run(engine, "us-congress-bills")
    # 3 declared gaps of the API walk, 6 text versions of H.R. 1 (ih, eh, rds) and H.R. 21
    # (ih, eh, rfs) whose GovInfo XML was never recorded
    assert (run_row.error_count, run_row.replay_misses, run_row.stats["replay/gap"]) == (0, 0, 9)
    assert SECRET not in log
    assert all(SECRET not in doc.url + json.dumps(doc.extra) for doc in bills.values())


def test_truncated_actions_keep_what_was_stored(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    crawl_bills(db_url, CONGRESS, CONGRESS_SPIDER, "117/hr/1")
    before = [e.description for e in events(engine, "H.R. 1")]
    cassette = copy_cassette(tmp_path, "us-congress-bills")
    edit_body(cassette, ACTIONS_URL, lambda raw: raw[: len(raw) // 2])
    crawl_bills(db_url, cassette, CONGRESS_SPIDER, "117/hr/1")
    run_row = last_run(engine, "us-congress-bills")
    assert run_row.error_count == 1
    assert run_row.errors[0].startswith(
        "ParseError: us-congress-bills "
        "https://api.congress.gov/v3/bill/117/hr/1/actions?format=json&limit=250: "
        "H.R. 1 (117th): body is not JSON"
    )
    assert [e.description for e in events(engine, "H.R. 1")] == before
    assert stored(engine, "us-congress-bills")["H.R. 1"].summary  # the other parts still came


def test_detail_layout_change_falls_back_to_nothing_and_says_why(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    cassette = copy_cassette(tmp_path, "us-congress-bills")
    edit_body(cassette, DETAIL_URL, edit_json(lambda data: {"measure": data["bill"]}))
    crawl_bills(db_url, cassette, CONGRESS_SPIDER, "117/hr/1")
    run_row = last_run(engine, "us-congress-bills")
    assert run_row.errors == [
        "LayoutChanged: us-congress-bills https://api.congress.gov/v3/bill/117/hr/1?format=json: "
        "H.R. 1 (117th): missing key(s): bill"
    ]
    assert stored(engine, "us-congress-bills") == {}


def test_rate_limit_reserve_stops_the_run_as_an_error(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    def nearly_used_up(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for line in lines:  # the real headers, with the hour's requests nearly used up
            if line["url"] == DETAIL_URL:
                line["headers"]["x-ratelimit-remaining"] = "3"
        return lines

    cassette = copy_cassette(tmp_path, "us-congress-bills")
    edit_index(cassette, nearly_used_up)
    crawl_bills(db_url, cassette, CONGRESS_SPIDER, "117/hr/1")
    run_row = last_run(engine, "us-congress-bills")
    assert run_row.errors == [
        "SourceError: us-congress-bills https://api.congress.gov/v3/bill/117/hr/1?format=json: "
        "rate limit: 3 of 5000 requests left this hour; stopping"
    ]
    assert run_row.requests == 1
    assert stored(engine, "us-congress-bills") == {}


def test_govinfo_index_run_declares_its_gaps(db_url: str, engine: Engine) -> None:
    crawl(db_url, GOVINFO, "us-govinfo-billstatus")
    run_row = last_run(engine, "us-govinfo-billstatus")
    assert (run_row.error_count, run_row.replay_misses) == (0, 0)
    assert run_row.stats["replay/gap"] == 13  # the first-run window's per-type sitemaps
    assert stored(engine, "us-govinfo-billstatus") == {}


def test_demo_watermark_walks_the_index_to_every_file_held(db_url: str, engine: Engine) -> None:
    """`fivewatch demo` starts this source from DEMO_WATERMARKS: the real index, then the six
    DERIVED per-type sitemaps (the other 90 are declared gaps), then every file they list and the
    text versions those files name (4 more gaps: the texts of H.R. 6658, S. 35, S.Con.Res. 7
    were never recorded; H.R. 1500's four and H.R. 6972's were)."""
    with Session(engine) as session:
        sync_sources(session)
        source = session.scalars(select(Source).where(Source.slug == "us-govinfo-billstatus"))
        source.one().watermark = DEMO_WATERMARKS["us-govinfo-billstatus"]
        session.commit()
    crawl(db_url, GOVINFO, "us-govinfo-billstatus")
    run_row = last_run(engine, "us-govinfo-billstatus")
    assert (run_row.error_count, run_row.replay_misses, run_row.stats["replay/gap"]) == (0, 0, 94)
    bills = stored(engine, "us-govinfo-billstatus")
    assert sorted(bills) == [
        "H.R. 1500",
        "H.R. 6658",
        "H.R. 6972",
        "S. 1300",
        "S. 35",
        "S.Con.Res. 7",
    ]
    # 50 actions; the two referrals of 2019-03-05 differ only by committee (hsed00, hsba00):
    # both are stored, the second keyed with its committee
    assert len(events(engine, "H.R. 1500")) == 50
    assert (bills["H.R. 1500"].outcome, bills["H.R. 1500"].status) == (
        "lapsed",
        "Lapsed — 116th Congress ended 2021-01-03",
    )
    assert len(bills["H.R. 1500"].titles) == 5


def test_govinfo_files_through_the_engine(db_url: str, engine: Engine) -> None:
    crawl_bills(db_url, GOVINFO, GOVINFO_SPIDER, "117/hr/6658,117/s/35,117/sconres/7,114/s/1300")
    bills = stored(engine, "us-govinfo-billstatus")
    assert sorted(bills) == ["H.R. 6658", "S. 1300", "S. 35", "S.Con.Res. 7"]
    assert bills["S. 1300"].status == "Public Law 114-70"
    assert len(events(engine, "H.R. 6658")) == 3
    assert len(events(engine, "S. 1300")) == 24
    run_row = last_run(engine, "us-govinfo-billstatus")
    assert (run_row.error_count, run_row.replay_misses, run_row.documents_new) == (0, 0, 4)


def test_govinfo_html_page_is_a_layout_error(db_url: str, engine: Engine, tmp_path: Path) -> None:
    cassette = copy_cassette(tmp_path, "us-govinfo-billstatus")
    html = b"<html><head><title>Page Not Found</title></head><body></body></html>"
    edit_body(cassette, S35_URL, lambda _: html)
    crawl_bills(db_url, cassette, GOVINFO_SPIDER, "117/s/35")
    run_row = last_run(engine, "us-govinfo-billstatus")
    assert run_row.errors == [
        "LayoutChanged: us-govinfo-billstatus "
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/117/s/BILLSTATUS-117s35.xml: "
        "S. 35 (117th): expected <billStatus><bill>, found <html>"
    ]


def test_unreadable_list_entry_is_skipped_with_an_error(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    def drop_first_number(data: dict[str, Any]) -> dict[str, Any]:
        del data["bills"][0]["number"]
        return data

    cassette = copy_cassette(tmp_path, "us-congress-bills")
    edit_body(cassette, LIST_URL, edit_json(drop_first_number))
    crawl(db_url, cassette, "us-congress-bills")
    assert sorted(stored(engine, "us-congress-bills")) == [
        "S. 2135",
        "S. 2136",
        "S. 2137",
        "S. 2138",
    ]
    assert last_run(engine, "us-congress-bills").errors == [
        f"LayoutChanged: us-congress-bills {LIST_URL}: list entry: "
        "bill type/number/congress missing or unknown: 'hr' ''"
    ]
