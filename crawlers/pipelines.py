"""Validate each record, then store it: in batches, yet a failure loses only itself.

Records are written STORE_BATCH at a time in one transaction (a commit per record cost more
than everything else a crawl does). If any record of a batch fails, the batch is rolled back
and written again one record per transaction, so the failing record is reported (source, URL,
cause; counted as a run error, which holds the watermark back) and the others are kept.
Committed records are announced with the `records_stored` signal (crawlers.signals), with the
documents written for them (read by statement linking, never read again). The engine and the
Source row are the crawl's shared ones (crawlers.storage).

A bill's text versions (`TextVersionRecord`) are queued beside the records and written after
them, in stage order, each in its own transaction: its bill is then stored, and one bad text
costs only itself.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from crawlers.errors import LayoutChanged, SourceError, report, run_complete
from crawlers.signals import records_stored
from crawlers.storage import CrawlStorage
from models.billtext import TextVersionRecord, stage_order
from models.records import DocumentRecord
from models.store import UpsertOutcome, advance_watermark, upsert_documents
from models.texts import UnknownBill, store_text, version_name

REQUIRED_FIELDS = ("source", "external_id", "kind", "jurisdiction", "title")
REQUIRED_TEXT_FIELDS = ("source", "bill_external_id", "code", "url")
UNMAPPED_STAT = "source/unmapped_stages"  # events whose stage no map knows, this run
UNMAPPED_NAMES_STAT = "source/unmapped_stage_names"  # which stages, at most MAX_UNMAPPED_NAMES
MAX_UNMAPPED_NAMES = 20
STORE_BATCH = 100
logger = logging.getLogger(__name__)
STORE_FAILED_STAT = "store/failed"
TEXTS_NEW_STAT = "store/texts_new"
TEXTS_SEEN_STAT = "store/texts_seen"
Item = DocumentRecord | TextVersionRecord


def bill_and_stage(text: TextVersionRecord) -> tuple[Any, ...]:
    return (text.bill_external_id, *stage_order(text.code, text.issued_on))


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Item:
        slug = self.crawler.spider.name if self.crawler.spider else "?"
        if isinstance(item, TextVersionRecord):
            self._require(item, REQUIRED_TEXT_FIELDS, slug, item.url)
            return item
        if not isinstance(item, DocumentRecord):
            raise self._drop(SourceError(slug, "", f"not a DocumentRecord: {type(item).__name__}"))
        self._require(item, REQUIRED_FIELDS, slug, item.source_url or item.url)
        self._count_unmapped(item)
        return item

    def _require(self, item: Item, fields: tuple[str, ...], slug: str, url: str) -> None:
        missing = [name for name in fields if not str(getattr(item, name)).strip()]
        if missing:
            cause = f"required field(s) empty: {', '.join(missing)}"
            raise self._drop(LayoutChanged(slug, url, cause))

    def _count_unmapped(self, item: DocumentRecord) -> None:
        """Stages no map knows are kept as stated, and counted and named: never silent."""
        unmapped = [event.stage for event in item.events if event.unmapped]
        if not unmapped:
            return
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(UNMAPPED_STAT, len(unmapped))
        names: list[str] = list(stats.get_value(UNMAPPED_NAMES_STAT, []))
        for stage in dict.fromkeys(unmapped):
            if stage not in names and len(names) < MAX_UNMAPPED_NAMES:
                names.append(stage)
                logger.warning(
                    "%s %s: stage %r is in no stage map: stored as stated, no category",
                    item.source,
                    item.reference or item.external_id,
                    stage,
                )
        stats.set_value(UNMAPPED_NAMES_STAT, names)

    def _drop(self, error: SourceError) -> DropItem:
        report(self.crawler, error)
        return DropItem(str(error))


class StorePipeline:
    """Upserts records in batches (Change rows come from models.store); moves the watermark."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.storage = CrawlStorage.of(crawler)
        self.pending: list[DocumentRecord] = []
        self.pending_texts: list[TextVersionRecord] = []
        self.newest: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        """The Source row is refreshed from the spider's class as the run starts."""
        self.storage.source()

    def process_item(self, item: Item) -> Item:
        if isinstance(item, TextVersionRecord):
            self.pending_texts.append(item)
        else:
            self.pending.append(item)
        if len(self.pending) + len(self.pending_texts) >= STORE_BATCH:
            self.flush()
        return item

    def flush(self) -> None:
        """Write the pending records, then the pending texts (their bills are then stored)."""
        self._flush_documents()
        texts, self.pending_texts = self.pending_texts, []
        # Stage order, not download order: versions fetched together are stored as published.
        for text in sorted(texts, key=bill_and_stage):
            self._write_text(text)

    def _flush_documents(self) -> None:
        """Write the pending records: all in one transaction, else one by one."""
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            outcomes = self._write(batch)
        except Exception:  # which record failed is found by writing them one at a time
            outcomes = [outcome for item in batch for outcome in self._write_alone(item)]
        for item, outcome in outcomes:
            self._count(outcome)
            self._track(item)
        documents = [outcome.document for _, outcome in outcomes]
        self.crawler.signals.send_catch_log(signal=records_stored, documents=documents)

    def _write(self, batch: list[DocumentRecord]) -> list[tuple[DocumentRecord, UpsertOutcome]]:
        """The batch written in one transaction; its documents stay readable after it (detached,
        as committed) for whoever links them."""
        now = datetime.now(UTC)
        with Session(self.storage.engine, expire_on_commit=False) as session:
            source = self.storage.source_in(session)
            outcomes = list(zip(batch, upsert_documents(session, source, batch, now), strict=True))
            session.commit()
        return outcomes

    def _write_alone(self, item: DocumentRecord) -> list[tuple[DocumentRecord, UpsertOutcome]]:
        try:
            return self._write([item])
        except Exception as error:  # one bad item must not stop the run or undo the others
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value(STORE_FAILED_STAT)
            url = item.source_url or item.url
            cause = f"record {item.external_id} not stored: {error!r}"
            report(self.crawler, SourceError(item.source, url, cause))
            return []

    def _write_text(self, text: TextVersionRecord) -> None:
        stats = self.crawler.stats
        assert stats is not None
        try:
            with self.storage.session() as session:
                created = store_text(session, text, datetime.now(UTC)).created
                session.commit()
        except Exception as error:  # one bad text must not stop the run or undo the others
            stats.inc_value(STORE_FAILED_STAT)
            cause = (
                str(error) if isinstance(error, UnknownBill) else f"{version_name(text)}: {error!r}"
            )
            report(self.crawler, SourceError(text.source, text.url, cause))
            return
        stats.inc_value(TEXTS_NEW_STAT if created else TEXTS_SEEN_STAT)

    def _count(self, outcome: UpsertOutcome) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("store/documents_new" if outcome.created else "store/documents_seen")
        if not outcome.created and outcome.new_version:
            stats.inc_value("store/documents_updated")
        stats.inc_value("store/events_new", outcome.new_events if not outcome.created else 0)

    def _track(self, item: DocumentRecord) -> None:
        if item.source_updated_at is not None:
            stamp = item.source_updated_at.astimezone(UTC).isoformat()
            self.newest = max(self.newest or stamp, stamp)

    def close_spider(self) -> None:
        """Store what is pending, whatever ended the run: what was read is kept."""
        self.flush()

    def spider_closed(self, reason: str) -> None:
        """Advance the watermark only after a complete, clean run (`run_complete`; the close
        reason is known only here): else the items never stored would be skipped forever."""
        if run_complete(self.crawler, reason) and self.newest:
            with self.storage.session() as session:
                source = self.storage.source_in(session)
                session.refresh(source, ["watermark"])  # another run may have moved it since
                advance_watermark(source, self.newest)
                session.commit()
