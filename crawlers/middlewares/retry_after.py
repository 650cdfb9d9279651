"""Honour Retry-After on 429/503 (DESIGN §10): wait before the next request to that domain.

Sits closer to the downloader than RetryMiddleware (which re-schedules the request), so it sees
the 429/503 first; the wait is per domain and capped (RETRY_AFTER_MAX seconds).
"""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

THROTTLED = frozenset({429, 503})


def retry_after_seconds(value: str, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta seconds or an HTTP date)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


class RetryAfterMiddleware:
    def __init__(self, cap_s: float) -> None:
        self.cap_s = cap_s
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getfloat("RETRY_AFTER_MAX", 300.0))

    async def process_request(self, request: Request) -> None:
        wait = self.not_before.get(urlsplit(request.url).netloc, 0.0) - time.time()
        if wait > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Response:
        header = response.headers.get("Retry-After")
        if response.status in THROTTLED and header:
            now = time.time()
            seconds = retry_after_seconds(header.decode("latin-1"), now)
            if seconds is not None:
                domain = urlsplit(request.url).netloc
                self.not_before[domain] = now + min(seconds, self.cap_s)
        return response
