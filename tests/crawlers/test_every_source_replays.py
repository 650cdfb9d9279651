"""Every registered spider has a cassette with provenance, and replaying it misses nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from crawlers.registry import spider_classes
from tests.crawlers.replay_crawl import CASSETTES, crawl, last_run

SLUGS = [spider.name for spider in spider_classes()]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_cassette_with_provenance_exists(slug: str) -> None:
    assert (CASSETTES / slug / "index.jsonl").is_file()
    assert (CASSETTES / slug / "PROVENANCE.md").is_file()


def test_replaying_every_cassette_misses_nothing(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTES)
    misses = {slug: last_run(engine, slug).replay_misses for slug in SLUGS}
    assert misses == dict.fromkeys(SLUGS, 0)
