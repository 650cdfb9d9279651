"""Validate each record, then store it: one commit per item, so a failure loses only itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from crawlers.base.source import SourceSpider
from crawlers.errors import LayoutChanged, SourceError, error_count, report
from models.db import make_engine
from models.records import DocumentRecord
from models.sources import Source
from models.store import advance_watermark, ensure_source, upsert_document

REQUIRED_FIELDS = ("source", "external_id", "kind", "jurisdiction", "title")


def source_row(session: Session, spider: SourceSpider | type[SourceSpider]) -> Source:
    """The spider's Source row, created or refreshed from its class attributes."""
    return ensure_source(
        session,
        slug=spider.name,
        jurisdiction=spider.jurisdiction,
        kind=spider.kind,
        name=spider.title,
        verified=spider.verified,
        interval_s=spider.interval_s,
    )


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> DocumentRecord:
        slug = self.crawler.spider.name if self.crawler.spider else "?"
        if not isinstance(item, DocumentRecord):
            raise self._drop(SourceError(slug, "", f"not a DocumentRecord: {type(item).__name__}"))
        missing = [name for name in REQUIRED_FIELDS if not str(getattr(item, name)).strip()]
        if missing:
            cause = f"required field(s) empty: {', '.join(missing)}"
            raise self._drop(LayoutChanged(slug, item.source_url or item.url, cause))
        return item

    def _drop(self, error: SourceError) -> DropItem:
        report(self.crawler, error)
        return DropItem(str(error))


class StorePipeline:
    """Upserts each record (Change rows come from models.store) and moves the watermark."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.engine = make_engine(crawler.settings.get("FIVEWATCH_DATABASE_URL"))
        self.newest: str | None = None
        self.source_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def spider(self) -> SourceSpider:
        spider = self.crawler.spider
        assert isinstance(spider, SourceSpider)
        return spider

    def open_spider(self) -> None:
        """Refresh the Source row once per run; items then only look it up by id."""
        with Session(self.engine) as session:
            self.source_id = source_row(session, self.spider).id
            session.commit()

    def process_item(self, item: DocumentRecord) -> DocumentRecord:
        try:
            self._store(item)
        except Exception as error:  # one bad item must not stop the run or undo the others
            failure = SourceError(
                item.source, item.source_url or item.url, f"not stored: {error!r}"
            )
            report(self.crawler, failure)
            raise DropItem(str(failure)) from error
        self._track(item)
        return item

    def _store(self, item: DocumentRecord) -> None:
        with Session(self.engine) as session:
            source = session.get_one(Source, self.source_id)
            outcome = upsert_document(session, source, item, datetime.now(UTC))
            session.commit()
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
        """Advance the watermark only after a clean run, else failed items are skipped forever."""
        if error_count(self.crawler) == 0 and self.newest:
            with Session(self.engine) as session:
                advance_watermark(source_row(session, self.spider), self.newest)
                session.commit()
        self.engine.dispose()
