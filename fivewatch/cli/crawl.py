"""`fivewatch crawl` and `fivewatch sources`: collect, and see how each source is doing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from crawlers.pipelines import UNMAPPED_NAMES_STAT, UNMAPPED_STAT
from crawlers.process import (
    BadCrawlArguments,
    CrawlProcessFailed,
    parse_spider_args,
    run_crawl,
    sync_sources,
)
from fivewatch.cli.common import (
    check_database,
    console,
    database_option,
    emit,
    format_option,
    jobs_option,
    load_config,
    log_level,
    session_scope,
)
from fivewatch.cli.crawl_progress import crawl_progress
from fivewatch.cli.failures import read_only
from fivewatch.health_policy import HealthPolicy, health_report
from models import CrawlRun, Document, Source, utcnow
from models.incidents import open_since

# A run that did not finish is no success for a script or a timer: its progress was not saved.
UNSUCCESSFUL = frozenset({"failed", "stopped", "abandoned"})
RUN_COLUMNS = ("source", "status", "items", "new_documents", "new_events", "errors", "seconds")
SOURCE_COLUMNS = (
    "slug",
    "jurisdiction",
    "kind",
    "verified",
    "health",
    "reason",
    "since",
    "documents",
    "items_per_run",
    "error_rate",
    "unmapped_stages",
    "last_run",
    "last_success",
)


def run_rows(session: Session, run_ids: list[int]) -> list[dict[str, Any]]:
    runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(run_ids)).order_by(CrawlRun.id))
    return [
        {
            "source": run.source.slug,
            "status": run.status,
            "items": run.items_scraped,
            "new_documents": run.documents_new,
            "new_events": run.events_new,
            "errors": run.error_count,
            "seconds": round(run.duration_s, 2),
        }
        for run in runs
    ]


@click.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--replay",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Serve responses from a recorded cassette folder instead of the network.",
)
@click.option(
    "--record",
    type=click.Path(file_okay=False, path_type=Path),
    help="Record live responses into a cassette folder.",
)
@click.option(
    "--arg",
    "-a",
    "spider_args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Spider argument, e.g. -a bills=44-1/C-63,45-1/C-34 for ca-legisinfo-bills.",
)
@jobs_option
@database_option
@format_option
def crawl(
    sources: tuple[str, ...],
    replay: Path | None,
    record: Path | None,
    spider_args: tuple[str, ...],
    jobs: int,
    database_url: str | None,
    fmt: str,
) -> None:
    """Crawl SOURCES (slugs; all when none), live or from a cassette."""
    if replay and record:
        raise click.UsageError("--replay and --record are exclusive")
    config = load_config(database_url)
    check_database(config.database_url)
    failure: CrawlProcessFailed | None = None
    with crawl_progress(console, config.database_url, list(sources)):
        try:
            run_ids = run_crawl(
                list(sources) or None,
                database_url=config.database_url,
                replay_dir=replay,
                record_dir=record,
                log_level=log_level(),
                own_logging=False,
                spider_args=parse_spider_args(list(spider_args)),
                jobs=jobs,
            )
        except BadCrawlArguments as error:  # an unknown source, a malformed or refused -a
            raise click.UsageError(str(error)) from error
        except CrawlProcessFailed as error:  # the other processes' runs are still shown
            failure, run_ids = error, error.run_ids
    with session_scope(config) as session:
        rows = run_rows(session, run_ids)
    emit(rows, RUN_COLUMNS, fmt, title="Crawl runs")
    if failure is not None:
        raise click.ClickException(str(failure))
    if any(row["status"] in UNSUCCESSFUL for row in rows):
        raise SystemExit(1)


def unmapped_stages(session: Session) -> dict[int, str]:
    """Per source id, the stages its last run found in no stage map: "2: Motion to X; Y"."""
    latest = select(func.max(CrawlRun.id)).group_by(CrawlRun.source_id).scalar_subquery()
    found = {}
    for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(latest))):
        count = int(run.stats.get(UNMAPPED_STAT, 0))
        if count:
            found[run.source_id] = f"{count}: " + "; ".join(run.stats.get(UNMAPPED_NAMES_STAT, []))
    return found


def source_rows(session: Session, policy: HealthPolicy | None = None) -> list[dict[str, Any]]:
    """Each source with the verdict of fivewatch.health_policy, judged now ("stale" shows too)."""
    policy = policy or HealthPolicy.from_config(load_config(None))
    counts = dict(
        session.execute(select(Document.source_id, func.count()).group_by(Document.source_id)).all()
    )
    sources = {source.slug: source for source in session.scalars(select(Source))}
    unmapped = unmapped_stages(session)
    incident_since = open_since(session)
    return [
        {
            "slug": health.slug,
            "jurisdiction": health.jurisdiction,
            "kind": health.kind,
            "verified": "yes" if sources[health.slug].verified else "unverified: no recorded body",
            "health": health.verdict,
            "reason": health.reason,
            "since": incident_since.get(health.slug),  # the open incident's start
            "documents": counts.get(sources[health.slug].id, 0),
            "items_per_run": health.items_per_run,
            "error_rate": health.error_rate,
            "unmapped_stages": unmapped.get(sources[health.slug].id, ""),
            "last_run": health.last_run,
            "last_success": health.last_success,
        }
        for health in health_report(session, policy, utcnow())
    ]


@click.command()
@database_option
@format_option
def sources(database_url: str | None, fmt: str) -> None:
    """Every source with its health: verdict, reason, documents, last run and success."""
    config = load_config(database_url)
    try:
        with session_scope(config) as session:
            sync_sources(session)  # sources never crawled yet are listed too
    except DBAPIError as error:
        if not read_only(error):
            raise
        # A read-only database (a snapshot, a replica): list the sources it holds.
    with session_scope(config) as session:
        emit(source_rows(session), SOURCE_COLUMNS, fmt, title="Sources")
