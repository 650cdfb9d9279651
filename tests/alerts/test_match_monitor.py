"""match_changes through the Monitor equals evaluating every subscription on every change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.match import match_changes
from alerts.query import MatchDocument, parse
from alerts.subscriptions import subscribe
from models import Alert, Change, Subscription
from models.taxonomy import load_topics
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

SHAPES = (
    "{0}",
    "{0} OR {1}",
    "title:({0} OR {1})",
    "{0} NEAR/8 {1}",
    "{0}* -{1}",
    "{0} type:bill",
    '{0} stage:"first reading"',
    "{0} OR topic:age-assurance",  # the stored tags: S-209 carries age-assurance
    "~{0} -topic:any",
)
WORDS = ("young", "rates", "pornographique", "access", "business", "online", "act", "loi")


def taxonomy_terms() -> list[str]:
    return [f'"{term}"' for topic in load_topics() for term in topic.terms]


def queries() -> list[str]:
    """Every shape over neighbouring words and taxonomy phrases (prefixes on words only)."""
    words = [*WORDS, *taxonomy_terms()[:12]]
    pairs = zip(words, words[1:] + words[:1], strict=True)
    return [
        shape.format(a, b)
        for a, b in pairs
        for shape in SHAPES
        if not (shape.startswith("{0}*") and a.startswith('"'))
    ]


def test_the_indexed_matcher_alerts_exactly_where_every_query_matches(
    session: Session, store: Store
) -> None:
    for number, text in enumerate(queries()):
        subscribe(session, email=f"s{number}@example.org", query=text, confirmed=True)
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    found = {tuple(row) for row in session.execute(select(Alert.subscription_id, Alert.change_id))}
    expected = {
        (subscription.id, change.id)
        for change in session.scalars(select(Change))
        for subscription in session.scalars(select(Subscription))
        if parse(subscription.query).match(MatchDocument.from_document(change.document))
    }
    assert found == expected
    assert len(expected) >= 10  # the real bills do match a good part of the queries
