"""find() evaluates the alert query language over stored documents, filtered and paged, and
its hits export as one column set (alerts.result_columns)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from alerts.finder import Filters, Scope, Sort, find
from alerts.query import QuerySyntaxError
from alerts.result_columns import COLUMN_NAMES, result_row
from tests.alerts.conftest import Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818


@pytest.fixture
def stored(store: Store) -> None:
    store(uk_bill_2818())
    store(ca_bill_s209())


@pytest.mark.usefixtures("stored")
def test_search_uses_the_query_semantics(session: Session) -> None:
    found = find(session, Filters(scope=Scope.ALL, query='"business rates"'))
    assert found.total == 1
    [hit] = found.hits
    assert hit.document.external_id == "2818"
    assert hit.matched_terms == ['"business rates"']
    assert "[[Business Rates]]" in hit.snippet
    assert find(session, Filters(scope=Scope.ALL, query='"rates business"')).total == 0
    assert (
        find(session, Filters(scope=Scope.ALL, query="accès")).hits[0].document.reference == "S-209"
    )


@pytest.mark.usefixtures("stored")
def test_search_newest_first_with_filters_and_paging(session: Session) -> None:
    everything = find(session, Filters(scope=Scope.ALL, sort=Sort.NEWEST, query="bill OR act"))
    assert [hit.document.jurisdiction for hit in everything.hits] == ["ca", "uk"]
    assert (
        find(
            session,
            Filters(scope=Scope.ALL, sort=Sort.NEWEST, query="bill OR act", jurisdictions=("uk",)),
        ).total
        == 1
    )
    assert (
        find(
            session,
            Filters(scope=Scope.ALL, sort=Sort.NEWEST, query="bill OR act", kinds=("statement",)),
        ).total
        == 0
    )
    second = find(
        session, Filters(scope=Scope.ALL, sort=Sort.NEWEST, query="bill OR act", limit=1, offset=1)
    )
    assert (second.total, [h.document.jurisdiction for h in second.hits]) == (2, ["uk"])
    assert second.facets["jurisdiction"] == {"ca": 1, "uk": 1}  # facets count every match


@pytest.mark.usefixtures("stored")
def test_a_blank_query_keeps_what_the_filters_keep(session: Session) -> None:
    found = find(session, Filters(scope=Scope.ALL, query=" ", jurisdictions=("uk",)))
    assert [hit.matched_terms for hit in found.hits] == [[]]


def test_search_raises_the_parser_error(session: Session) -> None:
    with pytest.raises(QuerySyntaxError):
        find(session, Filters(scope=Scope.ALL, query="online AND"))


@pytest.mark.usefixtures("stored")
def test_an_export_row_is_plain_text(session: Session) -> None:
    [hit] = find(session, Filters(scope=Scope.ALL, query='"business rates" OR abolition')).hits
    row = result_row(hit)
    assert tuple(row) == COLUMN_NAMES
    assert row["id"] == hit.document.id
    assert row["matched_terms"] == "; ".join(hit.matched_terms)
    assert "[[" not in str(row["snippet"])
    assert "Business Rates" in str(row["snippet"])
    assert row["topics"] == "; ".join(hit.document.topics)
    assert all(isinstance(value, str) for name, value in row.items() if name != "id")
