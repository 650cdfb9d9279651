"""CrawlStorage: a crawl's one database engine and its one load of the Source row.

The store pipeline, the run extension and statement linking all write for the same source
during the same crawl. They share this component (`CrawlStorage.of(crawler)`, made by whichever
asks first) instead of each opening an engine and reloading the Source row: the row is read
(created or refreshed from the spider's class) once, kept detached, and merged into each
session without another SELECT (`source_in`). The engine is disposed when the Scrapy engine
stops, after every `spider_closed` handler (the run row, the watermark, the feed validators).
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy.orm import Session

from crawlers.spider_base.source import SourceSpider
from models.db import make_engine
from models.sources import Source
from models.store import ensure_source

DATABASE_URL_SETTING = "FIVEWATCH_DATABASE_URL"
CRAWLER_ATTRIBUTE = "fivewatch_storage"  # where the crawler holds its CrawlStorage


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


class CrawlStorage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.engine = make_engine(crawler.settings.get(DATABASE_URL_SETTING))
        self._source: Source | None = None

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlStorage:
        """The crawler's storage, made on the first call."""
        storage: CrawlStorage | None = getattr(crawler, CRAWLER_ATTRIBUTE, None)
        if storage is None:
            storage = cls(crawler)
            setattr(crawler, CRAWLER_ATTRIBUTE, storage)
            crawler.signals.connect(storage.close, signal=signals.engine_stopped)
        return storage

    def session(self) -> Session:
        return Session(self.engine)

    def source(self) -> Source:
        """The spider's Source row (detached), loaded on the first call: the crawl's one load."""
        if self._source is None:
            spider = self.crawler.spider
            assert isinstance(spider, SourceSpider)
            with Session(self.engine, expire_on_commit=False) as session:
                self._source = source_row(session, spider)
                session.commit()
        return self._source

    def source_in(self, session: Session) -> Source:
        """The Source row as part of `session`, without reading it again."""
        return session.merge(self.source(), load=False)

    def close(self) -> None:
        self.engine.dispose()
