"""FeedSpider: RSS/Atom statement sources, fetched by Scrapy and read by feedparser.

A feed source is a subclass declaring `feed_urls`, `timezone`, `language` and, when entries
carry only a summary, `body_selector` (the release body on the entry's page). Behaviour:

- Conditional GET: `http_state` ({url: {"etag", "last_modified", "entries"}}, as
  Source.http_state keeps it) becomes If-None-Match / If-Modified-Since. It comes as a spider
  argument (a dict or JSON) or, when the runner passes none, `StatementLinksPipeline` loads it
  from the Source row before the first request. A 304 is "unchanged": no items, no error, stat
  `feed/not_modified`, and the feed counts as still listing the `entries` it listed when it
  last answered (so an unchanged feed is not an "empty source").
  New validators are collected in `new_http_state` and saved by the pipeline at close, only
  when the run had no errors (else an item that failed to store would never come back).
- Bad bodies: an HTML page or a feed without entries raises LayoutChanged; a body feedparser
  cannot read at all raises ParseError; a bozo feed with entries is read, its entries kept,
  and counted as a run error (ParseError): a truncated feed may hide entries.
- Summary-only entries are completed from their page when `body_selector` is set; a page that
  fails (a declared replay gap, an HTTP error) leaves the summary as the text, with a warning.
- One entry never costs its neighbours: a link no page can be requested at (not http(s),
  malformed, over URLLENGTH_LIMIT) keeps the summary, an unreadable date stores no date (both
  counted, stats `feed/page_not_requested` and `feed/date_unreadable`, and a WARNING naming
  the entry); an entry that cannot be read at all is a run error naming it, and the next
  entry is read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.errors import LayoutChanged, ParseError, SourceError, shorten, warn
from crawlers.html_text import html_text, safe_html
from crawlers.spider_base.feed_entries import (
    FeedUnreadable,
    ParsedFeed,
    Publisher,
    entry_id,
    entry_record,
    has_full_text,
    link_problem,
    read_feed,
    stated_date,
)
from crawlers.spider_base.source import SourceSpider
from models.health import BOZO_FEEDS_STAT
from models.records import DocumentRecord
from models.vocabulary import SourceKind

HttpState = dict[str, dict[str, str]]
LINKS_PIPELINE = "crawlers.spider_base.feed_links.StatementLinksPipeline"
LINKS_PIPELINE_ORDER = 900  # after the store pipeline; it links when the store has committed
PAGE_NOT_REQUESTED_STAT = "feed/page_not_requested"
DATE_UNREADABLE_STAT = "feed/date_unreadable"


def parse_http_state(value: HttpState | str | None) -> HttpState:
    """The spider argument as given: a mapping, its JSON (from `scrapy crawl -a`), or nothing."""
    if not value:
        return {}
    return json.loads(value) if isinstance(value, str) else dict(value)


def conditional_headers(validators: dict[str, str]) -> dict[str, str]:
    headers = {}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers


def response_validators(response: Response) -> dict[str, str]:
    found = {
        "etag": response.headers.get("ETag"),
        "last_modified": response.headers.get("Last-Modified"),
    }
    return {name: value.decode("latin-1") for name, value in found.items() if value}


def requested_url(response: Response) -> str:
    """The URL we asked for (a feed may redirect): what feed_urls and http_state are keyed by."""
    redirects: list[str] = response.meta.get("redirect_urls", [])
    return redirects[0] if redirects else response.url


def text_headers(response: Response) -> dict[str, str]:
    """Response headers as feedparser wants them (it reads the charset from Content-Type)."""
    return {
        key.decode("latin-1").lower(): values[-1].decode("latin-1")
        for key, values in response.headers.items()
        if values
    }


class FeedSpider(SourceSpider):
    kind = SourceKind.STATEMENTS
    feed_urls: ClassVar[tuple[str, ...]] = ()
    timezone = "UTC"  # where the government is: naive feed dates are local to it
    language = "en"
    sponsor = ""  # department or minister when entries name none
    feed_sponsors: ClassVar[dict[str, str]] = {}  # the same, per feed URL
    body_selector = ""  # CSS selector of the release body on an entry's page; "" = no follow
    handle_httpstatus_list: ClassVar[list[int]] = [304]

    def __init__(self, *args: Any, http_state: HttpState | str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.http_state = parse_http_state(http_state)
        self.new_http_state: HttpState = {}

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        pipelines.setdefault(LINKS_PIPELINE, LINKS_PIPELINE_ORDER)
        settings.set("ITEM_PIPELINES", pipelines, priority="spider")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.feed_urls:
            headers = conditional_headers(self.http_state.get(url, {}))
            yield scrapy.Request(
                url, headers=headers, callback=self.parse_feed, errback=self.feed_failed
            )

    def feed_failed(self, failure: Failure) -> None:
        self.request_failed(failure)  # counted once (a declared gap by the replay middleware)

    def publisher(self, feed_url: str) -> Publisher:
        """Who speaks in the feed at `feed_url`; subclasses vary language or sponsor per feed."""
        sponsor = self.feed_sponsors.get(feed_url, self.sponsor)
        return Publisher(
            self.name, self.jurisdiction, self.language, ZoneInfo(self.timezone), sponsor
        )

    def parse_feed(self, response: Response) -> Iterator[DocumentRecord | scrapy.Request]:
        url = requested_url(response)
        if response.status == 304:
            self.crawler.stats.inc_value("feed/not_modified")
            self.saw(int(self.http_state.get(url, {}).get("entries", 0)))
            return
        feed = self.read(response)
        self.saw(len(feed.entries))
        self.new_http_state[url] = response_validators(response)
        if self.new_http_state[url]:
            self.new_http_state[url]["entries"] = str(len(feed.entries))
        publisher = self.publisher(url)
        fetched_at = datetime.now(UTC)
        for entry in feed.entries:
            output = self.entry_output(entry, feed, publisher, response.url, fetched_at)
            if output is not None:
                yield output

    def entry_output(
        self,
        entry: Any,
        feed: ParsedFeed,
        publisher: Publisher,
        feed_url: str,
        fetched_at: datetime,
    ) -> DocumentRecord | scrapy.Request | None:
        """One entry's record (or its page request); whatever goes wrong costs this entry only."""
        try:
            record = entry_record(
                entry, feed, publisher, source_url=feed_url, fetched_at=fetched_at
            )
        except Exception as error:  # content nobody foresaw: reported, and the next entry read
            cause = f"entry {shorten(entry_id(entry))} not read: {type(error).__name__}: {error}"
            self.fail(feed_url, cause)
            return None
        if record.source_updated_at is None and stated_date(entry):
            said = f"date {shorten(stated_date(entry))!r} unreadable; stored without a date"
            self.warn_entry(record, said, DATE_UNREADABLE_STAT)
        return self.completed(record, has_full_text(entry))

    def warn_entry(self, record: DocumentRecord, what: str, stat: str) -> None:
        """A WARNING naming the source, the feed and the entry; counted under `stat`."""
        entry = shorten(record.extra.get("entry_id", record.external_id))
        warn(
            self.crawler, SourceError(self.name, record.source_url, f"entry {entry}: {what}"), stat
        )

    def read(self, response: Response) -> ParsedFeed:
        try:
            feed = read_feed(response.body, text_headers(response))
        except FeedUnreadable as unreadable:
            error = LayoutChanged if unreadable.layout else ParseError
            raise error(self.name, response.url, str(unreadable)) from unreadable
        if feed.problem:
            # A cut-off or partly broken feed may hide entries: a run error (the verdict shows
            # it), though the entries it could read are still stored.
            self.crawler.stats.inc_value(BOZO_FEEDS_STAT)
            kept = f"feed partly unreadable ({feed.problem}); kept {len(feed.entries)} entries"
            self.fail(response.url, kept, ParseError)
        return feed

    def completed(self, record: DocumentRecord, full: bool) -> DocumentRecord | scrapy.Request:
        """The record, or a request for its page when the feed gave only a summary."""
        if full or not self.body_selector or not record.url:
            return record
        problem = link_problem(record.url, self.settings.getint("URLLENGTH_LIMIT"))
        if not problem:
            try:
                return scrapy.Request(
                    record.url,
                    callback=self.parse_page,
                    errback=self.page_failed,
                    cb_kwargs={"record": record},
                )
            except ValueError as error:  # whatever else Scrapy refuses in a URL
                problem = str(error)
        said = f"page {shorten(record.url)!r} not requested ({problem}); kept the feed summary"
        self.warn_entry(record, said, PAGE_NOT_REQUESTED_STAT)
        return record

    def parse_page(self, response: Response, record: DocumentRecord) -> DocumentRecord:
        body = "".join(response.css(self.body_selector).getall())
        if not body.strip():
            self.logger.warning(
                "%s %s: no %r on the page; kept the feed summary",
                self.name,
                response.url,
                self.body_selector,
            )
            return record
        record.body_html = safe_html(body)
        record.body_text = html_text(body)
        return record

    def page_failed(self, failure: Failure) -> Iterator[DocumentRecord]:
        """The page is extra: a failure is counted once and the item stays."""
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("feed/page_failed")
        accounted = self.count_failure(failure)
        # A middleware refusal (a declared gap…) has its own line; the rest deserve a warning.
        self.logger.log(
            logging.INFO if accounted else logging.WARNING,
            "%s %s: release page not read; kept the feed summary",
            self.name,
            request.url,
        )
        yield request.cb_kwargs["record"]
