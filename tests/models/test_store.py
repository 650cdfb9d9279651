"""Upserts and change detection on the real UK bill 2818 (Abolition of Business Rates Bill)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import BillEvent, Change, Document, DocumentVersion
from models.records import EVENTS_IN_PART, EventRecord
from models.store import advance_watermark, ensure_source, upsert_document
from tests.alerts.realbills import uk_bill_2818 as real_bill_2818

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def source(session: Session):
    return ensure_source(session, slug="uk-bills", jurisdiction="uk", kind="bills")


def test_a_new_bill_is_one_change_with_its_history(session: Session, source) -> None:
    outcome = upsert_document(session, source, real_bill_2818(), NOW)
    session.commit()
    assert outcome.created
    assert [(e.stage, e.chamber, e.occurred_on) for e in outcome.document.events] == [
        ("1st reading", "Commons", date(2021, 1, 12))
    ]
    assert session.scalars(select(Change.kind)).all() == ["new_document"]
    assert outcome.document.reference_key == ""
    assert outcome.document.sponsor == "Kevin Hollinrake"


def test_upserting_the_same_record_twice_adds_nothing(session: Session, source) -> None:
    upsert_document(session, source, real_bill_2818(), NOW)
    session.commit()
    before = [count(session, m) for m in (Document, BillEvent, DocumentVersion, Change)]
    outcome = upsert_document(session, source, real_bill_2818(), NOW)
    session.commit()
    assert not outcome.changed
    assert [count(session, m) for m in (Document, BillEvent, DocumentVersion, Change)] == before


def test_a_record_listing_its_events_in_part_reports_none_vanished(
    session: Session, source
) -> None:
    upsert_document(session, source, real_bill_2818(), NOW)
    # A Hansard day lists only that day's stages: the earlier ones are not "no longer listed".
    next_day = dataclasses.replace(real_bill_2818(), extra={EVENTS_IN_PART: True})
    next_day.events = [
        EventRecord(stage="2nd reading", chamber="Commons", occurred_on=date(2021, 3, 5))
    ]
    outcome = upsert_document(session, source, next_day, NOW)
    session.commit()
    assert (outcome.new_events, outcome.vanished_events) == (1, [])
    assert count(session, BillEvent) == 2


def test_a_new_event_is_one_change_and_old_events_never_vanish(session: Session, source) -> None:
    upsert_document(session, source, real_bill_2818(), NOW)
    moved = real_bill_2818()
    moved.events = [
        EventRecord(stage="2nd reading", chamber="Commons", occurred_on=date(2021, 3, 5))
    ]
    outcome = upsert_document(session, source, moved, NOW)
    session.commit()
    assert outcome.new_events == 1
    assert outcome.vanished_events == ["11498"]  # the 1st reading the source no longer lists: kept
    assert count(session, BillEvent) == 2
    assert session.scalars(select(Change.kind).order_by(Change.id)).all() == [
        "new_document",
        "new_event",
    ]


def test_changed_content_is_a_new_version(session: Session, source) -> None:
    upsert_document(session, source, real_bill_2818(), NOW)
    renamed = dataclasses.replace(real_bill_2818(), title="Business Rates (Abolition) Bill")
    outcome = upsert_document(session, source, renamed, NOW)
    session.commit()
    assert outcome.new_version
    versions = session.scalars(select(DocumentVersion).order_by(DocumentVersion.number)).all()
    assert [v.fields["title"] for v in versions] == [
        "Abolition of Business Rates Bill",
        "Business Rates (Abolition) Bill",
    ]
    assert session.scalars(select(Change.kind).order_by(Change.id)).all() == [
        "new_document",
        "new_version",
    ]


def test_topics_are_tagged_from_the_taxonomy(session: Session, source) -> None:
    record = dataclasses.replace(
        real_bill_2818(),
        summary="A Bill to make provision about online safety and age verification",
    )
    outcome = upsert_document(session, source, record, NOW)
    assert outcome.document.topics == ["online-harms", "age-assurance"]


def test_the_watermark_only_moves_forward(source) -> None:
    advance_watermark(source, "2021-05-04T10:42:08")
    advance_watermark(source, "2019-09-17T16:22:10")
    assert source.watermark == "2021-05-04T10:42:08"
