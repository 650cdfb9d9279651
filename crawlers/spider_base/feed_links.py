"""StatementLinksPipeline: after the store, link each statement and keep the feed validators.

FeedSpider adds it to the crawl. The store pipeline writes in batches, so linking waits for
its `records_stored` signal, which hands over the documents just committed (linked as given,
not read again). Per statement:
`models.document_links.link_statement` (bills it names, its other-language edition, its Five Country
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

from crawlers.errors import run_complete
from crawlers.signals import records_stored
from crawlers.storage import CrawlStorage
from models.document_links import link_statement
from models.documents import Document
from models.records import STATEMENT


class StatementLinksPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.storage = CrawlStorage.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatementLinksPipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.link_stored, signal=records_stored)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    def open_spider(self) -> None:
        if not getattr(self.spider, "http_state", None):
            self.spider.http_state = dict(self.storage.source().http_state)

    def process_item(self, item: Any) -> Any:
        return item  # linking needs the stored rows: see link_stored

    def link_stored(self, documents: list[Document]) -> None:
        """Link the statements among freshly committed documents, in one transaction."""
        statements = [document for document in documents if document.kind == STATEMENT]
        if not statements:
            return
        with self.storage.session() as session:
            # As committed: merged without a SELECT (load=False), not looked up again.
            given = [session.merge(statement, load=False) for statement in statements]
            made = [link for statement in given for link in link_statement(session, statement)]
            session.commit()
        self.crawler.stats.inc_value("links/new", len(made))

    def spider_closed(self, reason: str) -> None:
        """After the pipelines closed (the store has flushed): the close reason is known."""
        if run_complete(self.crawler, reason):
            self._save_http_state()

    def _save_http_state(self) -> None:
        answered = {url: v for url, v in self.spider.new_http_state.items() if v}
        if not answered:
            return
        with self.storage.session() as session:
            source = self.storage.source_in(session)
            source.http_state = {**source.http_state, **answered}
            session.commit()
