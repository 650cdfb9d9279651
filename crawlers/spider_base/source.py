"""SourceSpider: what every FiveWatch spider declares and how it reports failures.

A spider is one source: its class attributes become the Source row (`models.store.ensure_source`).
`since` (spider argument) is the source's watermark as an ISO string, filled by the runner from
Source.watermark; None on a first run. Spiders never touch the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError as ScrapyHttpError
from twisted.python.failure import Failure

from crawlers.errors import AlreadyReported, HttpError, SourceError, report
from models.health import ENTRIES_SEEN_STAT
from models.vocabulary import SourceKind

__all__ = ["ENTRIES_SEEN_STAT", "SourceSpider"]


class SourceSpider(scrapy.Spider):
    allowed_domains: ClassVar[list[str]] = []  # every source declares its hosts (offsite filter)
    jurisdiction: str = ""
    kind: str = SourceKind.BILLS
    title: str = ""  # human name of the source; the slug (name) when empty
    interval_s: int = 3600
    verified: bool = True  # False: built from documentation, never checked on a real body
    may_be_empty: bool = False  # True: a run with nothing new is normal, not a warning sign

    def __init__(self, *args: Any, since: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.since: str | None = since or None

    def since_datetime(self) -> datetime | None:
        """The watermark as a datetime (None on a first run)."""
        return datetime.fromisoformat(self.since) if self.since else None

    def saw(self, count: int) -> None:
        """Count entries the source listed, changed or not: a run that lists none is 'empty'."""
        self.crawler.stats.inc_value(ENTRIES_SEEN_STAT, count)

    def fail(self, url: str, cause: str, error: type[SourceError] = SourceError) -> None:
        report(self.crawler, error(self.name, url, cause))

    def request_failed(self, failure: Failure) -> None:
        """Errback for a request with no fallback: the failure is counted once."""
        self.count_failure(failure)

    def count_failure(self, failure: Failure) -> bool:
        """Count a failed request once; True when a middleware that refused it has accounted
        for it already (a declared replay gap, counted and logged; a replay miss, reported)."""
        url = failure.request.url  # type: ignore[attr-defined]
        error = failure.value
        if isinstance(error, AlreadyReported):
            return True
        if isinstance(error, ScrapyHttpError):
            self.fail(url, f"HTTP {error.response.status}", HttpError)
        else:
            self.fail(url, f"{type(error).__name__}: {error}")
        return False
