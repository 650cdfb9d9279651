"""subscribe / follow / finding a bill (models.lookup) on real stored bills."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.query import QuerySyntaxError
from alerts.subscriptions import follow, subscribe, unsubscribe_address
from models import Subscriber, utcnow
from models.lookup import AmbiguousReference, find
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
def test_a_bill_is_found_by_its_number_in_any_spelling(
    session: Session, store: Store, reference: str
) -> None:
    document = store(ca_bill_s209())
    found = find(session, reference)
    assert found is not None
    assert (found.document, found.how) == (document, "number")


def test_a_bill_is_found_by_source_id_document_id_and_url(session: Session, store: Store) -> None:
    uk = store(uk_bill_2818())
    canadian = store(ca_bill_s209())
    assert find(session, "2818").document == uk  # type: ignore[union-attr]
    assert find(session, "2818", "ca") is None
    assert find(session, f"#{canadian.id}").document == canadian  # type: ignore[union-attr]
    assert find(session, f"id:{uk.id}").document == uk  # type: ignore[union-attr]
    assert find(session, uk.url + "/").document == uk  # type: ignore[union-attr]
    own_page = f"https://fivewatch.example/bills/{canadian.id}"
    assert find(session, own_page).document == canadian  # type: ignore[union-attr]


def test_a_bill_is_found_by_a_case_insensitive_title_prefix(session: Session, store: Store) -> None:
    canadian = store(ca_bill_s209())
    found = find(session, canadian.title[:12].upper())
    assert found is not None
    assert (found.document, found.how) == (canadian, "title")
    # ... and by any other title it has (here the French one).
    assert find(session, canadian.title_alt[:14].lower()).document == canadian  # type: ignore[union-attr]
    assert find(session, "no bill is called this") is None


def test_a_title_prefix_of_several_titles_lists_the_candidates(
    session: Session, store: Store
) -> None:
    store(ca_bill_s209())
    store(dataclasses.replace(uk_bill_2818(), title=ca_bill_s209().title + " (Amendment)"))
    with pytest.raises(AmbiguousReference) as raised:
        find(session, ca_bill_s209().title[:12])
    assert len(raised.value.candidates) == 2


def test_one_title_in_two_sessions_means_the_newest_and_names_the_other(
    session: Session, store: Store
) -> None:
    older = store(dataclasses.replace(ca_bill_s209(), external_id="44-1/S-209", session="44-1"))
    newer = store(ca_bill_s209())
    found = find(session, ca_bill_s209().title)
    assert found is not None
    assert (found.document, found.namesakes) == (newer, [older])


@pytest.mark.parametrize(
    "reference",
    ["#99999999999", "id:2147483648", "99999999999999999999", "²", "٣", "#٣", "\x00", "C-\x0063"],
)
def test_odd_references_find_nothing_and_never_reach_the_database_as_errors(
    session: Session, store: Store, reference: str
) -> None:
    """Ids past 32 bits, non-ASCII digits, NUL (PostgreSQL refuses it in a string)."""
    store(ca_bill_s209())
    assert find(session, reference) is None


def test_control_characters_are_dropped_from_a_reference(session: Session, store: Store) -> None:
    canadian = store(ca_bill_s209())
    assert find(session, "S-\u200b209\x00").document == canadian  # type: ignore[union-attr]


def test_a_number_in_two_jurisdictions_is_ambiguous_until_one_is_chosen(
    session: Session, store: Store
) -> None:
    canadian = store(ca_bill_s209())
    # The real UK record, given the same human reference as S-209 to make a clash.
    store(dataclasses.replace(uk_bill_2818(), reference="S-209"))
    with pytest.raises(AmbiguousReference, match=r"names 2 documents"):
        find(session, "S-209")
    assert find(session, "S-209", "ca").document == canadian  # type: ignore[union-attr]


def test_follow_twice_keeps_one_subscription(session: Session, store: Store) -> None:
    document = store(ca_bill_s209())
    first = follow(session, email="a@example.org", document=document)
    again = follow(session, email="A@example.org", document=document, confirmed=True)
    assert first.id == again.id
    assert again.followed_document_id == document.id
    assert again.subscriber.confirmed_at is not None


def test_unsubscribing_from_the_cli_revokes_feed_links_once(session: Session) -> None:
    subscriber = subscribe(session, email="reader@example.org", query="grooming").subscriber
    assert subscriber.feed_version == 0
    unsubscribe_address(session, "reader@example.org", utcnow())
    unsubscribe_address(session, "reader@example.org", utcnow())  # a repeat changes nothing
    assert subscriber.feed_version == 1
