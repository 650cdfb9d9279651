"""ca-legisinfo-bills: Canadian federal bills and their stage history from LEGISinfo.

- Site: https://www.parl.ca/legisinfo/ (Parliament of Canada). No key, no published rate limit:
  AutoThrottle and the contact User-Agent of crawlers.settings.
- List: /legisinfo/en/bills/json?parlsession={session} gives a whole session in one body, no
  paging and no "updated since". Sessions: the `sessions` argument (default CURRENT_SESSION).
- Incremental: a listed bill's detail is fetched when its latest activity (decoded, see
  legisinfo_forms) is no older than the watermark minus WATERMARK_SLACK (list times are
  unreliable by hours: a few refetches are cheaper than a missed stage).
- Detail: /legisinfo/en/bill/{session}/{number lower-case}/json (a one-element array); when it
  fails (error, HTML page, declared gap) the XML form /legisinfo/en/bill/{session}/{NUMBER}/xml
  of the same record is asked for instead.
- Errors name the bill (session/number as asked, or as the body states it) besides the URL; a
  body that is another bill than the one asked for is a LayoutChanged.
- Tracked bills: `bills` = "44-1/C-63,…" are fetched on every run whatever their session. Bills
  of ended sessions no longer appear in the current list; the default tracks C-63 (Online Harms
  Act, 44-1), whose session list was never recorded.
- Licence: Open Government Licence - Canada (per civican/legisinfo LICENSE.md; Parliament's own
  terms page not seen). History: 2026-11: first version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.errors import SourceError, report
from crawlers.spider_base.source import SourceSpider
from crawlers.spiders.ca.legisinfo_forms import (
    ListedBill,
    bill_from_json,
    bill_from_xml,
    list_entries,
)
from crawlers.spiders.ca.legisinfo_record import bill_record
from models.records import DocumentRecord

SITE = "https://www.parl.ca/legisinfo/en"
CURRENT_SESSION = "45-1"
TRACKED_BILLS = "44-1/C-63"
WATERMARK_SLACK = timedelta(days=1)


def list_url(session: str) -> str:
    return f"{SITE}/bills/json?parlsession={session}"


def json_url(session: str, number: str) -> str:
    return f"{SITE}/bill/{session}/{number.lower()}/json"


def xml_url(session: str, number: str) -> str:
    return f"{SITE}/bill/{session}/{number.upper()}/xml"


def parse_bills_arg(bills: str) -> list[tuple[str, str]]:
    """`44-1/C-63, 45-1/s-209` -> [("44-1", "C-63"), ("45-1", "S-209")]."""
    pairs = []
    for entry in filter(None, (part.strip() for part in bills.split(","))):
        session, _, number = entry.partition("/")
        if not session or not number:
            raise ValueError(f"bills: expected SESSION/NUMBER, got {entry!r}")
        pairs.append((session, number.upper()))
    return pairs


def changed_since(bill: ListedBill, since: datetime | None) -> bool:
    """Fetch the detail? Always without a watermark or a listed activity time."""
    if since is None or bill.activity is None:
        return True
    if since.tzinfo is None:  # a watermark written without a zone is UTC
        since = since.replace(tzinfo=UTC)
    return bill.activity >= since - WATERMARK_SLACK


class CaLegisinfoBillsSpider(SourceSpider):
    name = "ca-legisinfo-bills"
    title = "LEGISinfo (Parliament of Canada) bills"
    jurisdiction = "ca"
    kind = "bills"
    interval_s = 6 * 3600
    allowed_domains: ClassVar[list[str]] = ["www.parl.ca"]

    def __init__(
        self, *args: Any, sessions: str = CURRENT_SESSION, bills: str = TRACKED_BILLS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = [part.strip() for part in sessions.split(",") if part.strip()]
        self.tracked = parse_bills_arg(bills)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for session in self.sessions:
            yield scrapy.Request(list_url(session), callback=self.parse_list)
        for session, number in self.tracked:
            yield self.detail_request(session, number)

    def detail_request(self, session: str, number: str) -> scrapy.Request:
        return scrapy.Request(
            json_url(session, number), callback=self.parse_json, errback=self.json_failed,
            cb_kwargs={"session": session, "number": number},
        )  # fmt: skip

    def xml_request(self, session: str, number: str) -> scrapy.Request:
        return scrapy.Request(
            xml_url(session, number), callback=self.parse_xml, errback=self.request_failed,
            cb_kwargs={"session": session, "number": number},
        )  # fmt: skip

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        listed = list_entries(self.name, response.url, response.body)
        self.saw(len(listed))
        since = self.since_datetime()
        for bill in listed:
            if changed_since(bill, since):
                yield self.detail_request(bill.session, bill.number)

    def parse_json(
        self, response: Response, session: str, number: str
    ) -> Iterator[DocumentRecord | scrapy.Request]:
        asked = f"{session}/{number}"
        try:
            bill = bill_from_json(self.name, response.url, response.body, asked)
            yield self.record(bill, response, asked)
        except SourceError as error:
            report(self.crawler, error)
            yield self.xml_request(session, number)

    def json_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.request_failed(failure)
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield self.xml_request(kwargs["session"], kwargs["number"])

    def parse_xml(self, response: Response, session: str = "", number: str = "") -> DocumentRecord:
        """The XML form; `session`/`number` (as asked) name the bill in errors when given."""
        asked = f"{session}/{number}" if session and number else ""
        bill = bill_from_xml(self.name, response.url, response.body, asked)
        return self.record(bill, response, asked)

    def record(self, bill: dict[str, Any], response: Response, asked: str) -> DocumentRecord:
        return bill_record(
            bill, source=self.name, source_url=response.url, fetched_at=datetime.now(UTC),
            asked=asked,
        )  # fmt: skip
