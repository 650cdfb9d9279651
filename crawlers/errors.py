"""Source errors: every failure names the source, the URL and the cause, in one line."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

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


class AlreadyReported(IgnoreRequest):
    """A request a middleware refused and reported (`report`): its errback counts it no more."""


SHOWN_CHARACTERS = 160  # of a link or an id in a log line


def shorten(text: str) -> str:
    """`text`, cut for a log line (a hostile link may be thousands of characters long)."""
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"


ERRORS_STAT = "source/errors"
ERROR_LINES_STAT = "source/error_lines"
WARNINGS_STAT = "source/warnings"
WARNING_LINES_STAT = "source/warning_lines"


def report(crawler: Crawler, error: SourceError) -> None:
    """Log one line naming source, URL and cause; count it and keep it (capped) for the run."""
    logging.getLogger(f"crawlers.{error.source}").error("%s", error)
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(ERRORS_STAT)
    stats.inc_value(f"source/errors/{type(error).__name__}")
    _keep_line(crawler, ERROR_LINES_STAT, f"{type(error).__name__}: {error}")


def warn(crawler: Crawler, problem: SourceError, stat: str) -> None:
    """A problem the run worked around (the record kept, in part): one WARNING line naming
    source, URL and cause, counted under `stat` and kept (capped) in the run. Not an error: it
    holds nothing back."""
    logging.getLogger(f"crawlers.{problem.source}").warning("%s", problem)
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(WARNINGS_STAT)
    stats.inc_value(stat)
    _keep_line(crawler, WARNING_LINES_STAT, str(problem))


def _keep_line(crawler: Crawler, stat: str, line: str) -> None:
    stats = crawler.stats
    assert stats is not None
    lines: list[str] = list(stats.get_value(stat, []))
    if len(lines) < crawler.settings.getint("FIVEWATCH_MAX_RUN_ERRORS", 50):
        stats.set_value(stat, [*lines, line])


def error_count(crawler: Crawler) -> int:
    assert crawler.stats is not None
    return int(crawler.stats.get_value(ERRORS_STAT, 0))


FINISHED = "finished"  # Scrapy's close reason for a crawl that ran out of requests


def run_complete(crawler: Crawler, reason: str) -> bool:
    """Whether a run may save its progress (watermark, feed validators): it ran to its end
    (not "shutdown" on SIGTERM/SIGINT, "cancelled", or a CloseSpider) and counted no error.
    Else the next run must fetch again, or what this one never stored is skipped for good."""
    return reason == FINISHED and error_count(crawler) == 0
