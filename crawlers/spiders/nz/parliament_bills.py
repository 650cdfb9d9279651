"""nz-bills: New Zealand Parliament bills (bills.parliament.nz RSS, then each bill's JSON).

UNVERIFIED: no recorded body (verified = False). No bills.parliament.nz or legislation.govt.nz
body was found (sources.md §6); the endpoints below come from third-party code and notes and
MUST be confirmed by a live check (`fivewatch crawl --record`) before this source is trusted.
Until then its cassette declares the start URL as a gap.
- What changed: RSS https://bills.parliament.nz/rss?set=Bills; an item links to the bill page
  https://bills.parliament.nz/v/6/{id}.
- Bill: GET https://bills.parliament.nz/api/data/Bill/{id} (no key), reported fields BillNumber,
  Title, BillStatusName, BillCurrentStageName, ParliamentNumber, InitiationDate,
  BillLegislationUrl, Members[], Stages[] {StageName, StageDate, OutcomeName, TypeName}. That
  the page id is the API's id is an assumption to check.
- A feed with no channel or items, or a bill without Title/BillNumber, is LayoutChanged naming
  the URL. Stage codes/names map via NZ_STAGES (codes 1, 2, SC, COWH, 3, RA).
- Dates without a zone are New Zealand time (Pacific/Auckland). History: 2026-11: first version.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import feedparser
import scrapy
from scrapy.http import Response

from crawlers.errors import LayoutChanged, ParseError
from crawlers.html_text import squash
from crawlers.spider_base.source import SourceSpider
from models.records import BILL, DocumentRecord, EventRecord
from models.text import fold

SLUG = "nz-bills"
RSS = "https://bills.parliament.nz/rss?set=Bills"
API = "https://bills.parliament.nz/api/data/Bill/{id}"
AUCKLAND = ZoneInfo("Pacific/Auckland")
BILL_PAGE = re.compile(r"^https://bills\.parliament\.nz/v/\d+/([0-9A-Za-z-]+)")

# Stage codes of the bills list and their names (folded) -> common category.
NZ_STAGES: dict[str, str] = {
    "1": "first_reading",
    "first reading": "first_reading",
    "2": "second_reading",
    "second reading": "second_reading",
    "sc": "committee",
    "select committee": "committee",
    "cowh": "committee",
    "committee of the whole house": "committee",
    "3": "third_reading",
    "third reading": "third_reading",
    "ra": "assent",
    "royal assent": "assent",
    "introduction": "introduced",
    "withdrawn": "withdrawn",
    "defeated": "defeated",
    "discharged": "lapsed",
}


def stage_category(stage: str) -> str:
    return NZ_STAGES.get(fold(stage).strip(), "")


def feed_bill_ids(url: str, body: bytes) -> list[str]:
    """Bill ids linked from the RSS items; LayoutChanged when the feed has no channel/items."""
    feed = feedparser.parse(body)
    if not feed.feed and not feed.entries:
        raise LayoutChanged(SLUG, url, "no RSS channel or items in the body")
    matches = (BILL_PAGE.match(str(entry.get("link") or "")) for entry in feed.entries)
    return list(dict.fromkeys(match.group(1) for match in matches if match))


def nz_date(value: Any) -> date | None:
    """An API date (naive = New Zealand time) as the New Zealand date."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return (parsed.astimezone(AUCKLAND) if parsed.tzinfo else parsed).date()


def _text(data: dict[str, Any], key: str) -> str:
    return squash(str(data.get(key) or ""))


def stage_event(stage: dict[str, Any]) -> EventRecord:
    name = _text(stage, "StageName")
    return EventRecord(
        stage=name, occurred_on=nz_date(stage.get("StageDate")),
        description=_text(stage, "OutcomeName"),
        stage_category=stage_category(name),
    )  # fmt: skip


def bill_record(url: str, body: bytes, fetched_at: datetime) -> DocumentRecord:
    try:
        bill = json.loads(body)
    except ValueError as exc:
        raise ParseError(SLUG, url, f"body is not JSON: {exc}") from exc
    if not isinstance(bill, dict) or not bill.get("Title") or not bill.get("BillNumber"):
        raise LayoutChanged(SLUG, url, "bill without Title/BillNumber")
    stage = _text(bill, "BillCurrentStageName")
    members = [_text(member, "Name") for member in bill.get("Members") or [] if member]
    return DocumentRecord(
        source=SLUG, external_id=url.rsplit("/", 1)[-1], kind=BILL, jurisdiction="nz",
        title=_text(bill, "Title"), reference=_text(bill, "BillNumber"),
        session=_text(bill, "ParliamentNumber"), url=_text(bill, "BillLegislationUrl"),
        published_on=nz_date(bill.get("InitiationDate")), current_stage=stage,
        stage_category=stage_category(stage), status=_text(bill, "BillStatusName"),
        sponsor=", ".join(filter(None, members)),
        events=[stage_event(s) for s in bill.get("Stages") or [] if isinstance(s, dict)],
        source_url=url, fetched_at=fetched_at,
    )  # fmt: skip


class NzBillsSpider(SourceSpider):
    name = SLUG
    title = "New Zealand Parliament bills"
    jurisdiction = "nz"
    kind = "bills"
    verified = False
    interval_s = 12 * 3600
    allowed_domains: ClassVar[list[str]] = ["bills.parliament.nz"]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(RSS, callback=self.parse_feed, errback=self.request_failed)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        ids = feed_bill_ids(response.url, response.body)
        self.saw(len(ids))
        for bill_id in ids:
            yield scrapy.Request(
                API.format(id=bill_id), callback=self.parse_bill, errback=self.request_failed
            )

    def parse_bill(self, response: Response) -> DocumentRecord:
        return bill_record(response.url, response.body, datetime.now(UTC))
