"""Turns an exception raised by a spider callback into a counted, logged, skipped page; and a
link over URLLENGTH_LIMIT into a reported error (Scrapy drops it with an INFO line)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError as ScrapyHttpError
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware

from crawlers.errors import HttpError, SourceError, report, shorten


class SourceErrorMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> Iterable[Any] | None:
        if isinstance(exception, CloseSpider):
            return None  # a deliberate stop, not a broken page: Scrapy closes the spider
        report(self.crawler, self._as_source_error(response, exception))
        return []

    def _as_source_error(self, response: Response, exception: Exception) -> SourceError:
        if isinstance(exception, SourceError):
            return exception
        slug = self.crawler.spider.name if self.crawler.spider else "?"
        if isinstance(exception, ScrapyHttpError):
            return HttpError(slug, response.url, f"HTTP {response.status}")
        return SourceError(slug, response.url, f"{type(exception).__name__}: {exception}")


class ReportedUrlLengthMiddleware(UrlLengthMiddleware):
    """Scrapy's URLLENGTH_LIMIT, but a link it will not request is a run error naming the
    source, the link and where it was found: what it led to is lost, so the run must say so
    (and hold its watermark back). Feed spiders check their entries' links first and keep the
    entry (crawlers.spider_base.feed); this catches every other spider's."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if len(request.url) <= self.maxlength:
            return request
        slug = self.crawler.spider.name if self.crawler.spider else "?"
        found_on = f" (linked from {response.url})" if response is not None else ""
        cause = f"link of {len(request.url)} characters over URLLENGTH_LIMIT {self.maxlength}"
        report(
            self.crawler,
            SourceError(slug, shorten(request.url), f"{cause}: not requested{found_on}"),
        )
        return None
