"""us-congress-bills: US bills and their actions from the Congress.gov API v3.

- API: https://api.congress.gov/v3/bill (docs: github.com/LibraryOfCongress/api.congress.gov).
- Key: api.data.gov key from the CONGRESS_API_KEY setting (DEMO_KEY by default), sent in the
  `X-Api-Key` header (api.data.gov developer manual) rather than as `api_key=`: a header never
  reaches a logged URL, a cassette, `response.url` or an item, and `pagination.next` links need
  nothing re-appended.
- Incremental: `sort=updateDate+desc` with a LITERAL `+` (the recorded `%2B` request came back
  ascending) and `fromDateTime` = the watermark; paging follows `pagination.next`. Without a
  watermark (first run) the window is FIRST_RUN_DAYS before the newest update listed.
- Per changed bill: detail, then /actions, /summaries, /text, /subjects, every page of each.
  A part that fails (a declared gap, an error) is skipped; the bill is still stored from what
  arrived, and from the list entry alone when even the detail fails.
- Rate limit: 5,000 requests an hour per key (DEMO_KEY: 30), announced in x-ratelimit-limit /
  -remaining. Requests are spaced to the hourly limit and the run stops, as an error so the
  watermark stays put, when fewer than RATE_RESERVE remain. 429s: the Retry-After middleware.
- Licence: bill data is public domain (17 U.S.C. 105). History: 2026-11: first version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.spiders.us_common import (
    WASHINGTON,
    BillId,
    BillParts,
    Data,
    bill_id,
    parse_instant,
)

API = "https://api.congress.gov/v3"
PAGE_SIZE = 250  # the API's maximum `limit`
HOURLY_LIMIT = 5000
RATE_RESERVE = 10
FIRST_RUN_DAYS = 7
# Sub-resources fetched for every changed bill: path -> key of the records in its body.
PARTS = {
    "actions": "actions",
    "summaries": "summaries",
    "text": "textVersions",
    "subjects": "subjects",
}


def list_url(since: datetime | None) -> str:
    """The first list page, newest updates first, from the watermark on."""
    url = f"{API}/bill?format=json&sort=updateDate+desc"
    if since is not None:
        url += f"&fromDateTime={since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    return f"{url}&offset=0&limit={PAGE_SIZE}"


def bill_url(bid: BillId, part: str = "") -> str:
    """The detail URL, or one of its PARTS with the largest page size."""
    base = f"{API}/bill/{bid.congress}/{bid.type}/{bid.number}"
    return f"{base}/{part}?format=json&limit={PAGE_SIZE}" if part else f"{base}?format=json"


def body_data(body: bytes, key: str) -> dict[str, Any]:
    """A JSON body holding `key`; ValueError when not JSON, KeyError when the layout changed."""
    data = json.loads(body)
    if not isinstance(data, dict) or key not in data:
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise KeyError(f"no {key!r} in the body (found {found})")
    return data


def next_page(data: Data) -> str | None:
    return (data.get("pagination") or {}).get("next") or None


def parse_bills_arg(bills: str) -> list[BillId]:
    """`-a bills=117/hr/1,119/s/1748`: refresh these bills instead of walking the list."""
    found = []
    for entry in filter(None, (part.strip() for part in bills.split(","))):
        congress, kind, number = entry.lower().split("/")
        found.append(bill_id({"congress": congress, "type": kind, "number": number}))
    return found


def listed_on_or_after(entry: Data, floor: datetime | None) -> bool:
    """List entries carry a bare update date: compare Washington dates, not instants."""
    updated = parse_instant(entry.get("updateDate"))
    if floor is None or updated is None:
        return True
    return updated.astimezone(WASHINGTON).date() >= floor.astimezone(WASHINGTON).date()


def first_run_floor(entries: list[Data]) -> datetime | None:
    stamps = [stamp for e in entries if (stamp := parse_instant(e.get("updateDate")))]
    return max(stamps) - timedelta(days=FIRST_RUN_DAYS) if stamps else None


@dataclass
class Fetch:
    """One bill on its way through the API: what arrived so far, and the parts still to get."""

    bid: BillId
    parts: BillParts
    todo: list[str] = field(default_factory=lambda: list(PARTS))
