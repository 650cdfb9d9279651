"""au-bills: Parliament of Australia bills (APH bills search results, then each bill's page).

UNVERIFIED: no recorded body (verified = False). No APH search-results or bill page body was
found (sources.md §4); URLs and selectors below come from stored page addresses and third-party
scrapers and MUST be confirmed by a live check (`fivewatch crawl --record`) before this source
is trusted. Until then its cassette declares the start URLs as gaps.
- Search: https://www.aph.gov.au/Parliamentary_Business/Bills_Legislation/Bills_Search_Results
  with only the parameters whose meaning is clear: q (keywords), ps (page size), page. Other
  parameters of stored addresses (drt, drv, st, sr, …) are undocumented and not sent.
- Bill page: …/Bills_Search_Results/Result?bId=r7284 (bill ids rNNNN). Selectors (third-party):
  title `#main_0_billSummary_divHeader h1`, permalink `#main_0_billSummary_permalink`, sponsor
  `#main_0_billSummary_sponsorPanel dd`, metadata `dl.dl--inline--bills` dt/dd pairs.
- A page with none of the expected elements is LayoutChanged naming the URL (never "no bills").
- The page's stage history table is not described anywhere we could read: no events are parsed
  until a real page shows its structure. AU_STAGES (below) maps the APH status and progress
  wording known from the Parliament's published bill histories; unverified on a body.
- Dates: Canberra time (Australia/Sydney rules; zoneinfo alias Australia/Canberra).
- Licence: CC BY-NC-ND 3.0 AU per the page's DCTERMS.license meta (unverified); some ParlInfo
  pages are said to refuse non-browser agents (403, unverified). History: 2026-11: first version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from crawlers.errors import LayoutChanged
from crawlers.html_text import squash
from crawlers.spider_base.source import SourceSpider
from models.records import BILL, DocumentRecord
from models.text import fold

SEARCH = "https://www.aph.gov.au/Parliamentary_Business/Bills_Legislation/Bills_Search_Results"
QUERIES = "online safety,social media minimum age,child sexual abuse"
PAGE_SIZE = 100
TITLE = "#main_0_billSummary_divHeader h1::text"
SPONSOR = "#main_0_billSummary_sponsorPanel dd::text"
PERMALINK = "#main_0_billSummary_permalink"
METADATA = "dl.dl--inline--bills"

# Folded APH status / progress wording -> common category (unverified on a body).
AU_STAGES: dict[str, str] = {
    "introduced and read a first time": "first_reading",
    "second reading moved": "second_reading",
    "second reading agreed to": "second_reading",
    "referred to committee": "committee",
    "consideration in detail": "committee",
    "committee of the whole": "committee",
    "third reading agreed to": "third_reading",
    "before house of representatives": "",
    "before senate": "",
    "passed both houses": "passed_both",
    "assent": "assent",
    "act": "assent",
    "not proceeding": "lapsed",
    "lapsed": "lapsed",
    "withdrawn": "withdrawn",
    "negatived": "defeated",
}


def search_url(query: str, page: int = 1) -> str:
    return f"{SEARCH}?{urlencode({'q': query, 'ps': PAGE_SIZE, 'page': page})}"


def bill_url(bill_id: str) -> str:
    return f"{SEARCH}/Result?{urlencode({'bId': bill_id})}"


def bill_id_of(href: str) -> str:
    return (parse_qs(urlsplit(href).query).get("bId") or [""])[0]


def search_bill_ids(page: Selector, url: str) -> list[str]:
    """Bill ids a results page links to; LayoutChanged when it shows neither bills nor a total."""
    ids = [bill_id_of(href) for href in page.css("a[href*='bId=']::attr(href)").getall()]
    ids = list(dict.fromkeys(bill_id for bill_id in ids if bill_id))
    if not ids and "total results" not in fold(" ".join(page.css("body ::text").getall())):
        raise LayoutChanged("au-bills", url, "no bill links and no result count on the page")
    return ids


def metadata(page: Selector) -> dict[str, str]:
    """dt/dd pairs of the bill summary, keyed by the folded dt text."""
    pairs: dict[str, str] = {}
    for term in page.css(f"{METADATA} dt"):
        value = term.xpath("following-sibling::dd[1]//text()").getall()
        pairs[fold(squash(" ".join(term.css("::text").getall()))).rstrip(":")] = squash(
            " ".join(value)
        )
    return pairs


def bill_record(page: Selector, url: str, fetched_at: datetime) -> DocumentRecord:
    """One bill page; LayoutChanged naming the URL when its title element is missing."""
    title = squash(" ".join(page.css(TITLE).getall()))
    if not title:
        raise LayoutChanged("au-bills", url, f"no bill title ({TITLE.split('::')[0]})")
    facts = metadata(page)
    status = facts.get("status", "")
    return DocumentRecord(
        source="au-bills", external_id=bill_id_of(url), kind=BILL, jurisdiction="au",
        title=title, url=url, session=facts.get("parliament no", ""), status=status,
        current_stage=status, stage_category=AU_STAGES.get(fold(status), ""),
        chamber=facts.get("originating house", ""),
        sponsor=squash(" ".join(page.css(SPONSOR).getall())),
        extra={"permalink": page.css(f"{PERMALINK}::attr(href)").get("")},
        source_url=url, fetched_at=fetched_at,
    )  # fmt: skip


class AuBillsSpider(SourceSpider):
    name = "au-bills"
    title = "Parliament of Australia bills (APH)"
    jurisdiction = "au"
    kind = "bills"
    verified = False
    interval_s = 12 * 3600
    allowed_domains: ClassVar[list[str]] = ["www.aph.gov.au"]

    def __init__(self, *args: Any, queries: str = QUERIES, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queries = [query.strip() for query in queries.split(",") if query.strip()]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for query in self.queries:
            yield scrapy.Request(
                search_url(query), callback=self.parse_results, errback=self.request_failed
            )

    def parse_results(self, response: Response) -> Iterator[scrapy.Request]:
        ids = search_bill_ids(Selector(text=response.text), response.url)
        self.saw(len(ids))
        for bill_id in ids:
            yield scrapy.Request(
                bill_url(bill_id), callback=self.parse_bill, errback=self.request_failed
            )

    def parse_bill(self, response: Response) -> DocumentRecord:
        return bill_record(Selector(text=response.text), response.url, datetime.now(UTC))
