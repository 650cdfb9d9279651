"""StatementLinksPipeline: after the store, link each statement and keep the feed validators.

FeedSpider adds it to the crawl. The store pipeline writes in batches, so linking waits for
its `records_stored` signal (the statements are then in the database). Per statement:
`models.links.link_statement` (bills it names, its other-language edition, its Five Country
Ministerial canonical copy). At open: the Source's
`http_state` goes to the spider, unless the runner passed one. At close, when the run ran to its
end and counted no source error (`run_complete`): the validators of the feeds that answered 200
are merged into `Source.http_state` (after a failed or stopped run, SIGTERM included, the feed
must be fetched in full again, or the items never stored would never return: a 304 says nothing).
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.errors import run_complete
from crawlers.signals import records_stored
from models.db import make_engine
from models.documents import Document
from models.links import DocumentLink, link_statement
from models.records import STATEMENT, DocumentRecord
from models.sources import Source

DATABASE_URL_SETTING = "FIVEWATCH_DATABASE_URL"


class StatementLinksPipeline:
    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatementLinksPipeline:
        pipeline = cls(crawler, crawler.settings.get(DATABASE_URL_SETTING))
        crawler.signals.connect(pipeline.link_stored, signal=records_stored)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    def open_spider(self) -> None:
        self.engine = make_engine(self.database_url)
        if getattr(self.spider, "http_state", None):
            return
        with Session(self.engine) as session:
            source = self._source(session)
            self.spider.http_state = dict(source.http_state) if source else {}

    def _source(self, session: Session) -> Source | None:
        return session.scalars(select(Source).where(Source.slug == self.spider.name)).first()

    def process_item(self, item: Any) -> Any:
        return item  # linking needs the stored rows: see link_stored

    def link_stored(self, records: list[DocumentRecord]) -> None:
        """Link the statements among freshly committed records, in one transaction."""
        statements = [r for r in records if isinstance(r, DocumentRecord) and r.kind == STATEMENT]
        if not statements or self.engine is None:
            return
        with Session(self.engine) as session:
            made = [link for record in statements for link in self._link(session, record)]
            session.commit()
        self.crawler.stats.inc_value("links/new", len(made))

    def _link(self, session: Session, record: DocumentRecord) -> list[DocumentLink]:
        document = session.scalars(
            select(Document)
            .join(Source)
            .where(Source.slug == record.source, Document.external_id == record.external_id)
        ).first()
        return [] if document is None else link_statement(session, document)

    def spider_closed(self, reason: str) -> None:
        """After the pipelines closed (the store has flushed): the close reason is known."""
        if self.engine is None:
            return
        if run_complete(self.crawler, reason):
            self._save_http_state()
        self.engine.dispose()

    def _save_http_state(self) -> None:
        answered = {url: v for url, v in self.spider.new_http_state.items() if v}
        with Session(self.engine) as session:
            source = self._source(session)
            if source is not None and answered:
                source.http_state = {**source.http_state, **answered}
                session.commit()
