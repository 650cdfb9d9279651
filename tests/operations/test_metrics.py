"""GET /metrics: the Prometheus text format, read back with the reference parser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from fivewatch.config import Config
from fivewatch.web import create_app
from models import CrawlRun, Source, utcnow
from models.store import ensure_source

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


LOOPBACK = ("127.0.0.1", 50000)  # Prometheus on the same host, no token configured
REMOTE = ("192.0.2.40", 50000)  # RFC 5737 documentation address
TOKEN = "metrics-test-token"


def app(db_url: str, tmp_path: Path, **settings: str) -> FastAPI:
    env = {
        "FIVEWATCH_DATABASE_URL": db_url,
        "FIVEWATCH_SECRET_KEY": "metrics-test-secret",
        "FIVEWATCH_OUTBOX_DIR": str(tmp_path / "outbox"),
        **settings,
    }
    return create_app(Config.from_env(env))


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(app(db_url, tmp_path), client=LOOPBACK) as test_client:
        yield test_client


def crawled(session: Session, status: str, items: int) -> Source:
    source = ensure_source(session, slug="ca-gc-news", jurisdiction="ca", kind="statements")
    now = utcnow()
    session.add(
        CrawlRun(source=source, started_at=now, finished_at=now, status=status, items_scraped=items)
    )
    source.last_run_at = now
    if status == "ok":
        source.last_success_at = now
    session.commit()
    return source


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def health(samples: Samples, verdict: str) -> float:
    return samples[
        ("fivewatch_source_health", frozenset({("source", "ca-gc-news"), ("verdict", verdict)}))
    ]


def test_a_healthy_source_and_its_run(client: TestClient, session: Session) -> None:
    crawled(session, "ok", 44)
    samples = scrape(client)
    assert health(samples, "healthy") == 1
    assert health(samples, "failing") == 0
    assert samples[("fivewatch_source_items_last_run", frozenset({("source", "ca-gc-news")}))] == 44
    runs = frozenset({("source", "ca-gc-news"), ("status", "ok")})
    assert samples[("fivewatch_crawl_runs_total", runs)] == 1
    assert samples[("fivewatch_alerts_total", frozenset())] == 0
    assert (
        "fivewatch_source_last_success_timestamp_seconds",
        frozenset({("source", "ca-gc-news")}),
    ) in samples


def test_a_failed_run_turns_the_gauge_to_failing(client: TestClient, session: Session) -> None:
    crawled(session, "ok", 44)
    crawled(session, "failed", 0)
    samples = scrape(client)
    assert health(samples, "failing") == 1
    assert health(samples, "healthy") == 0
    failed = frozenset({("source", "ca-gc-news"), ("status", "failed")})
    assert samples[("fivewatch_crawl_runs_total", failed)] == 1


def test_without_a_token_only_this_host_may_scrape(db_url: str, tmp_path: Path) -> None:
    with TestClient(app(db_url, tmp_path), client=REMOTE) as remote:
        assert remote.get("/metrics").status_code == 403
    with TestClient(app(db_url, tmp_path), client=LOOPBACK) as local:
        # SYNTHETIC: a remote client behind the local proxy claims to be loopback itself.
        spoofed = {"X-Forwarded-For": "127.0.0.1, 192.0.2.40"}
        assert local.get("/metrics", headers=spoofed).status_code == 403


def test_with_a_token_every_scrape_must_bear_it(db_url: str, tmp_path: Path) -> None:
    with TestClient(
        app(db_url, tmp_path, FIVEWATCH_METRICS_TOKEN=TOKEN), client=LOOPBACK
    ) as scraper:
        refused = scraper.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = scraper.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401
        right = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200


def test_a_blind_source_is_unverified_not_healthy(client: TestClient, session: Session) -> None:
    crawled(session, "ok", 44).verified = False  # a replay of a cassette built from the docs
    session.commit()
    samples = scrape(client)
    assert (health(samples, "unverified"), health(samples, "healthy")) == (1, 0)


def test_a_second_empty_run_keeps_the_gauge_on_empty(client: TestClient, session: Session) -> None:
    crawled(session, "ok", 44)
    crawled(session, "empty", 0)
    crawled(session, "empty", 0)
    samples = scrape(client)
    assert (health(samples, "empty"), health(samples, "healthy")) == (1, 0)
