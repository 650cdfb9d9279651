"""Australian bills from the Hansard work like any other, through the real `fivewatch` command:
history, search, topic tags, links to Acts, subscriptions, follow (issue 17, item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import Alert, Change, Document
from models.document_links import MENTIONS, DocumentLink
from models.subscribers import Subscription
from tests.cli.test_end_to_end import CASSETTES, fivewatch

DEFENCE = "Defence Amendment (Parliamentary Joint Committee on Defence) Bill 2025"


@pytest.fixture
def au_db(db_url: str, tmp_path: Path) -> str:
    fivewatch("crawl", "--replay", str(CASSETTES), "au-hansard", db_url=db_url, cwd=tmp_path)
    return db_url


def test_history_shows_the_senate_third_reading_and_the_return_to_the_house(
    au_db: str, tmp_path: Path
) -> None:
    out = fivewatch("history", DEFENCE, "--format", "json", db_url=au_db, cwd=tmp_path).stdout
    [bill] = json.loads(out)
    assert bill["jurisdiction"] == "au"
    stages = {(e["date"], e["chamber"], e["stage"]) for e in bill["events"]}
    assert ("2026-03-04", "Senate", "Third Reading") in stages
    assert ("2026-03-04", "House of Representatives", "Returned from Senate") in stages


def test_history_heads_a_bill_without_a_number_by_its_title_not_our_id(
    au_db: str, tmp_path: Path
) -> None:
    out = fivewatch("history", DEFENCE, db_url=au_db, cwd=tmp_path, check=True).stdout
    assert "Returned from Senate" in out
    assert "bill:" not in out  # the external id is ours; the Hansard gives no bill number
    assert "Defence Amendment" in out


def test_search_finds_australian_bills(au_db: str, tmp_path: Path) -> None:
    out = fivewatch(
        "search", "defence", "--all", "-j", "au", "--type", "bill", "--format", "json",
        db_url=au_db, cwd=tmp_path,
    ).stdout  # fmt: skip
    titles = [row["title"] for row in json.loads(out)]
    assert DEFENCE in titles


def test_the_online_safety_act_motion_is_tagged_and_linked_to_the_act(
    au_db: str, engine: Engine
) -> None:
    with Session(engine) as session:
        [motion] = session.scalars(
            select(Document).where(
                Document.jurisdiction == "au",
                Document.kind == "statement",
                Document.title == "Online Safety Act 2021",
            )
        )
        assert motion.chamber == "Senate"
        assert "online-harms" in motion.topics
        named = session.scalars(
            select(DocumentLink.to_reference).where(
                DocumentLink.from_document_id == motion.id, DocumentLink.kind == MENTIONS
            )
        ).all()
    assert "Online Safety Act 2021" in named


def test_an_au_subscription_gets_alerts_for_au_bills_and_a_follow_holds_the_bill(
    au_db: str, tmp_path: Path, engine: Engine
) -> None:
    fivewatch(
        "subscribe", "analyst@example.org", "--query", "defence", "--jurisdiction", "au",
        "--type", "bill", "--confirmed", db_url=au_db, cwd=tmp_path,
    )  # fmt: skip
    fivewatch(
        "follow", "follower@example.org", DEFENCE, "-j", "au", "--confirmed",
        db_url=au_db, cwd=tmp_path,
    )  # fmt: skip
    fivewatch("match", db_url=au_db, cwd=tmp_path)
    with Session(engine) as session:
        alerted = session.scalars(
            select(Document)
            .join(Change, Change.document_id == Document.id)
            .join(Alert, Alert.change_id == Change.id)
            .join(Subscription, Subscription.id == Alert.subscription_id)
            .where(Subscription.query == "defence")
        ).all()
        followed = session.scalars(
            select(Document)
            .join(Subscription, Subscription.followed_document_id == Document.id)
            .where(Subscription.followed_document_id.is_not(None))
        ).all()
    assert DEFENCE in {document.title for document in alerted}
    assert {(d.jurisdiction, d.kind) for d in alerted} == {("au", "bill")}
    assert [(d.title, d.jurisdiction) for d in followed] == [(DEFENCE, "au")]
