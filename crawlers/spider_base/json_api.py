"""Paged JSON APIs listed by an "updated" date: reading their bodies, and `JsonApiSpider`, which
pages through one and stops at the watermark."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from scrapy import Request
from scrapy.http import Response

from crawlers.errors import LayoutChanged, ParseError
from crawlers.spider_base.source import SourceSpider
from models.records import DocumentRecord

_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def json_object(slug: str, response: Response, *keys: str) -> dict[str, Any]:
    """The body as a JSON object holding `keys`.

    ParseError when it is not JSON, LayoutChanged when it is JSON of another shape.
    """
    try:
        data = json.loads(response.body)
    except ValueError as error:
        raise ParseError(slug, response.url, f"body is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise LayoutChanged(
            slug, response.url, f"expected a JSON object, got {type(data).__name__}"
        )
    missing = [key for key in keys if key not in data]
    if missing:
        raise LayoutChanged(slug, response.url, f"missing key(s): {', '.join(missing)}")
    return data


def json_list(slug: str, response: Response, key: str) -> list[Any]:
    """The list under `key` in the body's JSON object."""
    items = json_object(slug, response, key)[key]
    if not isinstance(items, list):
        raise LayoutChanged(slug, response.url, f"{key!r} is {type(items).__name__}, not a list")
    return items


def parse_local(value: str, zone: ZoneInfo) -> datetime:
    """An ISO timestamp; a zone-less one is local time in `zone` (7-digit fractions cut to 6)."""
    stamp = datetime.fromisoformat(_LONG_FRACTION.sub(r"\1", value.replace("Z", "+00:00")))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=zone)


def newer_than(updated: datetime, since: datetime | None) -> bool:
    return since is None or updated > since


class JsonApiSpider(SourceSpider):
    """A source listed by a paged JSON API: the base asks for the pages and stops at the watermark.

    A spider declares where a page's entries are (`entries_key`), how many a full page holds
    (`page_size`), how to address a page (`page_url`), when an entry was updated
    (`entry_updated`) and what a fresh entry leads to (`follow_entry`). Paging goes on while a
    page is full, `total_key` (when the API gives one) says more remain, and the page still
    lists something newer than the watermark: with `order_trusted` (the API really sorts by
    update) the first older entry ends the listing; otherwise only a whole page of older
    entries does. An entry with no date of its own (the API filters by date itself) is fresh.
    Without a watermark, `first_run_pages` bounds the first run.
    """

    entries_key: ClassVar[str]
    page_size: ClassVar[int]
    total_key: ClassVar[str] = ""  # "" when the API gives no total (a next link, or nothing)
    first_run_pages: ClassVar[int | None] = None  # pages read without a watermark; None: all
    order_trusted: ClassVar[bool] = False

    async def start(self) -> AsyncIterator[Request]:
        yield self.list_request(self.page_url(0), 0)

    def page_url(self, offset: int) -> str:
        """The list page starting at entry `offset` (0: the first)."""
        raise NotImplementedError

    def entry_updated(self, entry: Any) -> datetime | None:
        """When the source last changed the entry; None when the API's own filter judges it."""
        return None

    def follow_entry(self, entry: Any, response: Response) -> Iterator[Request | DocumentRecord]:
        """What one fresh entry of the list page `response` leads to: requests, or records."""
        raise NotImplementedError

    def readable(self, entry: Any, url: str) -> bool:
        """False drops the entry (the spider has counted why); it then ends nothing."""
        return True

    def api_request(self, url: str, callback: Callable[..., Any], **cb_kwargs: Any) -> Request:
        """Every request to the API (a spider adds headers or its own errback here)."""
        return Request(url, callback, errback=self.request_failed, cb_kwargs=cb_kwargs)

    def list_request(self, url: str, offset: int) -> Request:
        return self.api_request(url, self.parse_list, offset=offset)

    def page_entries(self, response: Response) -> tuple[dict[str, Any], list[Any]]:
        """The page's JSON object and its entries."""
        return json_object(self.name, response), json_list(self.name, response, self.entries_key)

    def is_fresh(self, entry: Any) -> bool:
        updated = self.entry_updated(entry)
        return updated is None or newer_than(updated, self.since_datetime())

    def parse_list(self, response: Response, offset: int) -> Iterator[Request | DocumentRecord]:
        data, entries = self.page_entries(response)
        self.saw(len(entries))
        listed = [entry for entry in entries if self.readable(entry, response.url)]
        fresh = [entry for entry in listed if self.is_fresh(entry)]
        for entry in fresh:
            yield from self.follow_entry(entry, response)
        if self.watermark_reached(listed, fresh):
            return
        url = self.next_page_url(data, offset, len(entries))
        if url:
            yield self.list_request(url, offset + self.page_size)

    def watermark_reached(self, listed: list[Any], fresh: list[Any]) -> bool:
        """Whether this page ends the listing. Without `order_trusted` a page is judged whole,
        not by its first old entry: the recorded Bills API page is sorted by title, not date."""
        if self.order_trusted:
            return len(fresh) < len(listed)
        return bool(listed) and not fresh

    def next_page_url(self, data: dict[str, Any], offset: int, count: int) -> str | None:
        """The next page, or None after a short page, the total, or a first run's last page."""
        following = offset + self.page_size
        more = not self.total_key or following < int(data.get(self.total_key) or 0)
        first_run_over = (
            self.since is None
            and self.first_run_pages is not None
            and following >= self.first_run_pages * self.page_size
        )
        if count < self.page_size or not more or first_run_over:
            return None
        return self.page_url(following)
