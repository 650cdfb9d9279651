"""StorePipeline: records are written in batches, yet one bad record loses only itself.

The records are the real uk-bills list entries (cassettes/uk-bills), built by the spider's own
bill_record; the one unstorable record is made so inside the test (labelled below).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.errors import ERROR_LINES_STAT, error_count
from crawlers.pipelines import STORE_BATCH, STORE_FAILED_STAT, StorePipeline
from crawlers.spiders.uk.bills_api import UkBillsSpider, bill_record, list_url
from models import BillEvent, Change, Document, Source
from models.records import DocumentRecord, EventRecord
from tests.crawlers.replay_crawl import CASSETTES

LIST_PAGE = CASSETTES / "uk-bills" / "bodies" / "bills_page1_snommoc.json"


def real_records() -> list[DocumentRecord]:
    entries = json.loads(LIST_PAGE.read_bytes())["items"]
    return [bill_record(entry, None, None, source_url=list_url(0)) for entry in entries]


def open_pipeline(db_url: str) -> tuple[Crawler, StorePipeline]:
    crawler = get_crawler(UkBillsSpider, {"FIVEWATCH_DATABASE_URL": db_url})
    crawler.spider = UkBillsSpider()
    assert crawler.stats is not None
    crawler.stats.open_spider()
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    return crawler, pipeline


def stored_ids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(Document.external_id)))


def test_one_unstorable_record_is_reported_and_the_rest_of_its_batch_is_kept(
    db_url: str, engine: Engine
) -> None:
    good = real_records()[:3]
    # Synthetic bad input: a value JSON cannot hold, so this record's write fails.
    bad = dataclasses.replace(good[1], external_id="unstorable", extra={"bad": object()})
    crawler, pipeline = open_pipeline(db_url)
    for record in [good[0], bad, *good[1:]]:
        pipeline.process_item(record)
    pipeline.close_spider()
    pipeline.spider_closed("finished")

    assert stored_ids(engine) == {record.external_id for record in good}
    assert crawler.stats is not None
    assert crawler.stats.get_value(STORE_FAILED_STAT) == 1
    assert error_count(crawler) == 1
    (line,) = crawler.stats.get_value(ERROR_LINES_STAT)
    assert line.startswith(f"SourceError: uk-bills {list_url(0)}: record unstorable not stored")
    assert "not JSON serializable" in line
    with Session(engine) as session:  # an error run does not move the watermark
        source = session.scalars(select(Source).where(Source.slug == "uk-bills")).one()
        assert source.watermark is None


def test_records_wait_for_a_full_batch_and_the_rest_are_stored_at_close(
    db_url: str, engine: Engine
) -> None:
    records = real_records()
    clones = [
        dataclasses.replace(records[n % len(records)], external_id=f"clone-{n}")
        for n in range(STORE_BATCH + 5)
    ]
    _, pipeline = open_pipeline(db_url)
    for record in clones[: STORE_BATCH - 1]:
        pipeline.process_item(record)
    assert stored_ids(engine) == set()
    for record in clones[STORE_BATCH - 1 :]:
        pipeline.process_item(record)
    assert len(stored_ids(engine)) == STORE_BATCH
    pipeline.close_spider()
    assert stored_ids(engine) == {record.external_id for record in clones}


def test_a_bill_listed_twice_in_one_batch_is_one_document_created_before_its_new_event(
    db_url: str, engine: Engine
) -> None:
    first = real_records()[0]
    later = dataclasses.replace(
        first,
        events=[
            *first.events,
            EventRecord(stage="Royal Assent", occurred_on=date(2026, 11, 1), key="sitting:x"),
        ],
    )
    _, pipeline = open_pipeline(db_url)
    pipeline.process_item(first)
    pipeline.process_item(later)
    pipeline.close_spider()

    with Session(engine) as session:
        (document,) = session.scalars(select(Document))
        changes = list(session.scalars(select(Change).order_by(Change.id)))
        events = session.scalars(select(BillEvent.key).order_by(BillEvent.sequence)).all()
    assert [change.kind for change in changes] == ["new_document", "new_event"]
    assert changes[0].key == f"doc:{document.id}"
    assert events == [*(event.stable_key() for event in first.events), "sitting:x"]


def newest_stamp(records: list[DocumentRecord]) -> str:
    stamps = [r.source_updated_at for r in records if r.source_updated_at is not None]
    return max(stamps).astimezone(UTC).isoformat()


@pytest.mark.parametrize(("reason", "moved"), [("finished", True), ("shutdown", False)])
def test_the_watermark_moves_only_when_the_run_ran_to_its_end(
    db_url: str, engine: Engine, reason: str, moved: bool
) -> None:
    records = real_records()
    _, pipeline = open_pipeline(db_url)
    for record in records:
        pipeline.process_item(record)
    pipeline.close_spider()
    assert stored_ids(engine) == {record.external_id for record in records}  # kept either way
    pipeline.spider_closed(reason)  # "shutdown": SIGTERM; what was never read must come again
    with Session(engine) as session:
        source = session.scalars(select(Source).where(Source.slug == "uk-bills")).one()
        assert source.watermark == (newest_stamp(records) if moved else None)
