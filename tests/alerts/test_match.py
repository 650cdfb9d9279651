"""match_changes on real bills: idempotent alerts, followed bills, kinds, filters, reasons."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerts.match import match_changes
from alerts.query import MatchDocument
from alerts.subscriptions import follow, subscribe
from models import Alert, Change, Checkpoint, Document
from models.records import DocumentRecord
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

EMAIL = "analyst@example.org"


def alerts(session: Session) -> list[Alert]:
    return list(session.scalars(select(Alert).order_by(Alert.id)))


def earlier_s209() -> DocumentRecord:
    """S-209 as it stood before its House first reading (the real record, last event cut)."""
    record = ca_bill_s209()
    return dataclasses.replace(record, events=record.events[:-1])


def test_a_new_document_alerts_with_reason_terms_and_snippet(
    session: Session, store: Store
) -> None:
    subscription = subscribe(session, email=EMAIL, query='"young persons" online', confirmed=True)
    store(ca_bill_s209())
    summary = match_changes(session, NOW)
    session.commit()
    assert (summary.changes_seen, summary.alerts_created) == (1, 1)
    [alert] = alerts(session)
    assert alert.subscription_id == subscription.id
    assert alert.matched_terms == ['"young persons"', "online"]
    assert alert.reason == 'new bill; matched "young persons" in title; online in text'
    assert alert.snippet.startswith("Protecting [[Young Persons]] from Exposure")
    assert "[[online]] access" in alert.snippet
    assert "Act · Loi sur" in alert.snippet  # fields are kept apart
    assert alert.snippet.endswith(" pornographic…")  # cut between words
    assert len(alert.snippet.replace("[[", "").replace("]]", "")) <= 202


def test_rerunning_match_adds_nothing_even_from_the_start(session: Session, store: Store) -> None:
    subscribe(session, email=EMAIL, query="pornographique", confirmed=True)
    store(ca_bill_s209())
    assert match_changes(session, NOW).alerts_created == 1
    session.commit()
    again = match_changes(session, NOW)
    assert (again.changes_seen, again.alerts_created) == (0, 0)
    session.get_one(Checkpoint, "match").position = 0
    session.commit()
    replay = match_changes(session, NOW)
    session.commit()
    assert (replay.changes_seen, replay.alerts_created) == (1, 0)
    assert len(alerts(session)) == 1


def test_checkpoint_advances_with_the_alerts(session: Session, store: Store) -> None:
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    last = session.scalar(select(func.max(Change.id)))
    assert session.get_one(Checkpoint, "match").position == last


def test_a_new_event_on_a_followed_bill_makes_exactly_one_alert(
    session: Session, store: Store
) -> None:
    document = store(earlier_s209())
    follow(session, email=EMAIL, document=document, confirmed=True)
    match_changes(session, NOW)
    session.commit()
    assert alerts(session) == []  # the bill's arrival predates nothing: follows wait for news
    store(ca_bill_s209())
    summary = match_changes(session, NOW)
    session.commit()
    assert summary.alerts_created == 1
    [alert] = alerts(session)
    assert alert.change.kind == "new_event"
    assert alert.reason == (
        "you follow S-209; new stage: First reading (House of Commons) on 2026-04-30"
    )
    assert match_changes(session, NOW).alerts_created == 0


def stage_alerts_of_s209(session: Session, store: Store) -> list[Alert]:
    """The alerts of S-209's new stage: the real bill stored before its first reading, then
    as recorded, then matched."""
    store(earlier_s209())
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    return [a for a in alerts(session) if a.change.kind == "new_event"]


def test_events_alert_query_subscriptions_only_when_asked(session: Session, store: Store) -> None:
    with_events = subscribe(session, email=EMAIL, query="pornography", confirmed=True)
    subscribe(
        session,
        email="other@example.org",
        query="pornography",
        include_events=False,
        confirmed=True,
    )
    event_alerts = stage_alerts_of_s209(session, store)
    assert [a.subscription_id for a in event_alerts] == [with_events.id]
    assert event_alerts[0].reason.startswith("new stage: First reading (House of Commons)")


def test_a_new_stage_respects_the_subscriptions_own_filters(session: Session, store: Store) -> None:
    subscribe(session, email=EMAIL, query="pornography", jurisdictions=["uk"], confirmed=True)
    here = subscribe(
        session, email="ca@example.org", query="pornography", jurisdictions=["ca"], confirmed=True
    )
    assert [a.subscription_id for a in stage_alerts_of_s209(session, store)] == [here.id]


def test_a_bill_that_starts_to_match_in_a_new_version_alerts(
    session: Session, store: Store
) -> None:
    # The real record without its French titles first: the French query cannot match it yet.
    store(
        dataclasses.replace(
            ca_bill_s209(), title_alt="", summary=ca_bill_s209().summary.splitlines()[0]
        )
    )
    subscribe(session, email=EMAIL, query="matériel pornographique", confirmed=True)
    match_changes(session, NOW)
    session.commit()
    assert alerts(session) == []
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    [alert] = alerts(session)
    assert alert.change.kind == "new_version"
    assert alert.reason == "new version; matched matériel, pornographique in text"


def test_the_reason_says_where_each_term_matched(session: Session, store: Store) -> None:
    subscribe(session, email=EMAIL, query='"young persons" accès', confirmed=True)
    subscribe(session, email="f@example.org", query='number:"S 209"', confirmed=True)
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    assert [a.reason for a in alerts(session)] == [
        'new bill; matched "young persons" in title; accès in text',  # as written
        "new bill; matched number:s209",
    ]


def test_filters_and_unconfirmed_subscribers_get_nothing(session: Session, store: Store) -> None:
    subscribe(session, email="a@example.org", query="bill", jurisdictions=["uk"], confirmed=True)
    subscribe(session, email="b@example.org", query="bill", doc_types=["statement"], confirmed=True)
    subscribe(session, email="c@example.org", query="bill")
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    matched = [
        (a.subscription.subscriber.email, a.change.document.jurisdiction) for a in alerts(session)
    ]
    assert matched == [("a@example.org", "uk")]


def test_a_subscriber_who_unsubscribed_gets_nothing(session: Session, store: Store) -> None:
    subscription = subscribe(session, email=EMAIL, query="rates", confirmed=True)
    subscription.subscriber.unsubscribed_at = NOW
    store(uk_bill_2818())
    assert match_changes(session, NOW).alerts_created == 0


def test_two_matchers_at_once_create_each_alert_once(
    session: Session, store: Store, engine: Engine
) -> None:
    subscribe(session, email=EMAIL, query="bill OR act", confirmed=True)
    follow(session, email=EMAIL, document=store(earlier_s209()), confirmed=True)
    store(uk_bill_2818())
    store(ca_bill_s209())
    session.commit()
    created: list[int] = []

    def matcher() -> None:
        with Session(engine) as own, own.begin():
            created.append(match_changes(own, NOW).alerts_created)

    workers = [threading.Thread(target=matcher) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(created) == [0, 4]
    assert len(alerts(session)) == 4


def test_a_document_is_tokenised_once_per_batch(
    session: Session, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe(session, email=EMAIL, query="pornography", confirmed=True)
    store(earlier_s209())
    store(ca_bill_s209())  # a second change of the same bill
    built: list[str] = []
    original = MatchDocument.from_document

    def counting(document: Document) -> MatchDocument:
        built.append(document.reference)
        return original(document)

    monkeypatch.setattr(MatchDocument, "from_document", staticmethod(counting))
    summary = match_changes(session, NOW)
    assert (summary.changes_seen, built) == (2, ["S-209"])


def test_changes_of_one_document_in_one_batch_alert_as_one_at_a_time(
    session: Session, store: Store
) -> None:
    """The batch's document is matched once; each of its changes still gets its own alerts."""
    document = store(earlier_s209())
    follower = follow(session, email="f@example.org", document=document, confirmed=True)
    events = subscribe(session, email="e@example.org", query="pornography", confirmed=True)
    documents_only = subscribe(
        session,
        email="d@example.org",
        query="title:pornography",
        include_events=False,
        confirmed=True,
    )
    store(ca_bill_s209())  # a new stage: the batch holds both changes of S-209
    summary = match_changes(session, NOW)
    session.commit()
    found = [(a.subscription_id, a.change.kind, a.reason.split(";")[0]) for a in alerts(session)]
    new_bill, new_stage = "new bill", "new stage: First reading (House of Commons) on 2026-04-30"
    assert summary.changes_seen == 2
    assert found == [
        (events.id, "new_document", new_bill),
        (documents_only.id, "new_document", new_bill),
        (follower.id, "new_event", "you follow S-209"),
        (events.id, "new_event", new_stage),
    ]
