"""Every registered spider has a cassette with provenance, and replaying it misses nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from crawlers.process import crawl_settings
from crawlers.registry import spider_classes
from crawlers.spider_base.source import SourceSpider
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


@pytest.mark.parametrize("spider", spider_classes(), ids=lambda spider: spider.name)
def test_every_spider_declares_its_domains_and_source_attributes(
    spider: type[SourceSpider],
) -> None:
    assert spider.allowed_domains
    assert spider.jurisdiction in {"us", "uk", "ca", "au", "nz"}
    assert spider.kind in {"bills", "statements"}


def test_crawls_are_polite_and_verify_certificates() -> None:
    settings = crawl_settings("sqlite://", replay_dir=None, record_dir=None)
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES")
    assert not settings.getbool("COOKIES_ENABLED")
    assert "contact:" in settings.get("USER_AGENT")
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert all(handlers[scheme] is None for scheme in ("file", "data", "s3", "ftp"))


def test_replay_skips_robots_txt_which_no_cassette_holds() -> None:
    settings = crawl_settings("sqlite://", replay_dir=CASSETTES, record_dir=None)
    assert not settings.getbool("ROBOTSTXT_OBEY")
    assert settings.get("FIVEWATCH_REPLAY_DIR") == str(CASSETTES)
