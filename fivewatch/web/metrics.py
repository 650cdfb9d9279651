"""GET /metrics (token or loopback only): source health, runs and outbox as Prometheus text.

`fivewatch_source_health{source, verdict}` is 1 for the source's verdict (models.health:
healthy, unverified, empty, degraded, failing, stale, unknown) and 0 for the others, so a
blind source shows as verdict="unverified" and a silent one as verdict="empty".
`fivewatch_source_open_incident{source}` is 1 while an incident (models.incidents) is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fivewatch.web import queries
from fivewatch.web.security import require_metrics_access
from fivewatch.web.state import SessionDep, StateDep
from models import Alert, CrawlRun, Delivery, Source
from models.health import VERDICTS, SourceHealth
from models.incidents import open_since

router = APIRouter()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Sample = tuple[dict[str, str], float]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def family(name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> Iterator[str]:
    """One metric family: its HELP and TYPE lines, then one line per sample."""
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"
    for labels, value in samples:
        rendered = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
        yield f"{name}{{{rendered}}} {value:g}" if rendered else f"{name} {value:g}"


def health_families(report: list[SourceHealth]) -> Iterator[str]:
    yield from family(
        "fivewatch_source_health",
        "gauge",
        "1 for the source's current verdict, 0 for the others.",
        (
            ({"source": h.slug, "verdict": verdict}, float(h.verdict == verdict))
            for h in report
            for verdict in VERDICTS
        ),
    )
    yield from family(
        "fivewatch_source_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the source's last successful crawl.",
        (({"source": h.slug}, h.last_success.timestamp()) for h in report if h.last_success),
    )
    yield from family(
        "fivewatch_source_items_last_run",
        "gauge",
        "Items the source's last finished crawl produced.",
        (({"source": h.slug}, float(h.items_last_run)) for h in report),
    )
    yield from family(
        "fivewatch_source_error_rate",
        "gauge",
        "Errors per request over the source's recent crawls.",
        (({"source": h.slug}, h.error_rate) for h in report),
    )


def incident_families(session: Session, report: list[SourceHealth]) -> Iterator[str]:
    still_open = open_since(session)
    yield from family(
        "fivewatch_source_open_incident",
        "gauge",
        "1 while the source has an open health incident (as the admin mail last recorded it).",
        (({"source": h.slug}, float(h.slug in still_open)) for h in report),
    )


def run_families(session: Session) -> Iterator[str]:
    runs = session.execute(
        select(Source.slug, CrawlRun.status, func.count())
        .join(CrawlRun.source)
        .group_by(Source.slug, CrawlRun.status)
        .order_by(Source.slug, CrawlRun.status)
    )
    yield from family(
        "fivewatch_crawl_runs_total",
        "counter",
        "Crawl runs per source and status (ok, empty, errors, failed, stopped, abandoned, "
        "running).",
        (({"source": slug, "status": status}, float(count)) for slug, status, count in runs),
    )


def outbox_families(session: Session) -> Iterator[str]:
    deliveries = session.execute(
        select(Delivery.kind, Delivery.status, func.count())
        .group_by(Delivery.kind, Delivery.status)
        .order_by(Delivery.kind, Delivery.status)
    )
    yield from family(
        "fivewatch_deliveries",
        "gauge",
        "Emails in the outbox per kind and status.",
        (({"kind": kind, "status": status}, float(count)) for kind, status, count in deliveries),
    )
    alerts = session.scalar(select(func.count()).select_from(Alert)) or 0
    yield from family("fivewatch_alerts_total", "counter", "Alerts created.", [({}, alerts)])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    include_in_schema=False,
    dependencies=[Depends(require_metrics_access)],
)
def metrics(session: SessionDep, state: StateDep) -> PlainTextResponse:
    report = queries.sources(session, state.config)
    lines = [
        *health_families(report),
        *incident_families(session, report),
        *run_families(session),
        *outbox_families(session),
    ]
    return PlainTextResponse("\n".join(lines) + "\n", media_type=CONTENT_TYPE)
