"""au-hansard: the recorded House and Senate Hansard of 4 March 2026, and bad input.

Bad-input bodies are written here and labelled SYNTHETIC; every realistic body is the real one
from cassettes/au-hansard (gzip streams as the server sent them).
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from crawlers.errors import ERROR_LINES_STAT, WARNING_LINES_STAT
from crawlers.middlewares.replay import ReplayGap
from crawlers.spiders.au.hansard import (
    FIRST_DAY,
    AuHansardSpider,
    display_url,
    weekdays,
)
from crawlers.spiders.au.hansard_xml import HOUSE, SENATE, bill_id, day_records, read_day
from models import Document
from models.document_links import bill_references
from models.sources import Source
from models.store import upsert_documents
from tests.crawlers.replay_crawl import (
    CASSETTES,
    copy_cassette,
    crawl,
    edit_body,
    index_lines,
    last_run,
)

BODIES = CASSETTES / "au-hansard" / "bodies"
XML_URL = "https://parlinfo.aph.gov.au/parlInfo/download/chamber/hansards/1/toc_unixml/x.xml"
DAY = date(2026, 3, 4)
DEFENCE = "Defence Amendment (Parliamentary Joint Committee on Defence) Bill 2025"


def real(name: str) -> bytes:
    return gzip.decompress((BODIES / name).read_bytes())


def records_of(name: str) -> list[Any]:
    root, day = read_day(real(name), XML_URL)
    return day_records(root, day)


def spider() -> AuHansardSpider:
    crawler = get_crawler(AuHansardSpider)
    made = AuHansardSpider.from_crawler(crawler)
    assert isinstance(made, AuHansardSpider)
    return made


def stat_lines(made: AuHansardSpider, stat: str) -> list[str]:
    assert made.crawler.stats is not None
    return list(made.crawler.stats.get_value(stat, []))


def xml_response(body: bytes, chamber: str = SENATE) -> XmlResponse:
    request = Request(XML_URL, cb_kwargs={"day": DAY, "chamber": chamber})
    return XmlResponse(url=XML_URL, body=body, request=request)


# SYNTHETIC: an older day's shape (BOM, upper-case titles, chamber "REPS", an entity in a
# title, a stage no map knows). Not a real body.
SYNTHETIC_OLD_DAY = (
    "\ufeff<hansard><session.header><date>2026-03-04</date><chamber>REPS</chamber>"
    "<proof>0</proof></session.header><chamber.xscript><debate><debateinfo><title>BILLS"
    "</title><type>BILLS</type></debateinfo><subdebate.1><subdebateinfo><title>ONLINE SAFETY"
    " (RED &amp; YELLOW) BILL 2021</title></subdebateinfo><subdebate.2><subdebateinfo><title>"
    "SECOND READING</title></subdebateinfo></subdebate.2><subdebate.2><subdebateinfo><title>"
    "Cognate Debate</title></subdebateinfo></subdebate.2></subdebate.1></debate>"
    "</chamber.xscript></hansard>"
).encode()
# SYNTHETIC: a day with no BILLS debate, one motion naming an Act.
SYNTHETIC_NO_BILLS = (
    b"<hansard><session.header><date>2026-03-04</date><chamber>Senate</chamber>"
    b"<proof>1</proof></session.header><chamber.xscript><debate><debateinfo><title>MOTIONS"
    b"</title><type>MOTIONS</type></debateinfo><subdebate.1><subdebateinfo><title>Online "
    b"Safety Act 2021</title></subdebateinfo><speech><talk.start><talker><name>Senator X</name>"
    b"</talker></talk.start><p>That the Online Safety Act 2021 be reviewed.</p></speech>"
    b"</subdebate.1></debate></chamber.xscript></hansard>"
)


def test_house_day_records_each_bill_with_its_stages() -> None:
    records = records_of("hansardr-2026-03-04_toc_unixml.xml.gz")
    bills = {r.external_id: r for r in records if r.kind == "bill"}
    assert len([r for r in records if r.kind == "bill"]) == 14  # one a bill per debate
    assert len(bills) == 10
    defence = bills[bill_id(DEFENCE)]
    assert [(e.chamber, e.stage, e.stage_category) for e in defence.events] == [
        (HOUSE, "Returned from Senate", "passed_both")
    ]
    # one debate title naming two bills: each is recorded
    assert (
        bill_id("Superannuation (Building a Stronger and Fairer Super System) Imposition Bill 2026")
        in bills
    )
    assert not any(e.unmapped for r in records for e in r.events)


def test_senate_day_has_the_third_reading_and_the_online_safety_motion() -> None:
    records = records_of("hansards-2026-03-04_toc_unixml.xml.gz")
    defence = next(r for r in records if r.external_id == bill_id(DEFENCE))
    assert [(e.chamber, e.stage, e.occurred_on) for e in defence.events] == [
        (SENATE, "Third Reading", DAY)
    ]
    motion = next(r for r in records if r.title == "Online Safety Act 2021")
    assert (motion.kind, motion.chamber, motion.published_on) == ("statement", SENATE, DAY)
    assert motion.sponsor
    assert "Online Safety Act 2021" in motion.body_text
    assert "<script" not in motion.body_html
    assert motion.extra["hansard"] == "proof"
    assert "onlinesafetyact2021" in bill_references(motion.body_text, "au")


def test_identity_is_the_title_with_its_year_whatever_the_case() -> None:
    assert bill_id(DEFENCE.upper()) == bill_id(DEFENCE)
    assert bill_id("Online Safety Bill 2021") != bill_id("Online Safety Bill 2022")


def test_older_schema_bom_entities_case_and_unknown_stage(caplog: pytest.LogCaptureFixture) -> None:
    made = spider()
    records = list(made.parse_xml(xml_response(SYNTHETIC_OLD_DAY, HOUSE), DAY, HOUSE))
    (bill,) = records
    assert bill.title == "ONLINE SAFETY (RED & YELLOW) BILL 2021"
    assert [(e.chamber, e.stage_category, e.unmapped) for e in bill.events] == [
        (HOUSE, "second_reading", False),
        (HOUSE, "", True),
    ]
    (line,) = stat_lines(made, WARNING_LINES_STAT)
    assert "2026-03-04 House of Representatives" in line
    assert "Cognate Debate" in line


def test_a_day_without_bills_keeps_its_statements(caplog: pytest.LogCaptureFixture) -> None:
    made = spider()
    with caplog.at_level(logging.INFO):
        records = list(made.parse_xml(xml_response(SYNTHETIC_NO_BILLS), DAY, SENATE))
    assert [r.kind for r in records] == ["statement"]
    assert "2026-03-04 Senate: no BILLS debate" in caplog.text
    assert stat_lines(made, ERROR_LINES_STAT) == []


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not a Hansard</html>",  # SYNTHETIC
        real("hansards-2026-03-04_toc_unixml.xml.gz")[:5000],  # truncated real body
    ],
)
def test_unreadable_xml_is_a_parse_error_naming_day_and_chamber(body: bytes) -> None:
    made = spider()
    assert list(made.parse_xml(xml_response(body), DAY, SENATE)) == []
    (line,) = stat_lines(made, ERROR_LINES_STAT)
    assert line.startswith("ParseError")
    assert "2026-03-04 Senate" in line


def test_a_day_page_without_xml_link_is_a_warning_naming_day_and_chamber() -> None:
    made = spider()
    made.pending, made.window_end, made.today = 1, DAY, DAY
    page = HtmlResponse(url=display_url(DAY, HOUSE), body=b"<html><body>SYNTHETIC</body></html>")
    assert list(made.parse_day_page(page, DAY, HOUSE)) == []
    (line,) = stat_lines(made, WARNING_LINES_STAT)
    assert "2026-03-04 House of Representatives: no Hansard XML link" in line


def test_the_real_day_page_links_its_xml() -> None:
    made = spider()
    made.pending, made.window_end, made.today = 1, DAY, DAY
    body = gzip.decompress((BODIES / "display-hansardr-2026-03-04.html.gz").read_bytes())
    page = HtmlResponse(url=display_url(DAY, HOUSE), body=body)
    (request,) = list(made.parse_day_page(page, DAY, HOUSE))
    assert "/hansardr/29142/toc_unixml/House%20of%20Representatives_2026_03_04.xml" in request.url


def test_days_start_after_the_watermark_and_a_quiet_window_leads_to_the_next() -> None:
    made = AuHansardSpider(since="2026-03-04T00:00:00+00:00")
    assert made.first_day() == date(2026, 3, 5)
    assert AuHansardSpider().first_day() == FIRST_DAY
    assert weekdays(date(2026, 3, 6), date(2026, 3, 9)) == [date(2026, 3, 6), date(2026, 3, 9)]
    made.today = date(2026, 3, 20)
    first = made.window(date(2026, 3, 5))
    assert len(first) == 2 * 5  # 5..11 March, weekdays, both chambers
    made.pending = 1
    following = made.answered()  # the last page answered, no sitting day: the next week
    assert following[0].url == display_url(date(2026, 3, 12), HOUSE)


def test_a_day_page_that_failed_ends_the_walk() -> None:
    made = spider()
    made.today = date(2026, 3, 20)
    pages = made.window(date(2026, 3, 5))
    gap = Failure(ReplayGap("not recorded"))
    gap.request = pages[0]  # type: ignore[attr-defined]
    assert list(made.day_failed(gap)) == []
    made.pending = 1
    # Every page answered, none sat, but one failed: what lies beyond is not asked this run
    # (a second replay of the cassette, or an outage, would otherwise walk on to today).
    assert made.answered() == []


def test_the_official_hansard_replaces_the_proof_as_a_new_version(session: Session) -> None:
    source = Source(slug="au-hansard", jurisdiction="au", kind="bills", name="au-hansard")
    session.add(source)
    session.flush()
    root, day = read_day(SYNTHETIC_NO_BILLS, XML_URL)
    proof = day_records(root, day)
    day.proof = False
    official = day_records(root, day)
    now = datetime(2026, 3, 5, tzinfo=UTC)
    (first,) = upsert_documents(session, source, proof, now)
    (again,) = upsert_documents(session, source, official, now)
    assert again.document.id == first.document.id
    assert again.new_version
    assert again.document.status == "official"


@pytest.mark.parametrize(
    "damage",
    [
        lambda body: body[: len(body) // 3],  # SYNTHETIC: the real gzip stream cut short
        lambda body: b"SYNTHETIC: not the gzip stream the headers announce",
    ],
    ids=["truncated-gzip", "not-gzip"],
)
def test_a_day_whose_xml_arrives_damaged_costs_only_that_day(
    engine: Engine, db_url: str, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    cassette = copy_cassette(tmp_path, "au-hansard")
    senate = next(line["url"] for line in index_lines(cassette) if "Senate_2026" in line["url"])
    edit_body(cassette, senate, damage)
    crawl(db_url, cassette.parent, "au-hansard")
    run = last_run(engine, "au-hansard")
    assert run.status == "errors"  # the House day stored, the Senate day named as lost
    assert any("2026-03-04 Senate" in line for line in run.errors), run.errors
    with Session(engine) as session:
        chambers = session.scalars(select(Document.chamber).where(Document.kind == "statement"))
        # The House day is whole: its four statements are stored, the Senate's motion is not.
        assert sorted(chambers) == ["House of Representatives"] * 4
