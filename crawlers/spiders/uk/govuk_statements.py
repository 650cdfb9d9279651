"""uk-govuk-statements: Home Office and DSIT news and speeches from the GOV.UK search API.

- https://www.gov.uk/api/search.json (alphagov/search-api docs): filter_organisations (twice),
  the "news_and_communications" content purpose supergroup (news, speeches, statements),
  order=-public_timestamp and, with a watermark,
  filter_public_timestamp=from:<watermark date> (UTC, inclusive: the store ignores repeats).
  Paging with start/count (JsonApiSpider) until a page comes back short; the date filter is
  the watermark, so every listed result counts as fresh. Unknown parameters give HTTP 422.
- One statement per result: id = the link path, url = https://www.gov.uk + link, summary =
  description, dates from public_timestamp (zone-aware), sponsor = the organisations' titles.
- Licence: Open Government Licence v3.0 (not confirmed). History: 2026-11: first version.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from scrapy.http import Response

from crawlers.errors import LayoutChanged
from crawlers.spider_base.json_api import JsonApiSpider, parse_local
from models.records import STATEMENT, DocumentRecord

API = "https://www.gov.uk/api/search.json"
SITE = "https://www.gov.uk"
ORGANISATIONS = ("home-office", "department-for-science-innovation-and-technology")
FIELDS = ("title", "description", "link", "public_timestamp", "organisations", "format")
PAGE_SIZE = 50


def search_url(since: datetime | None, start: int = 0) -> str:
    params: list[tuple[str, str]] = [("filter_organisations", org) for org in ORGANISATIONS]
    params.append(("filter_content_purpose_supergroup", "news_and_communications"))
    params.append(("order", "-public_timestamp"))
    if since is not None:
        params.append(("filter_public_timestamp", f"from:{since.astimezone(UTC):%Y-%m-%d}"))
    params += [("fields", field) for field in FIELDS]
    params += [("count", str(PAGE_SIZE)), ("start", str(start))]
    return f"{API}?{urlencode(params)}"


def statement_record(result: dict[str, Any], *, source_url: str) -> DocumentRecord:
    published = parse_local(str(result["public_timestamp"]), ZoneInfo("UTC"))
    organisations = [str(org.get("title") or "") for org in result.get("organisations") or []]
    return DocumentRecord(
        source="uk-govuk-statements",
        external_id=str(result["link"]),
        kind=STATEMENT,
        jurisdiction="uk",
        title=str(result["title"]),
        url=SITE + str(result["link"]),
        summary=str(result.get("description") or ""),
        published_on=published.astimezone(ZoneInfo("Europe/London")).date(),
        source_updated_at=published.astimezone(UTC),
        sponsor=", ".join(name for name in organisations if name),
        language="en",
        extra={"format": result.get("format") or ""},
        source_url=source_url,
        fetched_at=datetime.now(UTC),
    )


class UkGovukStatementsSpider(JsonApiSpider):
    name = "uk-govuk-statements"
    title = "GOV.UK search: Home Office and DSIT news"
    jurisdiction = "uk"
    kind = "statements"
    interval_s = 3600
    allowed_domains: ClassVar[list[str]] = ["www.gov.uk"]

    entries_key = "results"
    total_key = "total"
    page_size = PAGE_SIZE

    def page_url(self, offset: int) -> str:
        return search_url(self.since_datetime(), offset)

    def follow_entry(self, entry: Any, response: Response) -> Iterator[DocumentRecord]:
        try:
            yield statement_record(entry, source_url=response.url)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            self.fail(
                response.url, f"result unreadable ({type(error).__name__}: {error})", LayoutChanged
            )
