"""The entry point the shell calls: run source spiders once, in this process, and block.

Twisted's reactor cannot restart, so call `run_crawl` once per process; tests (and anything
else needing several crawls) use `python -m crawlers.process --database-url URL [--replay DIR]
[--record DIR] [slug...]`, which prints the CrawlRun ids.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers import settings as crawler_settings
from crawlers.addons import ReplayAddon
from crawlers.base.source import SourceSpider
from crawlers.pipelines import source_row
from crawlers.registry import spider_classes
from models.db import make_engine
from models.sources import CrawlRun, Source


def crawl_settings(
    database_url: str, replay_dir: Path | None, record_dir: Path | None, log_level: str = "INFO"
) -> Settings:
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    settings.set("FIVEWATCH_DATABASE_URL", database_url, priority="cmdline")
    if record_dir is not None:
        settings.set("FIVEWATCH_RECORD_DIR", str(record_dir), priority="cmdline")
    if replay_dir is not None:
        settings.set("FIVEWATCH_REPLAY_DIR", str(replay_dir), priority="cmdline")
        ReplayAddon().update_settings(settings)  # so callers see the settings a crawl will use
    return settings


def sync_sources(session: Session, classes: list[type[SourceSpider]] | None = None) -> None:
    """Upsert the Source row of every registered spider, verified or not."""
    for spider_class in classes if classes is not None else spider_classes():
        source_row(session, spider_class)  # class attributes are all ensure_source reads


def selected(
    classes: list[type[SourceSpider]], slugs: list[str] | None
) -> list[type[SourceSpider]]:
    if not slugs:
        return classes
    by_slug = {cls.name: cls for cls in classes}
    unknown = sorted(set(slugs) - set(by_slug))
    if unknown:
        raise ValueError(f"unknown source(s): {', '.join(unknown)}")
    return [by_slug[slug] for slug in slugs]


def run_crawl(
    slugs: list[str] | None,
    *,
    database_url: str,
    replay_dir: Path | None = None,
    record_dir: Path | None = None,
    log_level: str = "INFO",
    own_logging: bool = True,
    spider_args: dict[str, str] | None = None,
) -> list[int]:
    """Run the chosen sources (all when None) and return the ids of their CrawlRuns.

    `spider_args` go to every chosen spider, like `scrapy crawl -a KEY=VALUE` (e.g. the bills a
    source must always fetch). `own_logging=False` leaves logging to the caller (the CLI).
    """
    settings = crawl_settings(database_url, replay_dir, record_dir, log_level)
    classes = spider_classes(settings)
    chosen = selected(classes, slugs)
    engine = make_engine(database_url)
    with Session(engine) as session:
        sync_sources(session, classes)
        session.commit()
        watermarks = {s.slug: s.watermark for s in session.scalars(select(Source))}
        last_run = session.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc())) or 0
    settings.set("LOG_INSTALL_ROOT_HANDLER", own_logging, priority="cmdline")
    process = CrawlerProcess(settings)
    for spider_class in chosen:
        process.crawl(spider_class, since=watermarks.get(spider_class.name), **(spider_args or {}))
    process.start()
    with Session(engine) as session:
        runs = session.scalars(
            select(CrawlRun.id).where(CrawlRun.id > last_run).order_by(CrawlRun.id)
        )
        ids = list(runs)
    engine.dispose()
    return ids


def parse_spider_args(pairs: list[str]) -> dict[str, str]:
    """`["bills=44-1/C-63"]` -> `{"bills": "44-1/C-63"}`; a pair without `=` is refused."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"spider argument {pair!r}: expected KEY=VALUE")
        parsed[key] = value
    return parsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crawlers.process")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--replay", type=Path)
    parser.add_argument("--record", type=Path)
    parser.add_argument(
        "-a",
        dest="spider_args",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="spider argument, as with `scrapy crawl -a`",
    )
    parser.add_argument("slugs", nargs="*")
    args = parser.parse_args(argv)
    ids = run_crawl(
        args.slugs or None,
        database_url=args.database_url,
        replay_dir=args.replay,
        record_dir=args.record,
        spider_args=parse_spider_args(args.spider_args),
    )
    print(" ".join(str(run_id) for run_id in ids))


if __name__ == "__main__":
    main()
