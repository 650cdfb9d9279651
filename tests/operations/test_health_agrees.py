"""One database state, one verdict per source: `fivewatch sources`, /api/sources, /admin, the
home page, /metrics and the admin mail all read models.health, so they cannot disagree; and
the incidents the admin mail records are the ones they all show open."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import cast

from click.testing import CliRunner
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session

from alerts.admin_mail import health_problems, queue_admin_mail
from fivewatch.cli import cli
from fivewatch.config import Config
from fivewatch.health_policy import HealthPolicy
from models import CrawlRun, Source, utcnow
from models.store import ensure_source
from tests.operations.test_metrics import LOOPBACK, app, scrape

PASSWORD = "agree-admin-password"
EXPECTED = {"nz-bills": "unverified", "uk-bills": "empty", "ca-legisinfo-bills": "healthy"}


def ran(session: Session, slug: str, status: str, items: int, ago: timedelta) -> Source:
    source = session.query(Source).filter_by(slug=slug).one_or_none() or ensure_source(
        session, slug=slug, jurisdiction=slug[:2], kind="bills"
    )
    at = utcnow() - ago
    session.add(
        CrawlRun(source=source, started_at=at, finished_at=at, status=status, items_scraped=items)
    )
    source.last_run_at = at
    if status == "ok":
        source.last_success_at = at
    return source


def state(session: Session) -> None:
    """nz-bills: a blind source whose replay went fine; uk-bills: quiet after 40 records."""
    ran(session, "nz-bills", "ok", 12, timedelta(minutes=5)).verified = False
    ran(session, "uk-bills", "ok", 40, timedelta(minutes=20))
    ran(session, "uk-bills", "empty", 0, timedelta(minutes=5))
    ran(session, "ca-legisinfo-bills", "ok", 30, timedelta(minutes=5))
    session.commit()


def cli_rows(db_url: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["sources", "--format", "json", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, str]] = json.loads(result.output)
    return rows


def cli_verdicts(db_url: str) -> dict[str, str]:
    return {row["slug"]: row["health"] for row in cli_rows(db_url)}


def test_every_surface_gives_the_same_verdicts(
    db_url: str, tmp_path: Path, session: Session
) -> None:
    state(session)
    verdicts = cli_verdicts(db_url)  # also adds every spider's row, as `sources` does
    assert {slug: verdicts[slug] for slug in EXPECTED} == EXPECTED
    web = app(db_url, tmp_path, FIVEWATCH_ADMIN_PASSWORD=PASSWORD)
    with TestClient(web, client=LOOPBACK) as client:
        api = {row["slug"]: row["health"] for row in client.get("/api/sources").json()}
        admin = client.get("/admin", auth=("admin", PASSWORD))
        home = client.get("/")
        samples = scrape(client)
    assert api == verdicts
    admin_sources = "//h2[.='Sources']/following-sibling::div[1]/table"
    assert page_verdicts(admin.text, admin_sources) == verdicts
    assert page_verdicts(home.text, "//table[@class='sources']") == verdicts
    gauges = {
        dict(labels)["source"]: dict(labels)["verdict"]
        for (name, labels), value in samples.items()
        if name == "fivewatch_source_health" and value == 1
    }
    assert gauges == verdicts
    session.expire_all()
    policy = HealthPolicy.from_config(Config.from_env({}))
    mailed = {p.slug: p.state for p in health_problems(session, utcnow(), policy)}
    assert mailed == {"nz-bills": "unverified", "uk-bills": "empty"}  # the sources that ran


def page_verdicts(page: str, table: str) -> dict[str, str]:
    """slug → verdict from a health table: its rows carry class="health-VERDICT"."""
    rows = elements(html.fromstring(page), f"{table}//tbody/tr")
    return {
        elements(row, "td[1]")[0].text_content(): str(row.get("class")).removeprefix("health-")
        for row in rows
    }


def test_every_surface_shows_the_incidents_the_admin_mail_opened(
    db_url: str, tmp_path: Path, session: Session
) -> None:
    state(session)
    policy = HealthPolicy.from_config(Config.from_env({}))
    assert queue_admin_mail(session, "ops@example.org", utcnow(), policy) == 2
    session.commit()
    mailed = {"nz-bills", "uk-bills"}
    since = {row["slug"] for row in cli_rows(db_url) if row["since"]}
    assert since == mailed
    web = app(db_url, tmp_path, FIVEWATCH_ADMIN_PASSWORD=PASSWORD)
    with TestClient(web, client=LOOPBACK) as client:
        admin = client.get("/admin", auth=("admin", PASSWORD))
        samples = scrape(client)
    assert open_incident_slugs(admin.text) == mailed
    gauges = {
        dict(labels)["source"]
        for (name, labels), value in samples.items()
        if name == "fivewatch_source_open_incident" and value == 1
    }
    assert gauges == mailed


def open_incident_slugs(page: str) -> set[str]:
    """The sources of the open incidents in /admin's incidents table."""
    rows = "//table[@id='incidents']//tr[@class='incident-open']"
    return {cell.text_content() for cell in elements(html.fromstring(page), f"{rows}/td[1]")}


def elements(tree: html.HtmlElement, path: str) -> list[html.HtmlElement]:
    return cast(list[html.HtmlElement], tree.xpath(path))
