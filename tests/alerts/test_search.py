"""search() evaluates the alert query language over stored documents."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from alerts.query import QuerySyntaxError
from alerts.search import search
from tests.alerts.conftest import Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818


@pytest.fixture
def stored(store: Store) -> None:
    store(uk_bill_2818())
    store(ca_bill_s209())


@pytest.mark.usefixtures("stored")
def test_search_uses_the_query_semantics(session: Session) -> None:
    page = search(session, '"business rates"')
    assert page.total == 1
    [hit] = page.hits
    assert hit.document.external_id == "2818"
    assert hit.matched_terms == ['"business rates"']
    assert "[[Business Rates]]" in hit.snippet
    assert search(session, '"rates business"').total == 0
    assert search(session, "accès").hits[0].document.reference == "S-209"


@pytest.mark.usefixtures("stored")
def test_search_newest_first_with_filters_and_paging(session: Session) -> None:
    everything = search(session, "bill OR act")
    assert [hit.document.jurisdiction for hit in everything.hits] == ["ca", "uk"]
    assert search(session, "bill OR act", jurisdictions=["uk"]).total == 1
    assert search(session, "bill OR act", doc_types=["statement"]).total == 0
    second = search(session, "bill OR act", limit=1, offset=1)
    assert (second.total, [h.document.jurisdiction for h in second.hits]) == (2, ["uk"])


def test_search_raises_the_parser_error(session: Session) -> None:
    with pytest.raises(QuerySyntaxError):
        search(session, "online AND")
