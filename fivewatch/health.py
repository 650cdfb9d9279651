"""Source health, judged when read: last success, items per run, error rate, and a verdict.

Verdicts, first match wins: `failing` (the last run collected nothing and had errors: an HTML
page where the feed was, a layout change), `stale` (no success for twice the source's
interval, so a dead scheduler shows too), `degraded` (nothing where there used to be something,
or errors per request above the threshold over the recent runs), `healthy`; `unknown` before
the first run. The crawl extension judges each run; this adds what only time can tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers.extensions import produced
from fivewatch.config import Config
from models import CrawlRun, Source

RECENT_RUNS = 5
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class HealthPolicy:
    intervals: Mapping[str, int]  # seconds between runs, per source kind
    error_rate_threshold: float

    @classmethod
    def from_config(cls, config: Config) -> HealthPolicy:
        intervals = {
            "bills": _number(config.bills_interval, "FIVEWATCH_BILLS_INTERVAL", int),
            "statements": _number(config.statements_interval, "FIVEWATCH_STATEMENTS_INTERVAL", int),
        }
        threshold = _number(config.error_rate_threshold, "FIVEWATCH_ERROR_RATE_THRESHOLD", float)
        return cls(intervals, threshold)

    def interval_s(self, source: Source) -> int:
        return self.intervals.get(source.kind, source.interval_s)


def _number(raw: str, env: str, kind: type[N]) -> N:
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{env}={raw!r}: expected a number") from None
    if value <= 0:
        raise ValueError(f"{env}={raw!r}: expected a positive number")
    return value


@dataclass(frozen=True)
class SourceHealth:
    slug: str
    jurisdiction: str
    kind: str
    verdict: str  # healthy | degraded | failing | stale | unknown
    reason: str
    last_run: datetime | None
    last_success: datetime | None
    items_last_run: int
    items_per_run: float  # mean over the recent runs
    error_rate: float  # errors per request over the recent runs


def recent_runs(session: Session, source: Source, limit: int = RECENT_RUNS) -> list[CrawlRun]:
    """The source's finished runs, newest first."""
    query = (
        select(CrawlRun)
        .where(CrawlRun.source_id == source.id, CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def error_rate(runs: Sequence[CrawlRun]) -> float:
    requests = sum(run.requests for run in runs)
    errors = sum(run.error_count for run in runs)
    return errors / requests if requests else float(errors > 0)


def _stale_reason(source: Source, runs: Sequence[CrawlRun], interval: int, now: datetime) -> str:
    since = source.last_success_at or runs[-1].started_at
    if now - since <= timedelta(seconds=2 * interval):
        return ""
    what = "no successful run since" if source.last_success_at else "never succeeded; first run"
    return f"{what} {since.isoformat(timespec='minutes')} (interval {interval}s)"


def _failing_reason(source: Source, run: CrawlRun) -> str:
    first_error = run.errors[0] if run.errors else ""
    return "; ".join(part for part in (source.health_reason, first_error) if part)


def judge(
    source: Source, runs: Sequence[CrawlRun], policy: HealthPolicy, now: datetime
) -> tuple[str, str]:
    """(verdict, reason) for a source from its recent runs, newest first."""
    if not runs:
        return "unknown", "never crawled"
    latest = runs[0]
    if latest.status == "failed":
        return "failing", _failing_reason(source, latest)
    stale = _stale_reason(source, runs, policy.interval_s(source), now)
    if stale:
        return "stale", stale
    if latest.status == "empty":
        return "degraded", source.health_reason
    rate = error_rate(runs)
    if rate > policy.error_rate_threshold:
        threshold = f"{policy.error_rate_threshold:.0%}"
        return (
            "degraded",
            f"errors on {rate:.0%} of requests over {len(runs)} run(s) (> {threshold})",
        )
    return "healthy", ""


def assess(session: Session, source: Source, policy: HealthPolicy, now: datetime) -> SourceHealth:
    runs = recent_runs(session, source)
    verdict, reason = judge(source, runs, policy, now)
    items = [produced(run) for run in runs]
    return SourceHealth(
        slug=source.slug,
        jurisdiction=source.jurisdiction,
        kind=source.kind,
        verdict=verdict,
        reason=reason,
        last_run=source.last_run_at,
        last_success=source.last_success_at,
        items_last_run=items[0] if items else 0,
        items_per_run=round(sum(items) / len(items), 1) if items else 0.0,
        error_rate=round(error_rate(runs), 3),
    )


def health_report(session: Session, policy: HealthPolicy, now: datetime) -> list[SourceHealth]:
    """Every source's health, by jurisdiction then slug."""
    sources = session.scalars(select(Source).order_by(Source.jurisdiction, Source.slug))
    return [assess(session, source, policy, now) for source in sources]
