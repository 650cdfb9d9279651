"""Turns an exception raised by a spider callback into a counted, logged, skipped page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError as ScrapyHttpError

from crawlers.errors import HttpError, SourceError, report


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
