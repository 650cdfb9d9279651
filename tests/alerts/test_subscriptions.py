"""subscribe / follow / find_documents on real stored bills."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.query import QuerySyntaxError
from alerts.subscriptions import find_documents, follow, subscribe
from models import Subscriber
from tests.alerts.conftest import Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818


def test_subscribe_lowercases_the_email_and_reuses_the_subscriber(session: Session) -> None:
    first = subscribe(session, email=" Analyst@Example.ORG ", query="grooming")
    second = subscribe(
        session,
        email="analyst@example.org",
        query="csam",
        confirmed=True,
        jurisdictions=["UK"],
        doc_types=["bill"],
        frequency="daily",
    )
    assert first.subscriber is second.subscriber
    assert second.subscriber.email == "analyst@example.org"
    assert second.subscriber.confirmed_at is not None
    assert (second.jurisdictions, second.doc_types, second.frequency) == (["uk"], ["bill"], "daily")
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 1


@pytest.mark.parametrize(
    "email", ["no-at-sign", "a@b", "two@@example.org", "a b@example.org", "<a@example.org>"]
)
def test_subscribe_refuses_a_bad_email_clearly(session: Session, email: str) -> None:
    with pytest.raises(ValueError, match="not a valid email address"):
        subscribe(session, email=email, query="grooming")


def test_subscribe_validates_the_query_and_the_choices(session: Session) -> None:
    with pytest.raises(QuerySyntaxError):
        subscribe(session, email="a@example.org", query="(grooming")
    with pytest.raises(ValueError, match="unknown jurisdiction fr"):
        subscribe(session, email="a@example.org", query="grooming", jurisdictions=["fr"])
    with pytest.raises(ValueError, match="unknown frequency"):
        subscribe(session, email="a@example.org", query="grooming", frequency="hourly")


@pytest.mark.parametrize("reference", ["S-209", "s209", "S 209", " s-209 "])
def test_find_documents_by_reference_key(session: Session, store: Store, reference: str) -> None:
    document = store(ca_bill_s209())
    assert find_documents(session, reference) == [document]


def test_find_documents_by_external_id_and_jurisdiction(session: Session, store: Store) -> None:
    uk = store(uk_bill_2818())
    assert find_documents(session, "2818") == [uk]
    assert find_documents(session, "2818", "ca") == []


def test_find_documents_refuses_an_ambiguous_reference(session: Session, store: Store) -> None:
    canadian = store(ca_bill_s209())
    # The real UK record, given the same human reference as S-209 to make a clash.
    store(dataclasses.replace(uk_bill_2818(), reference="S-209"))
    with pytest.raises(ValueError, match=r"ambiguous.*ca, uk"):
        find_documents(session, "S-209")
    assert find_documents(session, "S-209", "ca") == [canadian]


def test_follow_twice_keeps_one_subscription(session: Session, store: Store) -> None:
    document = store(ca_bill_s209())
    first = follow(session, email="a@example.org", document=document)
    again = follow(session, email="A@example.org", document=document, confirmed=True)
    assert first.id == again.id
    assert again.followed_document_id == document.id
    assert again.subscriber.confirmed_at is not None
