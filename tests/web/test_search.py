"""The search page, its filters, facets, highlighting, paging and exports."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from lxml import html

from tests.web.conftest import Corpus


def _page(client: TestClient, query: str) -> html.HtmlElement:
    response = client.get(f"/search?{query}")
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def _titles(page: html.HtmlElement) -> list[str]:
    return [
        " ".join(li.cssselect("a")[0].text_content().split()) for li in page.cssselect("li.hit")
    ]


def test_query_language_finds_folded_accents_and_highlights(
    client: TestClient, corpus: Corpus
) -> None:
    page = _page(client, "q=acces+AND+pornograph*")  # "accès" in the French long title
    assert _titles(page) == ["S-209 Protecting Young Persons from Exposure to Pornography Act"]
    marks = [mark.text_content() for mark in page.cssselect("p.snippet mark")]
    assert marks
    assert all(m.lower().startswith(("pornograph", "accès")) for m in marks)


def test_snippet_text_is_escaped_before_marking(
    client: TestClient, corpus: Corpus, session
) -> None:
    bill = session.get(type(corpus.uk), corpus.uk.id)
    bill.summary = f"<img src=x onerror=alert(1)> {bill.summary}"
    session.commit()
    text = client.get("/search?q=rates").text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_filters_and_facets(client: TestClient, corpus: Corpus) -> None:
    everything = _page(client, "")
    facet = {
        h2.text_content(): {
            li.text_content().rsplit(" ", 1)[0]: int(li.cssselect(".count")[0].text)
            for li in h2.getnext().cssselect("li")
        }
        for h2 in everything.cssselect(".facets h2")
    }
    assert facet["Jurisdiction"] == {"ca": 8, "uk": 1}
    assert facet["Type"] == {"statement": 7, "bill": 2}
    uk = everything.xpath("//aside//a[text()='uk']")[0].get("href")
    assert _titles(_page(client, uk.split("?", 1)[1])) == ["Abolition of Business Rates Bill"]
    assert _titles(_page(client, "type=bill&jurisdiction=uk")) == [
        "Abolition of Business Rates Bill"
    ]
    assert len(_titles(_page(client, "type=statement&since=2018-10-18&until=2018-10-18"))) == 3
    topic = corpus.ca.topics[0]
    assert _titles(_page(client, f"topic={topic}&type=bill"))[0].startswith("S-209")


def test_bad_query_points_at_the_column(client: TestClient, corpus: Corpus) -> None:
    response = client.get("/search", params={"q": 'online AND ("child'})
    assert response.status_code == 400
    page = html.fromstring(response.text)
    caret = page.cssselect("pre.caret")[0].text_content()
    assert "^" in caret
    assert "column" in page.cssselect(".error p")[0].text_content()


def test_paging_keeps_the_filters(client: TestClient, corpus: Corpus) -> None:
    from fivewatch.web import search

    original = search.PAGE_SIZE
    search.PAGE_SIZE = 4
    try:
        first = _page(client, "type=statement")
        second = _page(client, "type=statement&page=2")
    finally:
        search.PAGE_SIZE = original
    first_ids = [a.get("href") for a in first.cssselect("li.hit > a")]
    second_ids = [a.get("href") for a in second.cssselect("li.hit > a")]
    assert len(first_ids) == 4
    assert len(second_ids) == 3
    assert not set(first_ids) & set(second_ids)
    next_link = first.cssselect("a[rel=next]")[0].get("href")
    assert "type=statement" in next_link
    assert "page=2" in next_link


def test_exports_hold_the_full_result(client: TestClient, corpus: Corpus) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/search/export.csv?type=statement").text)))
    assert len(rows) == 7
    assert {row["jurisdiction"] for row in rows} == {"ca"}
    answer = client.get("/search/export.json", params={"q": "pornography"})
    assert answer.headers["content-disposition"].startswith("attachment")
    data = answer.json()
    assert data["total"] == 1
    assert data["hits"][0]["document"]["reference"] == "S-209"
    assert data["hits"][0]["matched_terms"] == ["pornography"]
    assert client.get("/search/export.csv", params={"q": "("}).status_code == 400


def test_empty_date_fields_mean_no_bound(client: TestClient, corpus: Corpus) -> None:
    page = _page(client, "q=pornography&since=&until=")
    assert len(_titles(page)) == 1
    assert client.get("/search?since=not-a-date").status_code == 422
