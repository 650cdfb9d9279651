"""The search page, its filters, facets, highlighting, paging and exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session

from alerts.result_columns import COLUMN_NAMES
from fivewatch.cli import cli
from tests.web.conftest import Corpus


def _page(client: TestClient, query: str) -> html.HtmlElement:
    response = client.get(f"/search?scope=all&{query}")  # the whole corpus: most is off-topic
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
    client: TestClient, corpus: Corpus, session: Session
) -> None:
    bill = corpus.uk  # held by `session`, as the corpus stored it
    bill.summary = f"<img src=x onerror=alert(1)> {bill.summary}"
    session.commit()
    text = client.get("/search?q=rates&scope=all").text
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
    page: html.HtmlElement = html.fromstring(response.text)
    caret = page.cssselect("pre.caret")[0].text_content()
    assert "^" in caret
    assert "column" in page.cssselect(".error p")[0].text_content()


def test_paging_keeps_the_filters(client: TestClient, corpus: Corpus) -> None:
    from fivewatch.web import search_page

    original = search_page.PAGE_SIZE
    search_page.PAGE_SIZE = 4
    try:
        first = _page(client, "type=statement")
        second = _page(client, "type=statement&page=2")
    finally:
        search_page.PAGE_SIZE = original
    first_ids = [a.get("href") for a in first.cssselect("li.hit > a")]
    second_ids = [a.get("href") for a in second.cssselect("li.hit > a")]
    assert len(first_ids) == 4
    assert len(second_ids) == 3
    assert not set(first_ids) & set(second_ids)
    next_link = first.cssselect("a[rel=next]")[0].get("href")
    assert "type=statement" in next_link
    assert "page=2" in next_link


def test_exports_hold_the_full_result(client: TestClient, corpus: Corpus) -> None:
    rows = list(
        csv.DictReader(io.StringIO(client.get("/search/export.csv?type=statement&scope=all").text))
    )
    assert len(rows) == 7
    assert {row["jurisdiction"] for row in rows} == {"ca"}
    answer = client.get("/search/export.json", params={"q": "pornography"})
    assert answer.headers["content-disposition"].startswith("attachment")
    [row] = answer.json()
    assert row["reference"] == "S-209"
    assert row["matched_terms"] == "pornography"
    assert client.get("/search/export.csv", params={"q": "("}).status_code == 400


def test_empty_date_fields_mean_no_bound(client: TestClient, corpus: Corpus) -> None:
    page = _page(client, "q=pornography&since=&until=")
    assert len(_titles(page)) == 1
    assert client.get("/search?since=not-a-date").status_code == 422


def _cli_search(db_url: str, query: str, fmt: str) -> str:
    arguments = [
        "search",
        query,
        "--type",
        "statement",
        "--all",
        "--format",
        fmt,
        "--database-url",
        db_url,
    ]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("query", ["children OR canada*", ""])
def test_every_export_has_the_same_columns_and_values(
    client: TestClient, corpus: Corpus, db_url: str, query: str
) -> None:
    params = {"q": query, "type": "statement", "scope": "all"}
    web_csv = client.get("/search/export.csv", params=params).text
    exports = {
        "web csv": list(csv.DictReader(io.StringIO(web_csv))),
        "cli csv": list(csv.DictReader(io.StringIO(_cli_search(db_url, query, "csv")))),
        "web json": client.get("/search/export.json", params=params).json(),
        "cli json": json.loads(_cli_search(db_url, query, "json")),
    }
    assert web_csv.splitlines()[0] == ",".join(COLUMN_NAMES)
    as_text = {
        name: [{column: str(value) for column, value in row.items()} for row in rows]
        for name, rows in exports.items()
    }
    assert all(tuple(rows[0]) == COLUMN_NAMES for rows in as_text.values())
    assert len({json.dumps(rows) for rows in as_text.values()}) == 1, as_text
    ids = [int(row["id"]) for row in as_text["web csv"]]
    api = client.get("/api/search", params=params | {"limit": 200}).json()
    assert [hit["document"]["id"] for hit in api["hits"]] == ids
    assert not any("[[" in row["snippet"] for row in as_text["web csv"])
