"""uk-govuk-statements through the real Scrapy engine, replaying the project's cassette."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.spiders.uk.govuk_statements import search_url
from models import Document
from tests.crawlers.replay_crawl import CASSETTES, crawl, index_lines, last_run, row_counts

SLUG = "uk-govuk-statements"


def test_the_one_result_is_stored_as_a_statement(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTES, SLUG)
    with Session(engine) as session:
        (doc,) = session.scalars(select(Document))
        assert (doc.external_id, doc.kind, doc.title) == (
            "/vehicle-tax",
            "statement",
            "Tax your vehicle",
        )
        assert doc.url == "https://www.gov.uk/vehicle-tax"
        assert doc.published_on == date(2017, 12, 7)
        assert doc.sponsor == "Driver and Vehicle Licensing Agency"
        assert doc.summary.startswith("Renew or tax your vehicle for the first time")
    assert last_run(engine, SLUG).status == "ok"


def test_replaying_again_adds_nothing(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTES, SLUG)
    counts = row_counts(engine)
    crawl(db_url, CASSETTES, SLUG)  # asks from the watermark's date (inclusive): same item
    assert row_counts(engine) == counts
    assert (last_run(engine, SLUG).status, last_run(engine, SLUG).error_count) == ("ok", 0)


def test_the_search_url_uses_the_documented_parameters() -> None:
    query = parse_qs(urlsplit(search_url(datetime(2024, 3, 1, 23, 30, tzinfo=UTC))).query)
    assert query["filter_organisations"] == [
        "home-office",
        "department-for-science-innovation-and-technology",
    ]
    assert query["order"] == ["-public_timestamp"]
    assert query["filter_public_timestamp"] == ["from:2024-03-01"]
    assert "filter_public_timestamp" not in parse_qs(urlsplit(search_url(None)).query)


def test_recording_writes_a_cassette_that_replays_the_same(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    # The recorder sees the replayed responses exactly as it would see live ones.
    crawl(db_url, CASSETTES, SLUG, record=tmp_path)
    recorded = tmp_path / SLUG
    (line,) = index_lines(recorded)
    assert line["url"] == search_url(None)
    original = CASSETTES / SLUG / index_lines(CASSETTES / SLUG)[0]["body"]
    assert (recorded / line["body"]).read_bytes() == original.read_bytes()
    assert (recorded / "PROVENANCE.md").is_file()
