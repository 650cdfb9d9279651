"""The full-text pre-filter never changes what search returns (it only narrows the scan).

Real records (UK 2818, Canada S-209) plus a derived copy of 2818 whose summary carries the
punctuation the PostgreSQL parser would otherwise keep whole (a host name, `C-63`, an apostrophe).
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.finder import Filters, Scope, find
from alerts.query import MatchDocument, parse
from models import Document
from tests.alerts.conftest import Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

QUERIES = [
    '"business rates"',
    "accès",
    "acces*",
    "gov",
    "uk",
    "c63 OR 63",
    "l'âge",
    "âge",
    "title:abolition",
    "pornograph*",
    '"young persons" NEAR/5 online',
    "bill -rates",
    "jurisdiction:ca",
    'number:"S-209"',
    "hollinrake",
]


@pytest.fixture
def stored(store: Store) -> None:
    store(uk_bill_2818())
    store(ca_bill_s209())
    punctuated = dataclasses.replace(
        uk_bill_2818(),
        external_id="2818-derived",
        summary="See www.gov.uk and Bill C-63; l'âge minimum (DERIVED in this test).",
    )
    store(punctuated)


def brute_force(session: Session, text: str) -> list[str]:
    query = parse(text)
    documents = session.scalars(select(Document)).all()
    return sorted(d.external_id for d in documents if query.match(MatchDocument.from_document(d)))


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("text", QUERIES)
def test_search_with_the_index_equals_evaluating_every_document(
    session: Session, text: str
) -> None:
    found = sorted(
        hit.document.external_id for hit in find(session, Filters(scope=Scope.ALL, query=text)).hits
    )
    assert found == brute_force(session, text)


@pytest.mark.usefixtures("stored")
def test_punctuation_parts_are_found(session: Session) -> None:
    for query in ("gov", "63"):
        found = find(session, Filters(scope=Scope.ALL, query=query))
        assert [hit.document.external_id for hit in found.hits] == ["2818-derived"]
