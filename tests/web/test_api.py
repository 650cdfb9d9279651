"""The JSON API under /api/ and its OpenAPI schema."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.alerts.realbills import ca_bill_s209
from tests.web.conftest import Corpus


def test_documents_list_filters_and_pages(client: TestClient, corpus: Corpus) -> None:
    listing = client.get("/api/documents", params={"type": "bill"}).json()
    assert listing["total"] == 2
    assert [d["jurisdiction"] for d in listing["documents"]] == ["ca", "uk"]  # newest first
    page = client.get("/api/documents", params={"limit": 3, "offset": 3}).json()
    assert page["total"] == 9
    assert len(page["documents"]) == 3
    assert client.get("/api/documents", params={"jurisdiction": "fr"}).status_code == 422


def test_document_detail(client: TestClient, corpus: Corpus) -> None:
    detail = client.get(f"/api/documents/{corpus.ca.id}").json()
    assert detail["reference"] == "S-209"
    assert detail["title_alt"].startswith("Loi sur la protection")
    assert detail["sponsor"] == "Julie Miville-Dechêne"
    assert client.get("/api/documents/999999").status_code == 404


def test_bill_history_has_every_event_in_order(client: TestClient, corpus: Corpus) -> None:
    history = client.get(f"/api/bills/{corpus.ca.id}/history").json()
    expected = [(e.stage, e.chamber, e.occurred_on.isoformat()) for e in ca_bill_s209().events]
    got = [(e["stage"], e["chamber"], e["occurred_on"]) for e in history["events"]]
    assert sorted(got, key=lambda e: e[2]) == got
    assert sorted(got) == sorted(expected)
    assert client.get(f"/api/bills/{corpus.statements[0].id}/history").status_code == 404


def test_search_returns_hits_and_facets(client: TestClient, corpus: Corpus) -> None:
    answer = client.get(
        "/api/search", params={"q": "children", "type": "statement", "scope": "all"}
    ).json()
    assert answer["total"] >= 2
    assert answer["facets"]["kind"] == {"statement": answer["total"]}
    assert all("[[" in hit["snippet"] for hit in answer["hits"])
    bad = client.get("/api/search", params={"q": "online AND (child"})
    assert bad.status_code == 400
    assert isinstance(bad.json()["detail"]["position"], int)


def test_sources_and_query_check(client: TestClient, corpus: Corpus) -> None:
    slugs = {source["slug"] for source in client.get("/api/sources").json()}
    assert {"uk-bills", "ca-legisinfo-bills"} <= slugs
    assert client.get("/api/query-check", params={"q": '"online safety"'}).json()["ok"]
    check = client.get("/api/query-check", params={"q": "online AND"}).json()
    assert check["ok"] is False
    assert check["position"] == len("online AND")
    assert check["pretty"].splitlines()[1].index("^") == check["position"] + 2


def test_query_check_warns_of_a_valid_query_that_means_something_else(client: TestClient) -> None:
    check = client.get("/api/query-check", params={"q": "grooming or sextortion"}).json()
    assert check["ok"] is True
    assert check["warnings"] == [
        {
            "message": "'or' is searched as a word (every word is required); operators are "
            "written in capitals: OR",
            "suggestion": "grooming OR sextortion",
        }
    ]
    assert client.get("/api/query-check", params={"q": "a OR b"}).json()["warnings"] == []


def test_openapi_lists_the_json_api_and_no_html_page(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert not paths & {
        "/",
        "/search",
        "/subscribe",
        "/admin",
        "/compare",
        "/bills/{document_id}/diff",
    }
    assert {path for path in paths if path.startswith("/api/")} == {
        "/api/documents",
        "/api/documents/{document_id}",
        "/api/bills/{document_id}",
        "/api/bills/{document_id}/history",
        "/api/bills/{document_id}/texts",
        "/api/bills/{document_id}/texts/{key}",
        "/api/bills/{document_id}/diff",
        "/api/search",
        "/api/sources",
        "/api/query-check",
    }


def test_no_cdn_docs_page_under_our_csp(client: TestClient) -> None:
    assert "cdn" not in client.get("/docs").text  # served by the app (test_error_pages.py)
    assert client.get("/openapi.json").json()["info"]["title"] == "FiveWatch"
