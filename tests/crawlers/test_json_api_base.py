"""JsonApiSpider: the paging and the watermark every JSON-API source leaves to its base."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler

from crawlers.spider_base.json_api import JsonApiSpider
from models.records import DocumentRecord

API = "https://api.example.org/list"


class PagedSpider(JsonApiSpider):
    name = "test-paged"
    allowed_domains: ClassVar[list[str]] = ["api.example.org"]
    entries_key = "items"
    total_key = "total"
    page_size = 2
    first_run_pages = 2

    def page_url(self, offset: int) -> str:
        return f"{API}?skip={offset}"

    def entry_updated(self, entry: Any) -> datetime:
        return datetime.fromisoformat(entry["updated"]).replace(tzinfo=UTC)

    def follow_entry(self, entry: Any, response: Response) -> Iterator[Request | DocumentRecord]:
        yield Request(f"{API}/{entry['id']}")


def spider(cls: type[JsonApiSpider] = PagedSpider, since: str | None = None) -> JsonApiSpider:
    return cls.from_crawler(get_crawler(cls), since=since)


def page(offset: int, updated: list[str], total: int = 10) -> TextResponse:
    items = [{"id": f"{offset}-{n}", "updated": day} for n, day in enumerate(updated)]
    body = json.dumps({"items": items, "total": total}).encode()
    return TextResponse(f"{API}?skip={offset}", body=body, encoding="utf-8")


def outputs(
    made: JsonApiSpider, response: TextResponse, offset: int
) -> tuple[list[str], list[str]]:
    """(entry requests, list page requests) the page leads to."""
    found = [out for out in made.parse_list(response, offset) if isinstance(out, Request)]
    pages = [out.url for out in found if out.callback == made.parse_list]
    return [out.url for out in found if out.url not in pages], pages


def test_a_first_run_reads_its_pages_then_stops() -> None:
    made = spider()
    entries, pages = outputs(made, page(0, ["2026-01-02", "2026-01-01"]), 0)
    assert (len(entries), pages) == (2, [f"{API}?skip=2"])
    assert outputs(made, page(2, ["2026-01-01", "2026-01-01"]), 2)[1] == []  # first_run_pages


def test_paging_stops_at_a_page_wholly_at_or_before_the_watermark() -> None:
    made = spider(since="2026-01-02T00:00:00+00:00")
    entries, pages = outputs(made, page(0, ["2026-01-01", "2026-01-03"]), 0)
    assert (entries, pages) == ([f"{API}/0-1"], [f"{API}?skip=2"])  # order not trusted
    assert outputs(made, page(2, ["2026-01-01", "2026-01-02"]), 2) == ([], [])


def test_a_trusted_order_stops_at_the_first_older_entry() -> None:
    class Trusted(PagedSpider):
        order_trusted = True

    made = spider(Trusted, since="2026-01-02T00:00:00+00:00")
    assert outputs(made, page(0, ["2026-01-03", "2026-01-01"]), 0) == ([f"{API}/0-0"], [])


def test_a_short_page_or_the_total_ends_the_listing() -> None:
    made = spider(since=datetime(2025, 1, 1, tzinfo=UTC).isoformat())
    assert outputs(made, page(0, ["2026-01-03"]), 0)[1] == []
    assert outputs(made, page(0, ["2026-01-03", "2026-01-03"], total=2), 0)[1] == []
    assert outputs(made, page(0, ["2026-01-03", "2026-01-03"], total=3), 0)[1] == [f"{API}?skip=2"]
