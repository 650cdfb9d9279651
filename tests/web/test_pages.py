"""Home, bill, statement and compare pages over real documents, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers.spiders.uk.bill_publications import parse_publications
from models import CrawlRun, Source
from tests.alerts.realbills import ca_bill_s209
from tests.conftest import FIXTURES
from tests.web.conftest import ADMIN_PASSWORD, Corpus

PUBLICATIONS = FIXTURES / "real/uk-publications/bill-512_publications_snommoc.json"


def _tree(client: TestClient, path: str) -> html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def test_home_lists_latest_activity_and_source_health(client: TestClient, corpus: Corpus) -> None:
    page = _tree(client, "/?scope=all")  # off-topic activity too
    activity = page.cssselect("ol.activity li")
    assert len(activity) == 10  # 2 bills, 7 statements, 1 stage change
    texts = " ".join(li.text_content() for li in activity)
    assert "Protecting Young Persons from Exposure to Pornography Act" in texts
    latest = ca_bill_s209().events[-1]
    assert f"{latest.stage} ({latest.chamber})" in texts  # a stage change, not only new documents
    sources = [row.text_content() for row in page.cssselect("table.sources tbody tr")]
    assert any("ca-legisinfo-bills" in row and "unknown" in row for row in sources)


def test_bill_page_shows_titles_sponsor_stage_timeline_and_follow(
    client: TestClient, corpus: Corpus
) -> None:
    page = _tree(client, f"/bills/{corpus.ca.id}")
    assert "S-209" in page.cssselect("h1")[0].text_content()
    assert page.cssselect(".title-alt")[0].text_content().startswith("Loi sur la protection")
    assert "Julie Miville-Dechêne" in page.text_content()
    assert (
        page.get_element_by_id("current-stage")
        .text_content()
        .startswith("At second reading in the House of Commons")
    )
    chambers = [h3.text_content() for h3 in page.cssselect("#timeline h3")]
    assert chambers == ["Senate", "House of Commons"]
    assert len(page.cssselect("#timeline li")) == len(corpus.ca.events)
    assert str(corpus.mentioning.id) in " ".join(a.get("href") for a in page.cssselect("a"))
    follow = page.cssselect("form.follow")[0]
    assert follow.cssselect("input[name=csrf_token]")[0].get("value")
    assert follow.cssselect("input[name=follow_id]")[0].get("value") == str(corpus.ca.id)


def test_documents_path_serves_bills_and_statements(client: TestClient, corpus: Corpus) -> None:
    assert "Timeline" in client.get(f"/documents/{corpus.uk.id}").text
    statement = _tree(client, f"/documents/{corpus.mentioning.id}")
    assert "Bills it mentions" in statement.text_content()
    linked = [a.get("href") for a in statement.cssselect("article section a")]
    assert linked == [f"/documents/{corpus.ca.id}"]


def test_statement_and_bill_paths_check_the_kind(client: TestClient, corpus: Corpus) -> None:
    assert client.get(f"/statements/{corpus.uk.id}").status_code == 404
    assert client.get(f"/bills/{corpus.statements[0].id}").status_code == 404
    assert client.get("/documents/999999").status_code == 404


def test_statement_body_html_is_sanitised(
    client: TestClient, corpus: Corpus, session: Session
) -> None:
    statement = session.get(type(corpus.uk), corpus.statements[1].id)
    real = statement.body_html or "<p>x</p>"
    statement.body_html = real + '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'
    statement.url = "javascript:alert(3)"
    session.commit()
    text = client.get(f"/statements/{statement.id}").text
    assert "<script>alert(1)" not in text
    assert "javascript:" not in text


def test_compare_shows_stages_side_by_side_and_an_svg_chart(
    client: TestClient, corpus: Corpus
) -> None:
    page = _tree(client, "/compare?scope=all")  # the UK bill is off-topic
    headers = [th.text_content() for th in page.cssselect("table.compare thead th")]
    assert any("CA S-209" in h for h in headers)
    assert any("UK" in h for h in headers)
    # The corpus records carry no stage categories: no step row, nothing to chart.
    rows = [tr[0].text_content() for tr in page.cssselect("table.compare tbody tr")]
    assert rows == ["Status"]
    assert page.cssselect("#progress-chart p.empty")


def test_compare_filters_by_topic(client: TestClient, corpus: Corpus) -> None:
    assert corpus.ca.topics, "S-209 is tagged by models/topics.toml"
    page = _tree(client, f"/compare?topic={corpus.ca.topics[0]}")
    headers = " ".join(th.text_content() for th in page.cssselect("table.compare thead th"))
    assert "S-209" in headers
    assert "UK" not in headers


def test_every_page_sends_the_security_headers(client: TestClient, corpus: Corpus) -> None:
    for path in ("/", f"/bills/{corpus.ca.id}", "/search?q=pornography", "/api/sources"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_bill_page_lists_texts_and_publications(
    client: TestClient, corpus: Corpus, session: Session
) -> None:
    """Bill 2818 given the publications of the real bill-512 body, parsed by the spider's code."""
    publications = parse_publications(json.loads(PUBLICATIONS.read_bytes()))
    bill = session.get(type(corpus.uk), corpus.uk.id)
    bill.extra = {"publications": publications}
    session.commit()
    items = _tree(client, f"/bills/{corpus.uk.id}").cssselect("li.publication")
    assert len(items) == len(publications)
    assert items[0].text_content().startswith(publications[0]["title"])
    hrefs = [a.get("href") for a in items[0].cssselect("a")]
    assert hrefs == [link["url"] for link in publications[0]["links"]]


def test_home_shows_a_stale_source_without_any_new_crawl(
    client: TestClient, corpus: Corpus, session: Session
) -> None:
    """The verdict is computed when read: no success for twice the interval is stale."""
    long_ago = datetime.now(UTC) - timedelta(days=3)
    source = session.scalars(select(Source).where(Source.slug == "ca-legisinfo-bills")).one()
    source.last_run_at = source.last_success_at = long_ago
    session.add(
        CrawlRun(
            source=source,
            started_at=long_ago,
            finished_at=long_ago,
            status="ok",
            items_scraped=3,
            requests=3,
        )
    )
    session.commit()
    rows = [row.text_content() for row in _tree(client, "/").cssselect("table.sources tbody tr")]
    [row] = [row for row in rows if "ca-legisinfo-bills" in row]
    assert "stale" in row


def test_a_blind_source_is_unverified_on_the_admin_page_and_api(
    client: TestClient, corpus: Corpus, session: Session
) -> None:
    """A replay that parsed a cassette built from the docs proves nothing of the real site."""
    source = session.scalars(select(Source).where(Source.slug == "ca-legisinfo-bills")).one()
    now = datetime.now(UTC)
    source.verified, source.last_success_at = False, now
    session.add(CrawlRun(source=source, started_at=now, finished_at=now, status="ok"))
    session.commit()
    admin = html.fromstring(client.get("/admin", auth=("admin", ADMIN_PASSWORD)).text)
    [row] = [
        row for row in admin.xpath("(//table)[1]//tbody/tr") if "ca-legisinfo" in row.text_content()
    ]
    assert [cell.text_content() for cell in row.xpath("td")][:2] == [
        "ca-legisinfo-bills",
        "unverified",
    ]
    [api] = [s for s in client.get("/api/sources").json() if s["slug"] == "ca-legisinfo-bills"]
    assert api["health"] == "unverified"
    assert "--record" in api["health_reason"]
