"""The entry point the shell calls: run source spiders once and block.

Twisted's reactor cannot restart, so call `run_crawl` once per process; tests (and anything
else needing several crawls) use `python -m crawlers.process --database-url URL [--replay DIR]
[--record DIR] [--jobs N] [slug...]`, which prints the CrawlRun ids. With `jobs` above one the
sources are dealt over that many child processes, crawling at once: a reactor uses one core,
and a backlog of several sources would otherwise leave the others idle.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
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
    jobs: int = 1,
) -> list[int]:
    """Run the chosen sources (all when None) and return the ids of their CrawlRuns.

    `spider_args` go to every chosen spider, like `scrapy crawl -a KEY=VALUE` (e.g. the bills a
    source must always fetch). `own_logging=False` leaves logging to the caller (the CLI).
    `jobs` above one runs the sources in that many child processes (`crawl_in_children`).
    """
    settings = crawl_settings(database_url, replay_dir, record_dir, log_level)
    classes = spider_classes(settings)
    chosen = selected(classes, slugs)
    engine = make_engine(database_url)
    with Session(engine) as session:
        sync_sources(session, classes)  # before any child: they would race to create the rows
        session.commit()
        watermarks = {s.slug: s.watermark for s in session.scalars(select(Source))}
        last_run = session.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc())) or 0
    if jobs > 1 and len(chosen) > 1:
        engine.dispose()
        command = child_command(database_url, replay_dir, record_dir, log_level, spider_args)
        return crawl_in_children(command, [cls.name for cls in chosen], jobs)
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


class CrawlProcessFailed(RuntimeError):
    """A child crawl process exited with an error (its sources' runs may be missing);
    `run_ids`: the CrawlRuns the other children made."""

    def __init__(self, message: str, run_ids: list[int]) -> None:
        super().__init__(message)
        self.run_ids = run_ids


def deal(slugs: list[str], jobs: int) -> list[list[str]]:
    """The sources dealt round-robin over at most `jobs` groups, in their order."""
    return [slugs[start::jobs] for start in range(min(jobs, len(slugs)))]


def child_command(
    database_url: str,
    replay_dir: Path | None,
    record_dir: Path | None,
    log_level: str,
    spider_args: dict[str, str] | None,
) -> list[str]:
    """`python -m crawlers.process` with this crawl's options, sources to be appended."""
    command = [sys.executable, "-m", "crawlers.process", "--database-url", database_url]
    command += ["--log-level", log_level]
    for option, folder in (("--replay", replay_dir), ("--record", record_dir)):
        if folder is not None:
            command += [option, str(folder)]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    return command


def crawl_in_children(command: list[str], slugs: list[str], jobs: int) -> list[int]:
    """Run `command` once per group of `deal(slugs, jobs)`, all at once; their CrawlRun ids.

    Each child logs to our stderr and prints its run ids; one that fails is reported after the
    others have finished, so their runs are kept."""
    groups = deal(slugs, jobs)
    children = [
        subprocess.Popen([*command, *group], stdout=subprocess.PIPE, text=True) for group in groups
    ]
    outputs = [child.communicate()[0] for child in children]
    run_ids = sorted(int(word) for output in outputs for word in output.split() if word.isdigit())
    failed = [
        f"{', '.join(group)} (exit {child.returncode})"
        for group, child in zip(groups, children, strict=True)
        if child.returncode != 0
    ]
    if failed:
        raise CrawlProcessFailed(f"crawl process failed: {'; '.join(failed)}", run_ids)
    return run_ids


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
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument(
        "--jobs", type=int, default=1, help="child processes to deal the sources over"
    )
    parser.add_argument("slugs", nargs="*")
    args = parser.parse_args(argv)
    try:
        ids = run_crawl(
            args.slugs or None,
            database_url=args.database_url,
            replay_dir=args.replay,
            record_dir=args.record,
            log_level=args.log_level,
            spider_args=parse_spider_args(args.spider_args),
            jobs=args.jobs,
        )
    except CrawlProcessFailed as error:  # the runs that were made still count for the caller
        print(" ".join(str(run_id) for run_id in error.run_ids))
        sys.exit(f"crawlers.process: {error}")
    print(" ".join(str(run_id) for run_id in ids))


if __name__ == "__main__":
    main()
