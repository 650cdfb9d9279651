"""One storage component per crawl (issue #16 item 4): one engine, one load of the Source row,
and linking works on the documents the store hands over, without reading them again.

A real crawl (ca-gc-news, replayed from its cassette through the real Scrapy engine) runs in a
subprocess, this module's `__main__`, which counts the engines models.db makes and the SELECTs
on `sources` they run, and prints the counts as JSON. Linking is measured on real Canada News
Centre entries with one DERIVED French edition (as in test_statements_links).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any
from unittest.mock import patch

from scrapy.crawler import CrawlerProcess
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.orm import Session

import models.db
from crawlers.pipelines import StorePipeline
from crawlers.process import crawl_settings
from crawlers.registry import spider_classes
from crawlers.signals import records_stored
from crawlers.spider_base.feed_links import StatementLinksPipeline
from crawlers.storage import CrawlStorage
from models import CrawlRun, Document, DocumentLink
from tests.conftest import ROOT
from tests.crawlers.replay_crawl import CASSETTES
from tests.crawlers.test_statements_links import canada_records, french_edition

SLUG = "ca-gc-news"  # a feed: the store, the run extension and statement linking all write
SOURCES_SELECT = re.compile(r"SELECT (?P<columns>.+?) FROM sources\b")


def counted_crawl(database_url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.crawlers.test_crawl_storage", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return counts


def test_a_crawl_makes_one_engine_and_loads_its_source_row_once(
    db_url: str, engine: Engine
) -> None:
    counts = counted_crawl(db_url)
    assert counts["engines"] == 1
    assert counts["source_rows_read"] == 1
    # Read again at close: the watermark, the one field another run may have moved meanwhile.
    assert counts["watermarks_read"] == 1
    with Session(engine) as session:  # and the crawl did its work
        (run,) = session.scalars(select(CrawlRun))
        assert run.status == "ok"
        assert session.scalar(select(func.count()).select_from(Document)) == run.items_scraped > 0


def test_linking_reads_none_of_the_documents_the_store_hands_it(db_url: str) -> None:
    (spider_class,) = [cls for cls in spider_classes() if cls.name == SLUG]
    crawler = get_crawler(spider_class, {"FIVEWATCH_DATABASE_URL": db_url})
    crawler.spider = spider_class.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    store = StorePipeline.from_crawler(crawler)
    links = StatementLinksPipeline.from_crawler(crawler)
    store.open_spider()
    links.open_spider()
    handed: list[Document] = []

    def note_handed(documents: list[Document]) -> None:
        handed.extend(documents)

    crawler.signals.connect(note_handed, signal=records_stored)
    selects: list[str] = []
    storage = CrawlStorage.of(crawler)

    @event.listens_for(storage.engine, "before_cursor_execute")
    def note_select(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SELECT") and "FROM documents" in statement:
            selects.append(" ".join(statement.split()))

    english = canada_records()[:2]
    for record in [*english, french_edition(english[0])]:
        store.process_item(record)
    stored_selects = len(selects)
    store.close_spider()  # the batch is written, then linked

    assert [(d.external_id, d.language) for d in handed] == [
        (english[0].external_id, "en"),
        (english[1].external_id, "en"),
        (french_edition(english[0]).external_id, "fr"),
    ]
    linking = selects[stored_selects + 1 :]  # after the store's one look-up of the batch
    # One bounded query per statement (its translation partner), none reading a given row.
    assert len(linking) == len(handed)
    assert all(select.startswith("SELECT documents.id, documents.language") for select in linking)
    assert crawler.stats.get_value("links/new") == 2  # the English and French editions
    with storage.session() as session:
        assert session.scalar(select(func.count()).select_from(DocumentLink)) == 2
    storage.close()


def crawl_counting(database_url: str) -> dict[str, int]:
    """Crawl SLUG from its cassette in this process, counting engines and reads of `sources`."""
    counts = {"engines": 0, "source_rows_read": 0, "watermarks_read": 0}

    def count_selects(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        read = SOURCES_SELECT.match(" ".join(statement.split()))
        if read:
            watermark_only = read["columns"] == "sources.watermark"
            counts["watermarks_read" if watermark_only else "source_rows_read"] += 1

    def counting_engine(*args: Any, **kwargs: Any) -> Engine:
        created = create_engine(*args, **kwargs)
        counts["engines"] += 1
        event.listen(created, "before_cursor_execute", count_selects)
        return created

    settings = crawl_settings(database_url, CASSETTES, None)
    (spider_class,) = [cls for cls in spider_classes(settings) if cls.name == SLUG]
    process = CrawlerProcess(settings)
    with patch.object(models.db, "create_engine", counting_engine):  # what make_engine calls
        process.crawl(spider_class)
        process.start()
    return counts


if __name__ == "__main__":
    print(json.dumps(crawl_counting(sys.argv[1])))
