"""us-congress-bills: US bills and their actions from the Congress.gov API v3.

- API: https://api.congress.gov/v3/bill (docs: github.com/LibraryOfCongress/api.congress.gov).
- Key: api.data.gov key from the CONGRESS_API_KEY setting (DEMO_KEY by default), sent in the
  `X-Api-Key` header (api.data.gov developer manual) rather than as `api_key=`: a header never
  reaches a logged URL, a cassette, `response.url` or an item, and `pagination.next` links need
  nothing re-appended.
- Incremental: `sort=updateDate+desc` with a LITERAL `+` (the recorded `%2B` request came back
  ascending) and `fromDateTime` = the watermark; paging follows `pagination.next`. Without a
  watermark (first run) the window is FIRST_RUN_DAYS before the newest update listed. Paged
  by JsonApiSpider: the order is trusted, so the first bill older than that ends the listing.
- Per changed bill: detail, then /actions, /summaries, /text, /subjects, every page of each;
  then each text version in BILLS XML, from GovInfo (bill_spider), without the API key.
  A part that fails (a declared gap, an error) is skipped; the bill is still stored from what
  arrived, and from the list entry alone when even the detail fails.
- Errors about one bill's request (detail, actions, summaries...) name the bill, "H.R. 1 (117th)",
  as well as the URL. The detail gives only `title` (its `titles` are a further URL, not
  fetched): it is the record's one title, typed "Display Title" as BILLSTATUS types it.
- Rate limit: 5,000 requests an hour per key (DEMO_KEY: 30), announced in x-ratelimit-limit /
  -remaining. Requests are spaced to the hourly limit and the run stops, as an error so the
  watermark stays put, when fewer than RATE_RESERVE remain. 429s: the Retry-After middleware.
- Licence: bill data is public domain (17 U.S.C. 105). History: 2026-11: first version;
  2026-12: text versions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawlers.errors import LayoutChanged, SourceError
from crawlers.spider_base.json_api import JsonApiSpider, json_object
from crawlers.spider_base.source import SourceSpider
from crawlers.spiders.us.bill_mapping import (
    BillId,
    BillParts,
    bill_id,
    items,
    naming_bill,
    parse_bills_arg,
)
from crawlers.spiders.us.bill_spider import GOVINFO_HOST, UsBillSpider
from crawlers.spiders.us.congress_api import (
    DEFAULT_KEY,
    HOURLY_LIMIT,
    PAGE_SIZE,
    PARTS,
    RATE_RESERVE,
    Fetch,
    Listed,
    add_part,
    bill_url,
    first_run_floor,
    list_url,
    listed_on_or_after,
    next_page,
)
from models.records import DocumentRecord

Output = Iterator[Request | DocumentRecord]


class UsCongressBillsSpider(UsBillSpider, JsonApiSpider):
    name = "us-congress-bills"
    title = "Congress.gov API v3 (bills)"
    jurisdiction = "us"
    kind = "bills"
    interval_s = 4 * 3600
    allowed_domains: ClassVar[list[str]] = ["api.congress.gov", GOVINFO_HOST]  # texts: GovInfo

    def __init__(self, *args: Any, bills: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bill_ids = parse_bills_arg(bills)
        self.floor = self.since_datetime()
        self.api_key = DEFAULT_KEY
        self.rate_low = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.api_key = crawler.settings.get("CONGRESS_API_KEY") or DEFAULT_KEY
        return spider

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.set("DOWNLOAD_DELAY", 3600 / HOURLY_LIMIT, priority="spider")

    entries_key = "bills"
    page_size = PAGE_SIZE
    order_trusted = True  # sort=updateDate+desc with a literal `+` is honoured

    async def start(self) -> AsyncIterator[Request]:
        for bid in self.bill_ids:
            yield self.detail_request(bid, None)
        if not self.bill_ids:
            yield self.list_request(self.page_url(0), 0)

    def page_url(self, offset: int) -> str:
        """The first list page; the API's `pagination.next` link addresses the later ones."""
        return list_url(self.since_datetime())

    def next_page_url(self, data: dict[str, Any], offset: int, count: int) -> str | None:
        return next_page(data)

    def api_request(self, url: str, callback: Any, **cb_kwargs: Any) -> Request:
        headers = {"X-Api-Key": self.api_key, "Accept": "application/json"}
        return Request(url, callback, headers=headers, cb_kwargs=cb_kwargs, errback=self.on_failure)

    def detail_request(self, bid: BillId, listed: Listed | None) -> Request:
        return self.api_request(bill_url(bid), self.parse_detail, bid=bid, listed=listed)

    def load(self, response: Response, key: str) -> dict[str, Any]:
        """The body's JSON object holding `key`, minding the rate limit its headers announce."""
        self.mind_rate(response)
        return json_object(self.name, response, key)

    def mind_rate(self, response: Response) -> None:
        """Stop (as an error: the watermark must stay) before the hour's requests run out."""
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining is None or self.rate_low or int(remaining) > RATE_RESERVE:
            return
        self.rate_low = True
        limit = (response.headers.get("x-ratelimit-limit") or b"?").decode()
        cause = f"rate limit: {int(remaining)} of {limit} requests left this hour; stopping"
        SourceSpider.fail(self, response.url, cause)  # the run's limit: no bill named
        raise CloseSpider("ratelimit_reserve")

    def page_entries(self, response: Response) -> tuple[dict[str, Any], list[Any]]:
        data = self.load(response, "bills")
        entries = items(data["bills"])
        self.floor = self.floor or first_run_floor(entries)
        return data, entries

    def is_fresh(self, entry: Any) -> bool:
        return listed_on_or_after(entry, self.floor)

    def follow_entry(self, entry: Any, response: Response) -> Iterator[Request]:
        try:
            bid = bill_id(entry)
        except KeyError as exc:  # one unreadable entry: the rest of the page still counts
            self.fail(response.url, f"list entry: {exc.args[0]}", LayoutChanged)
            return
        yield self.detail_request(bid, Listed(entry, response.url))

    def parse_detail(self, response: Response, bid: BillId, listed: Listed | None) -> Output:
        try:
            bill = self.load(response, "bill")["bill"]
        except SourceError as error:
            self.fail(error.url, error.cause, type(error))
            yield from self.from_list(listed)
            return
        yield from self.next_part(Fetch(bid, BillParts(bill=bill), response.url))

    def next_part(self, fetch: Fetch) -> Output:
        if not fetch.todo:
            yield from self.with_texts(self.record(fetch.parts, fetch.source_url))
            return
        yield self.api_request(bill_url(fetch.bid, fetch.todo[0]), self.parse_part, fetch=fetch)

    def parse_part(self, response: Response, fetch: Fetch) -> Output:
        part = fetch.todo[0]
        try:
            data = self.load(response, PARTS[part])
        except SourceError as error:
            self.fail(error.url, error.cause, type(error))
        else:
            add_part(fetch.parts, part, data[PARTS[part]])
            if url := next_page(data):
                yield self.api_request(url, self.parse_part, fetch=fetch)
                return
        fetch.todo.pop(0)
        yield from self.next_part(fetch)

    def on_failure(self, failure: Failure) -> Output:
        """A failed request (declared gap, HTTP error) is counted; the bill goes on without it."""
        self.request_failed(failure)
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        if "fetch" in kwargs:
            kwargs["fetch"].todo.pop(0)
            yield from self.next_part(kwargs["fetch"])
        else:
            yield from self.from_list(kwargs.get("listed"))

    def from_list(self, listed: Listed | None) -> Output:
        if listed is not None:
            yield self.record(BillParts(bill=listed.entry), listed.source_url)

    def record(self, parts: BillParts, source_url: str) -> DocumentRecord:
        try:
            return self.bill_record(parts, source_url)
        except (KeyError, ValueError) as exc:
            cause = naming_bill(source_url, f"bill not readable: {exc}")
            raise LayoutChanged(self.name, source_url, cause) from exc
