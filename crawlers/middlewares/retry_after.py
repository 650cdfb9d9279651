"""Honour Retry-After on 429/503 (DESIGN §10): wait before the next request to that domain.

Sits closer to the downloader than RetryMiddleware (which re-schedules the request), so it sees
the 429/503 first; the wait is per domain. A wait longer than RETRY_AFTER_MAX seconds (a
replayed or hostile `Retry-After: 999999999`) is not slept through: the source is stopped for
this run with an error naming it and the header, and the request fails as already reported.
"""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from crawlers.errors import AlreadyReported, SourceError, report, shorten

THROTTLED = frozenset({429, 503})
STOP_REASON = "retry_after_too_long"


class RetryAfterTooLong(AlreadyReported):
    """The source asked for a wait over RETRY_AFTER_MAX: reported once, the source stopped."""


def retry_after_seconds(value: str, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta seconds or an HTTP date)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, OverflowError):
        return None


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, cap_s: float) -> None:
        self.crawler = crawler
        self.cap_s = cap_s
        self.not_before: dict[str, float] = {}
        self.closing: Any = None  # the engine's close, once a source asked too much

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getfloat("RETRY_AFTER_MAX", 3600.0))

    async def process_request(self, request: Request) -> None:
        wait = self.not_before.get(urlsplit(request.url).netloc, 0.0) - time.time()
        if wait > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Response:
        header = response.headers.get("Retry-After")
        if response.status not in THROTTLED or not header:
            return response
        now = time.time()
        value = header.decode("latin-1")
        seconds = retry_after_seconds(value, now)
        if seconds is not None and seconds > self.cap_s:
            self.stop(request, value, seconds)
        if seconds is not None:
            self.not_before[urlsplit(request.url).netloc] = now + seconds
        return response

    def stop(self, request: Request, value: str, seconds: float) -> None:
        """Report the source and close the spider rather than sleep `seconds`."""
        crawler = self.crawler
        assert crawler.engine is not None
        slug = crawler.spider.name if crawler.spider is not None else "?"
        cause = (
            f"Retry-After {shorten(value)!r} asks for {seconds:.0f} s, over RETRY_AFTER_MAX "
            f"{self.cap_s:.0f} s: source stopped for this run"
        )
        report(crawler, SourceError(slug, request.url, cause))
        if self.closing is None:
            self.closing = deferred_from_coro(crawler.engine.close_spider_async(reason=STOP_REASON))
        raise RetryAfterTooLong(cause)
