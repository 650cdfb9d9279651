"""Relevance ranking and the on-topic default scope (issue #18 item 3), on SQLite and
PostgreSQL, over the web corpus of real documents (tests/web/conftest.py): the finder, the
search page, home, compare, the API and `fivewatch search`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session

from alerts.finder import Filters, Scope, Sort, find
from fivewatch.cli import cli
from tests.web.conftest import Corpus

# "Winnipeg" is in the title of one real statement (statements[1]) and twice in the body of
# another (statements[5]), which we DATE later than the first so that recency alone would
# put it first: only the rank puts the title match on top.
WINNIPEG = "winnipeg"


@pytest.fixture
def later_body_match(corpus: Corpus, session: Session) -> Corpus:
    corpus.statements[5].published_on = date(2018, 10, 20)
    session.commit()
    return corpus


def _ids(session: Session, filters: Filters) -> list[int]:
    return [hit.document.id for hit in find(session, filters).hits]


def test_a_title_match_ranks_above_a_newer_body_match(
    session: Session, later_body_match: Corpus
) -> None:
    title, body = later_body_match.statements[1].id, later_body_match.statements[5].id
    ranked = find(session, Filters(query=WINNIPEG, scope=Scope.ALL))
    assert (ranked.sort, [hit.document.id for hit in ranked.hits]) == ("relevance", [title, body])
    newest = Filters(query=WINNIPEG, scope=Scope.ALL, sort=Sort.NEWEST)
    assert _ids(session, newest) == [body, title]


def test_equal_ranks_are_newest_first(session: Session, later_body_match: Corpus) -> None:
    # The bills hold no "winnipeg": both rank 0, so the newer bill (S-209, 2025) comes first.
    query = f"{WINNIPEG} OR type:bill"
    ids = _ids(session, Filters(query=query, scope=Scope.ALL))
    corpus = later_body_match
    assert ids == [corpus.statements[1].id, corpus.statements[5].id, corpus.ca.id, corpus.uk.id]


def test_a_query_with_nothing_to_rank_is_newest_first(session: Session, corpus: Corpus) -> None:
    found = find(session, Filters(query="type:bill", scope=Scope.ALL))
    assert (found.sort, [hit.document.id for hit in found.hits]) == (
        "newest",
        [corpus.ca.id, corpus.uk.id],
    )


def test_the_slice_is_taken_after_ranking(session: Session, later_body_match: Corpus) -> None:
    second = find(session, Filters(query=WINNIPEG, scope=Scope.ALL, offset=1, limit=1))
    assert (second.total, [hit.document.id for hit in second.hits]) == (
        2,
        [later_body_match.statements[5].id],
    )


def test_the_default_scope_hides_off_topic_documents(session: Session, corpus: Corpus) -> None:
    # Only S-209 is tagged with a topic (age-assurance); the UK bill is about business rates.
    found = find(session, Filters(query="type:bill"))
    assert [hit.document.id for hit in found.hits] == [corpus.ca.id]
    assert (found.total, found.outside_scope) == (1, 1)
    assert found.facets["jurisdiction"] == {"ca": 1}  # facets count the scope only
    everything = find(session, Filters(query="type:bill", scope=Scope.ALL))
    assert {hit.document.id for hit in everything.hits} == {corpus.ca.id, corpus.uk.id}


def test_a_query_naming_a_bill_number_looks_everywhere(session: Session, corpus: Corpus) -> None:
    # The recorded off-topic bill (UK 2818) has no number: S-209 shows the scope chosen.
    found = find(session, Filters(query="number:s209"))
    assert (found.scope, [hit.document.id for hit in found.hits]) == ("all", [corpus.ca.id])


def _page(client: TestClient, query: str) -> html.HtmlElement:
    response = client.get(query)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def test_search_page_toggle_and_sort_switch(client: TestClient, later_body_match: Corpus) -> None:
    page = _page(client, "/search?q=type%3Abill")
    assert " ".join(page.cssselect("p.scope")[0].text_content().split()) == (
        "Showing 1 on-topic document · show all 2"
    )
    page = _page(client, page.cssselect("a.scope-toggle")[0].get("href"))
    assert len(page.cssselect("li.hit")) == 2
    ranked = _page(client, f"/search?q={WINNIPEG}&scope=all")
    first = ranked.cssselect("li.hit a")[0].get("href")
    newest = _page(client, ranked.cssselect("a.sort-switch")[0].get("href"))
    assert first == f"/documents/{later_body_match.statements[1].id}"
    assert newest.cssselect("li.hit a")[0].get("href") == (
        f"/documents/{later_body_match.statements[5].id}"
    )


def test_home_shows_on_topic_activity_with_a_toggle(client: TestClient, corpus: Corpus) -> None:
    home = _page(client, "/")
    assert " ".join(home.cssselect("p.scope")[0].text_content().split()) == (
        "Showing 1 on-topic documents · show all 9"
    )
    shown = {a.get("href") for a in home.cssselect("ol.activity a")}
    assert f"/documents/{corpus.ca.id}" in shown
    assert f"/documents/{corpus.uk.id}" not in shown
    everything = _page(client, home.cssselect("a.scope-toggle")[0].get("href"))
    assert f"/documents/{corpus.uk.id}" in {
        a.get("href") for a in everything.cssselect("ol.activity a")
    }


def test_compare_shows_on_topic_bills(client: TestClient, corpus: Corpus) -> None:
    shown = {a.get("href") for a in _page(client, "/compare").cssselect("th a")}
    assert shown == {f"/bills/{corpus.ca.id}"}


def test_api_scope_and_sort(client: TestClient, later_body_match: Corpus) -> None:
    default = client.get("/api/search", params={"q": "type:bill"}).json()
    assert (default["total"], default["facets"]["jurisdiction"]) == (1, {"ca": 1})
    assert client.get("/api/search", params={"q": "type:bill", "scope": "all"}).json()["total"] == 2
    params = {"q": WINNIPEG, "scope": "all", "sort": "newest"}
    [first, _] = client.get("/api/search", params=params).json()["hits"]
    assert first["document"]["id"] == later_body_match.statements[5].id
    assert client.get("/api/search", params={"q": "x", "sort": "oldest"}).status_code == 422


def _cli(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["search", *args, "--database-url", db_url])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_all_and_sort(db_url: str, later_body_match: Corpus) -> None:
    assert "1 on-topic documents match type:bill, 1 more off-topic (--all)" in _cli(
        db_url, "type:bill"
    )
    rows = json.loads(_cli(db_url, "type:bill", "--all", "--format", "json"))
    assert len(rows) == 2
    newest = json.loads(_cli(db_url, WINNIPEG, "--all", "--sort", "newest", "--format", "json"))
    assert newest[0]["id"] == later_body_match.statements[5].id
