"""The entry point the shell calls: run source spiders once and block.

Twisted's reactor cannot restart, so call `run_crawl` once per process; tests (and anything
else needing several crawls) use `python -m crawlers.process [--replay DIR] [--record DIR]
[--jobs N] [--json] [slug...]`, which prints the CrawlRun ids (with `--json`: one JSON line,
`crawl_report`, which is how a parent reads its child crawls). The database URL comes from the
environment (FIVEWATCH_DATABASE_URL, read by crawlers.settings), never from argv, where `ps`
shows it to every user with its password; `--database-url` remains for local, password-less
URLs. With `jobs` above one the sources are dealt over that many child processes, crawling at
once: a reactor uses one core, and a backlog of several sources would otherwise leave the
others idle.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from scrapy import Spider
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers import settings as crawler_settings
from crawlers.addons import ReplayAddon
from crawlers.registry import spider_classes
from crawlers.spider_base.source import SourceSpider
from crawlers.storage import source_row
from models.db import make_engine
from models.sources import CrawlRun, Source

DATABASE_URL_ENV = "FIVEWATCH_DATABASE_URL"  # how a child crawl learns the URL (not argv)


class BadCrawlArguments(ValueError):
    """An unknown source, or a spider argument that is malformed or that a spider refuses."""


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
        raise BadCrawlArguments(f"unknown source(s): {', '.join(unknown)}")
    return [by_slug[slug] for slug in slugs]


def spider_parameters(spider_class: type[SourceSpider]) -> set[str]:
    """The keyword arguments the spider's own `__init__`s take. Scrapy's Spider would accept
    any other name too, silently, as an attribute nothing reads."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names: set[str] = set()
    for klass in spider_class.__mro__[: spider_class.__mro__.index(Spider)]:
        if "__init__" in vars(klass):
            parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
            names.update(p.name for p in parameters if p.kind in kinds and p.name != "self")
    return names


def check_spider_args(classes: list[type[SourceSpider]], spider_args: dict[str, str]) -> None:
    """Refuse, before anything runs, an argument a chosen spider does not take or cannot use:
    inside the crawl the spider's error would end it with no run recorded, and exit 0."""
    for spider_class in classes:
        known = spider_parameters(spider_class)
        unknown = sorted(set(spider_args) - known)
        if unknown:
            raise BadCrawlArguments(
                f"{spider_class.name} takes no spider argument {', '.join(unknown)} "
                f"(it takes: {', '.join(sorted(known))})"
            )
        try:
            spider_class(**spider_args).since_datetime()  # built as the crawl would build it
        except (ValueError, TypeError) as error:
            raise BadCrawlArguments(f"{spider_class.name}: {error}") from error


def child_environment(database_url: str) -> dict[str, str]:
    """Our environment plus the database URL, for a child crawl process."""
    return {**os.environ, DATABASE_URL_ENV: database_url}


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
    check_spider_args(chosen, spider_args or {})
    engine = make_engine(database_url)
    with Session(engine) as session:
        sync_sources(session, classes)  # before any child: they would race to create the rows
        session.commit()
        watermarks = {s.slug: s.watermark for s in session.scalars(select(Source))}
        last_run = session.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc())) or 0
    if jobs > 1 and len(chosen) > 1:
        engine.dispose()
        command = child_command(replay_dir, record_dir, log_level, spider_args)
        slugs = [cls.name for cls in chosen]
        return crawl_in_children(command, slugs, jobs, child_environment(database_url))
    settings.set("LOG_INSTALL_ROOT_HANDLER", own_logging, priority="cmdline")
    process = CrawlerProcess(settings)
    for spider_class in chosen:
        # `-a since=…` overrides the stored watermark (a re-crawl from a date).
        arguments = {"since": watermarks.get(spider_class.name), **(spider_args or {})}
        process.crawl(spider_class, **arguments)
    process.start()
    with Session(engine) as session:
        # Only our sources' runs: a sibling child crawling at once makes runs after last_run too.
        ours = select(Source.id).where(Source.slug.in_([cls.name for cls in chosen]))
        runs = session.scalars(
            select(CrawlRun.id)
            .where(CrawlRun.id > last_run, CrawlRun.source_id.in_(ours))
            .order_by(CrawlRun.id)
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
    replay_dir: Path | None,
    record_dir: Path | None,
    log_level: str,
    spider_args: dict[str, str] | None,
) -> list[str]:
    """`python -m crawlers.process --json` with this crawl's options, sources to be appended;
    the database URL goes in the environment (`child_environment`), out of `ps`'s sight."""
    command = [sys.executable, "-m", "crawlers.process", "--json", "--log-level", log_level]
    for option, folder in (("--replay", replay_dir), ("--record", record_dir)):
        if folder is not None:
            command += [option, str(folder)]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    return command


def crawl_report(slugs: list[str], run_ids: list[int]) -> str:
    """The one JSON line a child crawl prints for its parent: its sources and their runs."""
    return json.dumps({"sources": slugs, "run_ids": run_ids})


def read_crawl_report(output: str, slugs: list[str]) -> list[int] | None:
    """The run ids in the `crawl_report` of `slugs` among a child's output lines (anything
    else it printed is skipped); None when there is none."""
    for line in reversed(output.splitlines()):
        try:
            report = json.loads(line)
        except ValueError:
            continue
        if isinstance(report, dict) and report.get("sources") == slugs:
            run_ids = report.get("run_ids")
            if isinstance(run_ids, list) and all(type(run_id) is int for run_id in run_ids):
                return run_ids
    return None


def child_failure(group: list[str], returncode: int, run_ids: list[int] | None) -> str | None:
    """What went wrong with the child that crawled `group`, by its sources; None if nothing."""
    if returncode != 0:
        return f"{', '.join(group)} (exit {returncode})"
    if run_ids is None:
        return f"{', '.join(group)} (no crawl report in its output)"
    return None


def crawl_in_children(
    command: list[str], slugs: list[str], jobs: int, env: Mapping[str, str] | None = None
) -> list[int]:
    """Run `command` once per group of `deal(slugs, jobs)`, all at once, in environment `env`
    (ours when None); their CrawlRun ids.

    Each child logs to our stderr and prints its `crawl_report`; one that fails, or reports
    nothing readable, is named after the others have finished, so their runs are kept."""
    groups = deal(slugs, jobs)
    children = [
        subprocess.Popen([*command, *group], stdout=subprocess.PIPE, text=True, env=env)
        for group in groups
    ]
    reports = [
        read_crawl_report(child.communicate()[0], group)
        for group, child in zip(groups, children, strict=True)
    ]
    run_ids = sorted(run_id for report in reports for run_id in report or [])
    failures = [
        child_failure(group, child.returncode, report)
        for group, child, report in zip(groups, children, reports, strict=True)
    ]
    failed = [failure for failure in failures if failure is not None]
    if failed:
        raise CrawlProcessFailed(f"crawl process failed: {'; '.join(failed)}", run_ids)
    return run_ids


def parse_spider_args(pairs: list[str]) -> dict[str, str]:
    """`["bills=44-1/C-63"]` -> `{"bills": "44-1/C-63"}`; a pair without `=` is refused."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadCrawlArguments(f"spider argument {pair!r}: expected KEY=VALUE")
        parsed[key] = value
    return parsed


def print_runs(run_ids: list[int], slugs: list[str], *, as_json: bool) -> None:
    """The runs made, for whoever started us: their ids, or the `crawl_report` line."""
    print(crawl_report(slugs, run_ids) if as_json else " ".join(str(id_) for id_ in run_ids))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crawlers.process")
    parser.add_argument(
        "--database-url",
        default=crawler_settings.FIVEWATCH_DATABASE_URL,
        help=f"default: {DATABASE_URL_ENV} (prefer it: argv is visible to every user in `ps`)",
    )
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
    parser.add_argument(
        "--json", action="store_true", help="print one JSON line (a parent crawl reads it)"
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
        print_runs(error.run_ids, args.slugs, as_json=args.json)
        sys.exit(f"crawlers.process: {error}")
    except BadCrawlArguments as error:
        parser.error(str(error))
    print_runs(ids, args.slugs, as_json=args.json)


if __name__ == "__main__":
    main()
