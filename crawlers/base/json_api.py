"""Reading paginated JSON APIs sorted by an "updated" date that stop at the watermark."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scrapy.http import Response

from crawlers.errors import LayoutChanged, ParseError

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


def page_is_stale(updates: Iterable[datetime], since: datetime | None) -> bool:
    """True when every entry of a page is at or before the watermark: paging may stop.

    A page is judged whole (not by its first old entry) because a source's order cannot be
    trusted: the recorded Bills API page is sorted by title, not by date.
    """
    listed = list(updates)
    return since is not None and bool(listed) and not any(newer_than(u, since) for u in listed)
