"""uk-written-statements: UK Parliament written ministerial statements API.

UNVERIFIED (verified = False): no real response of this API has been saved anywhere we could
find; the field names come from client libraries (sources.md §2). Live-only: the demo cassette
declares its URLs as gaps. Confirm with `fivewatch crawl --record` before trusting it.
- List: https://questions-statements-api.parliament.uk/api/writtenstatements/statements with
  `madeWhenFrom=YYYY-MM-DD`, `skip`, `take`, `expandMember=true`; the list truncates `text` to
  about 255 characters, so each statement is fetched in full:
  /api/writtenstatements/statements/{id}?expandMember=true.
- Shape (from clients): {totalResults, results: [{value: {id, uin, dateMade, title, text, house,
  memberRole, member: {name}, answeringBodyName, ...}, links}]}; a single statement is
  {value: {...}, links}. UINs (HCWS123) repeat across sessions: the key is `id`.
- Incremental: madeWhenFrom = the watermark's date minus LAG_DAYS (the API once lagged the site
  by a day, mySociety/parlparse#131), paging with skip (JsonApiSpider). Without a watermark
  (first run) only the first page without a date filter: a bounded first crawl, and a URL that
  does not depend on today's date (so a cassette can hold it).
- Dates without a zone are UK time (Europe/London). Licence: Open Parliament Licence.
  History: 2026-11: first version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response

from crawlers.errors import LayoutChanged, ParseError
from crawlers.html_text import html_text, safe_html, squash
from crawlers.spider_base.feed_entries import local_date, parse_date
from crawlers.spider_base.json_api import JsonApiSpider
from models.records import STATEMENT, DocumentRecord

API = "https://questions-statements-api.parliament.uk/api/writtenstatements/statements"
SITE = "https://questions-statements.parliament.uk/written-statements/detail"
PAGE_SIZE = 100
LAG_DAYS = 3
LONDON = ZoneInfo("Europe/London")


def list_url(made_from: date | None, skip: int = 0) -> str:
    since = f"madeWhenFrom={made_from:%Y-%m-%d}&" if made_from else ""
    return f"{API}?{since}skip={skip}&take={PAGE_SIZE}&expandMember=true"


def statement_url(statement_id: int | str) -> str:
    return f"{API}/{statement_id}?expandMember=true"


def first_day(since: datetime | None) -> date | None:
    """The first day to ask for: a few days before the watermark (None on a first run)."""
    if since is None:
        return None
    return since.astimezone(LONDON).date() - timedelta(days=LAG_DAYS)


def json_object(body: bytes, key: str) -> dict[str, Any]:
    """The JSON object holding `key`; ValueError if not JSON, KeyError if the shape changed."""
    data = json.loads(body)
    if not isinstance(data, dict) or key not in data:
        raise KeyError(f"no {key!r} in the body")
    return data


def statement_record(
    value: dict[str, Any], *, source_url: str, fetched_at: datetime
) -> DocumentRecord:
    """One statement from the API's `value` object."""
    made = parse_date(str(value.get("dateMade") or ""), LONDON)
    uin = squash(str(value.get("uin") or ""))
    return DocumentRecord(
        source="uk-written-statements",
        external_id=str(value["id"]),
        kind=STATEMENT,
        jurisdiction="uk",
        reference=uin,
        title=squash(str(value["title"])),
        url=f"{SITE}/{local_date(made, LONDON)}/{uin}" if made and uin else "",
        body_html=safe_html(str(value.get("text") or "")),
        body_text=html_text(str(value.get("text") or "")),
        published_on=local_date(made, LONDON),
        source_updated_at=made,
        chamber=str(value.get("house") or ""),
        sponsor=_sponsor(value),
        source_url=source_url,
        fetched_at=fetched_at,
    )


def _sponsor(value: dict[str, Any]) -> str:
    member = (value.get("member") or {}).get("name", "")
    parts = [member, value.get("memberRole") or "", value.get("answeringBodyName") or ""]
    return ", ".join(squash(str(part)) for part in parts if part)


class UkWrittenStatementsSpider(JsonApiSpider):
    name = "uk-written-statements"
    jurisdiction = "uk"
    kind = "statements"
    verified = False
    allowed_domains: ClassVar[list[str]] = ["questions-statements-api.parliament.uk"]
    interval_s = 3600

    entries_key = "results"
    total_key = "totalResults"
    page_size = PAGE_SIZE
    first_run_pages = 1  # no date filter without a watermark: the first page only

    def page_url(self, offset: int) -> str:
        return list_url(first_day(self.since_datetime()), offset)

    def page_entries(self, response: Response) -> tuple[dict[str, Any], list[Any]]:
        data = self.body(response, "results")
        return data, data["results"]

    def follow_entry(self, entry: Any, response: Response) -> Iterator[scrapy.Request]:
        yield self.api_request(statement_url(entry["value"]["id"]), self.parse_statement)

    def body(self, response: Response, key: str) -> dict[str, Any]:
        try:
            return json_object(response.body, key)
        except ValueError as error:
            raise ParseError(self.name, response.url, f"not JSON: {error}") from error
        except KeyError as error:
            raise LayoutChanged(self.name, response.url, str(error)) from error

    def parse_statement(self, response: Response) -> DocumentRecord:
        value = self.body(response, "value")["value"]
        try:
            return statement_record(value, source_url=response.url, fetched_at=datetime.now(UTC))
        except KeyError as error:
            raise LayoutChanged(self.name, response.url, f"missing {error}") from error
