"""The replay settings follow FIVEWATCH_REPLAY_DIR however it arrives (CLI code or Scrapyd's -s)."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawlers import settings as crawler_settings
from crawlers.addons import REPLAY_OVERRIDES
from crawlers.spiders.uk.bills_api import UkBillsSpider
from tests.conftest import ROOT


def crawler_with(cmdline: dict[str, object]) -> Crawler:
    """A crawler whose settings are built the way `scrapy crawl -s NAME=VALUE` builds them."""
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    settings.setdict(cmdline, priority="cmdline")
    crawler = Crawler(UkBillsSpider, settings)
    crawler.addons.load_settings(crawler.settings)  # what crawl() does before settings freeze
    return crawler


def test_a_replay_dir_given_on_the_command_line_turns_off_robots_and_throttling() -> None:
    crawler = crawler_with({"FIVEWATCH_REPLAY_DIR": str(ROOT / "cassettes")})
    assert {name: crawler.settings[name] for name in REPLAY_OVERRIDES} == REPLAY_OVERRIDES


def test_a_live_crawl_keeps_its_politeness() -> None:
    crawler = crawler_with({})
    assert crawler.settings.getbool("ROBOTSTXT_OBEY")
    assert crawler.settings.getbool("AUTOTHROTTLE_ENABLED")


def test_an_explicit_command_line_setting_beats_the_addon() -> None:
    replay = str(ROOT / "cassettes")
    crawler = crawler_with({"FIVEWATCH_REPLAY_DIR": replay, "DOWNLOAD_DELAY": 2})
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 2
