"""The registered spiders (what `fivewatch sources` lists and `sync_sources` stores)."""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawlers import settings as crawler_settings
from crawlers.spider_base.source import SourceSpider


def spider_classes(settings: Settings | None = None) -> list[type[SourceSpider]]:
    """Every FiveWatch spider in SPIDER_MODULES, sorted by slug."""
    if settings is None:
        settings = Settings()
        settings.setmodule(crawler_settings)
    loader = SpiderLoader.from_settings(settings)
    classes = [loader.load(name) for name in loader.list()]
    return [cls for cls in classes if issubclass(cls, SourceSpider)]
