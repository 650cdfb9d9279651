"""Source errors: every failure names the source, the URL and the cause, in one line."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class SourceError(Exception):
    """Something a source sent (or failed to send) that we could not use."""

    def __init__(self, source: str, url: str, cause: str) -> None:
        super().__init__(f"{source} {url}: {cause}")
        self.source = source
        self.url = url
        self.cause = cause


class ParseError(SourceError):
    """The body could not be read at all (not JSON, not a feed)."""


class LayoutChanged(SourceError):
    """The body was readable but not of the shape we know (key or field missing)."""


class HttpError(SourceError):
    """The source answered with an error status or page."""


ERRORS_STAT = "source/errors"
ERROR_LINES_STAT = "source/error_lines"


def report(crawler: Crawler, error: SourceError) -> None:
    """Log one line naming source, URL and cause; count it and keep it (capped) for the run."""
    logging.getLogger(f"crawlers.{error.source}").error("%s", error)
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(ERRORS_STAT)
    stats.inc_value(f"source/errors/{type(error).__name__}")
    lines: list[str] = list(stats.get_value(ERROR_LINES_STAT, []))
    if len(lines) < crawler.settings.getint("FIVEWATCH_MAX_RUN_ERRORS", 50):
        stats.set_value(ERROR_LINES_STAT, [*lines, f"{type(error).__name__}: {error}"])


def error_count(crawler: Crawler) -> int:
    assert crawler.stats is not None
    return int(crawler.stats.get_value(ERRORS_STAT, 0))
