"""Error pages: a person opening a page gets HTML with a way back; the API keeps its JSON.

Routes that fail on purpose (a crash, a detail echoing its input) are added for the test to an
app built for it; the app itself has none.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from fivewatch.web import create_app
from tests.web.conftest import web_config

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HOSTILE = '<img src=x onerror="alert(1)">'  # no "/": one path segment


def _crash() -> None:
    raise RuntimeError("internal detail: connection string postgres://secret")


def _echo(name: str) -> None:
    raise HTTPException(404, f"Nothing called {name}")


@pytest.fixture
def app(db_url: str, outbox: Path) -> FastAPI:
    built = create_app(web_config(db_url, outbox))
    for path in ("/crash", "/api/crash"):
        built.add_api_route(path, _crash)
    built.add_api_route("/echo/{name}", _echo)
    return built


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    """A client that asks for HTML, as a browser does, and gets 500s as answers."""
    with TestClient(app, headers=BROWSER, raise_server_exceptions=False) as client:
        yield client


def _assert_ways_back(html: str) -> None:
    assert 'href="/">Home</a>' in html
    assert 'href="/search">Search</a>' in html
    assert "data-back" in html


def test_an_unknown_page_is_a_404_page_with_ways_back(browser: TestClient) -> None:
    answer = browser.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found" in answer.text
    assert "There is no page at this address" in answer.text
    _assert_ways_back(answer.text)
    assert "script-src 'self';" in answer.headers["Content-Security-Policy"]


def test_a_missing_document_is_a_404_page_naming_it(browser: TestClient) -> None:
    answer = browser.get("/bills/999999")
    assert answer.status_code == 404
    assert "No bill 999999" in answer.text
    _assert_ways_back(answer.text)


def test_the_api_and_clients_not_asking_for_html_keep_json(browser: TestClient) -> None:
    api = browser.get("/api/unknown")
    assert (api.status_code, api.json()) == (404, {"detail": "Not Found"})
    bad = browser.get("/api/documents", params={"limit": 0})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "limit"]
    plain = browser.get("/no-such-page", headers={"Accept": "*/*"})
    assert (plain.status_code, plain.json()) == (404, {"detail": "Not Found"})


def test_bad_parameters_are_a_422_page_listing_them(browser: TestClient) -> None:
    answer = browser.get("/search", params={"page": 0, "jurisdiction": "XX"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    items = re.findall(r"<li>(.*?)</li>", answer.text)
    assert "page: Input should be greater than or equal to 1" in items
    assert any(item.startswith("jurisdiction.0: Input should be") for item in items)
    for raw in ("'loc'", "&#39;loc&#39;", "pydantic", '"type"'):
        assert raw not in answer.text
    _assert_ways_back(answer.text)


def test_a_crash_is_a_500_page_with_a_reference_and_no_traceback(
    browser: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="fivewatch.web.errors"):
        answer = browser.get("/crash")
    assert answer.status_code == 500
    found = re.search(r"<code>([0-9a-f]{12})</code>", answer.text)
    assert found, answer.text
    for leak in ("Traceback", "RuntimeError", "postgres://secret", "_crash"):
        assert leak not in answer.text
    _assert_ways_back(answer.text)
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    [record] = caplog.records
    assert found.group(1) in record.getMessage()
    assert record.exc_info
    assert isinstance(record.exc_info[1], RuntimeError)


def test_an_api_crash_is_json_with_a_reference(browser: TestClient) -> None:
    answer = browser.get("/api/crash")
    assert answer.status_code == 500
    body = answer.json()
    assert body["detail"] == "Internal Server Error"
    assert re.fullmatch(r"[0-9a-f]{12}", body["reference"])


def test_a_hostile_path_is_escaped(browser: TestClient) -> None:
    for path in (f"/{HOSTILE}", f"/bills/{HOSTILE}", f"/echo/{HOSTILE}"):
        answer = browser.get(path)
        assert answer.status_code in (404, 422)
        assert "<img" not in answer.text
    echoed = browser.get(f"/echo/{HOSTILE}").text
    assert "Nothing called &lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in echoed


def test_an_error_keeps_its_headers(browser: TestClient) -> None:
    answer = browser.get("/admin")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="FiveWatch admin"'
    assert "Admin password required" in answer.text


def test_docs_are_served_by_the_app_alone(browser: TestClient) -> None:
    docs = browser.get("/docs")
    assert docs.status_code == 200
    assert re.findall(r'(?:src|href)="([^"]+)"', docs.text) == [
        "/docs-assets/swagger-ui.css",
        "data:,",
        "/docs-assets/swagger-ui-bundle.js",
    ]
    assert "url: '/openapi.json'" in docs.text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        assert browser.get(f"/docs-assets/{asset}").status_code == 200
    policy = docs.headers["Content-Security-Policy"]
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/]+=*';", policy)
    assert "unsafe" not in policy
    home = browser.get("/")
    assert 'href="/docs">API</a>' in home.text
    assert "script-src 'self';" in home.headers["Content-Security-Policy"]
