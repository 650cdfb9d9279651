"""Pure pieces of the Congress.gov API v3 walk used by `congress_bills`: URLs, bodies, pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.spiders.us.bill_mapping import (
    FIRST_RUN_DAYS,
    WASHINGTON,
    BillId,
    BillParts,
    Data,
    items,
    parse_instant,
    subject_names,
)

API = "https://api.congress.gov/v3"
PAGE_SIZE = 250  # the API's maximum `limit`
HOURLY_LIMIT = 5000
RATE_RESERVE = 10  # stop while this many requests of the hour are left
DEFAULT_KEY = "DEMO_KEY"
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


def next_page(data: Data) -> str | None:
    return (data.get("pagination") or {}).get("next") or None


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
class Listed:
    """A bill's entry in the list, and the list page it came from."""

    entry: Data
    source_url: str


@dataclass
class Fetch:
    """One bill on its way through the API: what arrived so far, and the parts still to get."""

    bid: BillId
    parts: BillParts
    source_url: str  # the detail response
    todo: list[str] = field(default_factory=lambda: list(PARTS))


def add_part(parts: BillParts, part: str, records: Any) -> None:
    """File one page of a sub-resource's records into the bill."""
    if part == "subjects":
        parts.subjects.extend(subject_names(records))
    else:
        {"actions": parts.actions, "summaries": parts.summaries, "text": parts.text_versions}[
            part
        ].extend(items(records))
