"""CrawlRunExtension: one CrawlRun row per source run, with its status and reason.

The source's verdict is models.health's alone, judged when read from these rows. A run stopped
before its end (SIGTERM/SIGINT: "shutdown", "cancelled", a CloseSpider) is "stopped", never
"ok": its progress was not saved (crawlers.errors.run_complete) and the source's reason is left
as it was. A run whose process died (kill -9) cannot close its row: it
stays "running" until the source's next run starts, which marks it "abandoned".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers.errors import (
    ERROR_LINES_STAT,
    ERRORS_STAT,
    FINISHED,
    WARNING_LINES_STAT,
    WARNINGS_STAT,
)
from crawlers.pipelines import STORE_FAILED_STAT, UNMAPPED_NAMES_STAT, UNMAPPED_STAT
from crawlers.spider_base.feed import DATE_UNREADABLE_STAT, PAGE_NOT_REQUESTED_STAT
from crawlers.spider_base.source import ENTRIES_SEEN_STAT, SourceSpider
from crawlers.storage import CrawlStorage
from models.documents import Document
from models.health import BOZO_FEEDS_STAT, produced
from models.sources import CrawlRun, Source

KEPT_STATS = (
    "downloader/request_count",
    "downloader/response_count",
    "downloader/response_status_count/200",
    "item_scraped_count",
    "item_dropped_count",
    STORE_FAILED_STAT,
    "replay/hit",
    "replay/miss",
    "replay/gap",
    "retry/count",
    ENTRIES_SEEN_STAT,
    ERRORS_STAT,
    UNMAPPED_STAT,
    UNMAPPED_NAMES_STAT,
    WARNINGS_STAT,
    WARNING_LINES_STAT,
    PAGE_NOT_REQUESTED_STAT,
    DATE_UNREADABLE_STAT,
    BOZO_FEEDS_STAT,
    "finish_reason",
)


RUNNING = "running"  # CrawlRun.status until the run closes
STOPPED = "stopped"
ABANDONED = "abandoned"


@dataclass(frozen=True)
class Verdict:
    status: str  # ok | empty | errors | failed | stopped
    reason: str


def verdict(
    run: CrawlRun, previous: CrawlRun | None, may_be_empty: bool, reason: str = FINISHED
) -> Verdict:
    """How one run went. `may_be_empty`: a run with nothing is normal for this source now
    (the spider says so and the source has stored documents before)."""
    got = produced(run)
    if run.error_count and not run.items_scraped:
        # Entries listed but none stored is no success: the errors cost everything.
        what = "nothing collected" if not got else f"{got} entries listed, none stored"
        return Verdict("failed", f"{run.error_count} error(s) and {what}")
    if reason != FINISHED and not run.error_count:
        return Verdict(STOPPED, f"stopped before its end ({reason}); progress not saved")
    if run.error_count:
        return Verdict("errors", f"{run.error_count} error(s); see crawl run {run.id}")
    if not got and not may_be_empty:
        # Never "ok": a second empty run would set last_success_at and turn a dead source green.
        return Verdict("empty", _empty_reason(previous))
    return Verdict("ok", "")


def _empty_reason(previous: CrawlRun | None) -> str:
    if previous is not None and produced(previous):
        return f"empty: no items where run {previous.id} had {produced(previous)}"
    return "empty: no items" + (f", nor in run {previous.id}" if previous else " on a first run")


class CrawlRunExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.storage = CrawlStorage.of(crawler)
        self.run_id: int | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: SourceSpider) -> None:
        self.started = time.monotonic()
        with self.storage.session() as session:
            source = self.storage.source_in(session)
            abandon_runs(session, source)
            run = CrawlRun(source=source, started_at=datetime.now(UTC))
            session.add(run)
            session.commit()
            self.run_id = run.id

    def spider_closed(self, spider: SourceSpider, reason: str) -> None:
        with self.storage.session() as session:
            run = session.get_one(CrawlRun, self.run_id)
            source = self.storage.source_in(session)
            self._fill(run, self.crawler.stats.get_stats() if self.crawler.stats else {})
            previous = self._previous(session, run)
            quiet_is_normal = spider.may_be_empty and _stored_before(session, source)
            apply_verdict(run, source, verdict(run, previous, quiet_is_normal, reason))
            session.commit()

    def _fill(self, run: CrawlRun, stats: dict[str, Any]) -> None:
        run.finished_at = datetime.now(UTC)
        run.duration_s = round(time.monotonic() - self.started, 3)
        # A record that passed the pipelines but failed in its batch's write was not kept.
        store_failed = int(stats.get(STORE_FAILED_STAT, 0))
        run.items_scraped = int(stats.get("item_scraped_count", 0)) - store_failed
        run.items_dropped = int(stats.get("item_dropped_count", 0)) + store_failed
        run.documents_new = int(stats.get("store/documents_new", 0))
        run.documents_updated = int(stats.get("store/documents_updated", 0))
        run.events_new = int(stats.get("store/events_new", 0))
        run.requests = int(stats.get("downloader/request_count", 0))
        run.replay_misses = int(stats.get("replay/miss", 0))
        run.error_count = int(stats.get(ERRORS_STAT, 0))
        run.errors = list(stats.get(ERROR_LINES_STAT, []))
        run.stats = {key: stats[key] for key in KEPT_STATS if key in stats}

    def _previous(self, session: Session, run: CrawlRun) -> CrawlRun | None:
        query = (
            select(CrawlRun)
            .where(CrawlRun.source_id == run.source_id, CrawlRun.id < run.id)
            .where(CrawlRun.finished_at.is_not(None))
            .order_by(CrawlRun.id.desc())
        )
        return session.scalars(query).first()


def apply_verdict(run: CrawlRun, source: Source, judged: Verdict) -> None:
    """Record how the run went; only an "ok" run is a success (an empty one never is)."""
    run.status = judged.status
    source.last_run_at = run.finished_at
    if judged.status == "ok":
        source.last_success_at = run.finished_at
    if judged.status != STOPPED:  # a stop says nothing of the source
        source.health_reason = judged.reason[:500]


def _stored_before(session: Session, source: Source) -> bool:
    stored = select(Document.id).where(Document.source_id == source.id).limit(1)
    return session.scalar(stored) is not None


def abandon_runs(session: Session, source: Source) -> None:
    """Runs of `source` still "running" as a new one starts: their process died (kill -9, a
    crash) before closing them. They saved no progress; they must not look under way."""
    left = select(CrawlRun).where(CrawlRun.source_id == source.id, CrawlRun.status == RUNNING)
    for run in session.scalars(left):
        run.status = ABANDONED
        run.errors = [*run.errors, "the crawl process ended without closing its run (killed?)"]
