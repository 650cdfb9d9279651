"""us-govinfo-billstatus: US bills from GovInfo's BILLSTATUS bulk data (no key needed).

- Sitemap index: https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml, one
  sitemap per congress and bill type, each listing its BILLSTATUS-{congress}{type}{number}.xml
  files with their `lastmod`; docs: https://github.com/usgpo/bill-status (README, User Guide).
- Incremental: only sitemaps, then files, whose `lastmod` is after the watermark. Without one
  (first run) the window is FIRST_RUN_DAYS before the newest `lastmod` the index shows, so a
  first run is bounded and does not depend on the clock.
- Formats: 3.0.0 (`<version>`, `number`/`type`) and the legacy one (`billNumber`/`billType`,
  summaries under `billSummaries`), both turned into the Congress.gov JSON shape first.
- Record: every `<titles>` item (type as stated), the newest summary in any known wrapping (one
  in none is reported naming the bill, never stored empty), the outcome from laws and actions
  (lapsed once its Congress ended). Errors about a bill file name the bill ("H.R. 1500 (116th)").
- Texts: each `textVersions` item in BILLS XML is fetched and parsed into sections
  (bill_spider); an error about one names the bill and the version.
- Updates: current congress every 4 hours, earlier ones daily. Licence: public domain
  (17 U.S.C. 105, stated in each file's dublinCore).
- History: 2026-11: first version. 2026-12: text versions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar, TypeVar

from lxml import etree
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.errors import LayoutChanged, ParseError
from crawlers.spiders.us.bill_mapping import (
    naming_bill,
    parse_bills_arg,
)
from crawlers.spiders.us.bill_spider import UsBillSpider
from crawlers.spiders.us.billstatus_xml import (
    INDEX_URL,
    billstatus_url,
    changed_since,
    parse_billstatus,
    sitemap_entries,
)
from models.records import DocumentRecord

T = TypeVar("T")


class UsGovinfoBillstatusSpider(UsBillSpider):
    name = "us-govinfo-billstatus"
    jurisdiction = "us"
    title = "GovInfo BILLSTATUS bulk data"
    kind = "bills"
    interval_s = 4 * 3600  # GPO refreshes the current congress every 4 hours
    allowed_domains: ClassVar[list[str]] = ["www.govinfo.gov"]

    def __init__(self, *args: Any, bills: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bill_ids = parse_bills_arg(bills)

    async def start(self) -> AsyncIterator[Request]:
        for bid in self.bill_ids:
            yield Request(billstatus_url(bid), callback=self.parse_bill, errback=self.on_failure)
        if not self.bill_ids:
            yield Request(INDEX_URL, callback=self.parse_index, errback=self.on_failure)

    def parse_index(self, response: Response) -> Iterator[Request]:
        return self.follow_changed(response, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        return self.follow_changed(response, self.parse_bill)

    def follow_changed(self, response: Response, callback: Any) -> Iterator[Request]:
        """The sitemap's entries modified after the watermark, each to `callback`."""
        for loc in changed_since(self.read(response, sitemap_entries), self.since_datetime()):
            yield Request(loc, callback=callback, errback=self.on_failure)

    def parse_bill(self, response: Response) -> Iterator[DocumentRecord | Request]:
        self.saw(1)
        yield from self.with_texts(
            self.read(response, lambda body: self.record(body, response.url))
        )

    def record(self, body: bytes, source_url: str) -> DocumentRecord:
        return self.bill_record(parse_billstatus(body), source_url)

    def read(self, response: Response, parse: Callable[[bytes], T]) -> T:
        """Parse the body; bad XML or a changed layout become errors naming the URL (and the
        bill, for a bill file)."""
        url = response.url
        try:
            return parse(response.body)
        except etree.XMLSyntaxError as exc:
            raise ParseError(self.name, url, naming_bill(url, f"not XML: {exc}")) from exc
        except (KeyError, ValueError) as exc:
            cause = str(exc.args[0] if exc.args else exc)
            raise LayoutChanged(self.name, url, naming_bill(url, cause)) from exc

    def on_failure(self, failure: Failure) -> None:
        """A sitemap or file that failed (a declared gap, an HTTP error): counted, skipped."""
        self.request_failed(failure)
