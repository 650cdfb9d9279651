"""Matching: every new Change x every subscription -> Alert rows, idempotently (DESIGN §4, §10).

Subscriptions are compiled once per run: followed bills into a dict by document id, queries
into a `Monitor` (alerts.monitor) that matches the distinct documents of a batch of Changes at
once; each Change's alerts are then drafted from its document's matches.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from alerts.monitor import Matched, Monitor, document_frequency
from alerts.query import MatchDocument, MatchResult, Query, QuerySyntaxError, parse
from alerts.query.ast import Filter
from alerts.snippet import snippet
from alerts.subscriptions import receiving_mail
from alerts.textchanges import (
    TextStep,
    WatchedTerms,
    before_and_after,
    term_changes_by_subscription,
    term_reason,
    text_steps,
)
from models import Alert, Change, Checkpoint, Subscriber, Subscription
from models.billtext import TermChange
from models.documents import BillEvent

log = logging.getLogger(__name__)
CHECKPOINT = "match"
BATCH = 500


@dataclass(frozen=True)
class MatchSummary:
    changes_seen: int
    alerts_created: int


@dataclass(frozen=True)
class Compiled:
    subscription_id: int
    query: Query | None
    jurisdictions: frozenset[str]
    doc_types: frozenset[str]
    include_events: bool
    followed_document_id: int | None
    watched: WatchedTerms | None = None  # term alerts on new text versions, when asked for

    @property
    def where(self) -> tuple[Filter, ...]:
        """Its own jurisdictions and types as query filters: the Monitor rules documents out
        by them before any candidate is looked at."""
        own = (("jurisdiction", self.jurisdictions), ("type", self.doc_types))
        return tuple(Filter(field, tuple(sorted(values))) for field, values in own if values)


@dataclass
class CompiledSubscriptions:
    followers: dict[int, list[Compiled]] = field(default_factory=lambda: defaultdict(list))
    monitor: Monitor[Compiled] = field(default_factory=Monitor)
    # Term alerts are looked for in new text versions only, apart from the Monitor.
    text_watchers: dict[int, WatchedTerms] = field(default_factory=dict)

    def add(self, compiled: Compiled) -> None:
        if compiled.watched is not None:
            self.text_watchers[compiled.subscription_id] = compiled.watched
        if compiled.query is not None:
            self.monitor.add(compiled, compiled.query, compiled.where)
        elif compiled.followed_document_id is not None:
            self.followers[compiled.followed_document_id].append(compiled)


@dataclass(frozen=True)
class Draft:
    reason: str
    matched_terms: list[str]
    snippet: str


def compile_subscriptions(
    session: Session, frequency: Mapping[str, int] | None = None
) -> CompiledSubscriptions:
    """Active subscriptions of subscribers who can receive mail, each query parsed once.

    `frequency` (word -> documents holding it) lets the Monitor index each query by rare words.
    """
    rows = session.scalars(
        select(Subscription)
        .join(Subscriber)
        .where(
            Subscription.active.is_(True),
            receiving_mail(),
        )
        .order_by(Subscription.id)
    )
    compiled = CompiledSubscriptions(monitor=Monitor(frequency))
    for subscription in rows:
        item = _compile(subscription)
        if item is not None:
            compiled.add(item)
    return compiled


def _compile(subscription: Subscription) -> Compiled | None:
    query = None
    if subscription.followed_document_id is None:
        try:
            query = parse(subscription.query)
        except QuerySyntaxError as error:
            log.error(
                "subscription %d: stored query does not parse, skipped: %s", subscription.id, error
            )
            return None
    compiled = Compiled(
        subscription.id,
        query,
        frozenset(subscription.jurisdictions),
        frozenset(subscription.doc_types),
        subscription.include_events,
        subscription.followed_document_id,
    )
    if query is None or not subscription.text_terms:
        return compiled
    return replace(compiled, watched=WatchedTerms.of(query, compiled.where))


def match_changes(
    session: Session, now: datetime, stop: Callable[[], bool] = lambda: False
) -> MatchSummary:
    """Alerts for the Changes after the "match" checkpoint; the caller commits both together.

    `stop` is asked between batches (a SIGTERM handler's flag): the batches done are left
    flushed with the checkpoint that covers them, for the caller to commit.
    """
    checkpoint = _locked_checkpoint(session)
    compiled: CompiledSubscriptions | None = None
    seen = created = 0
    while not stop() and (batch := _next_batch(session, checkpoint.position)):
        documents = _tokenised(batch)
        if compiled is None:  # once, on the first batch: its words show which keys are rare
            compiled = compile_subscriptions(session, document_frequency(documents.values()))
        created += _match_batch(session, compiled, batch, documents, now)
        seen += len(batch)
        checkpoint.position = batch[-1].id
        checkpoint.updated_at = now
        session.flush()
    return MatchSummary(changes_seen=seen, alerts_created=created)


def _locked_checkpoint(session: Session) -> Checkpoint:
    """The checkpoint row, created if missing, locked on PostgreSQL so matchers take turns."""
    session.execute(
        _insert_ignoring_duplicates(session, Checkpoint, [{"name": CHECKPOINT, "position": 0}])
    )
    statement = select(Checkpoint).where(Checkpoint.name == CHECKPOINT).with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).one()


def _next_batch(session: Session, after: int) -> list[Change]:
    statement = (
        select(Change)
        .where(Change.id > after)
        .order_by(Change.id)
        .limit(BATCH)
        .options(
            selectinload(Change.document), selectinload(Change.event), selectinload(Change.text)
        )
    )
    return list(session.scalars(statement))


def _tokenised(batch: list[Change]) -> dict[int, MatchDocument]:
    """Each document of the batch tokenised once, however many of its changes it holds."""
    documents: dict[int, MatchDocument] = {}
    for change in batch:
        if change.document_id not in documents:
            documents[change.document_id] = MatchDocument.from_document(change.document)
    return documents


def _match_batch(
    session: Session,
    compiled: CompiledSubscriptions,
    batch: list[Change],
    documents: dict[int, MatchDocument],
    now: datetime,
) -> int:
    """The batch's distinct documents matched at once, then each change's alerts inserted."""
    matched = dict(
        zip(documents, compiled.monitor.match_batch(list(documents.values())), strict=True)
    )
    steps = text_steps(session, batch)
    return sum(
        _insert_alerts(
            session,
            _drafts(
                compiled,
                change,
                documents[change.document_id],
                matched[change.document_id],
                steps.get(change.id),
            ),
            change,
            now,
        )
        for change in batch
    )


def _drafts(
    compiled: CompiledSubscriptions,
    change: Change,
    doc: MatchDocument,
    matches: Matched[Compiled],
    step: TextStep | None,
) -> dict[int, Draft]:
    """`step`: the new text version a new_text change brings, with the version before it."""
    drafts: dict[int, Draft] = {}
    if change.kind != "new_document":
        for follower in compiled.followers.get(change.document_id, []):
            drafts[follower.subscription_id] = _follow_draft(change, doc, step)
    if step is not None:  # a term alert says more than the query matching: it comes first
        drafts.update(_term_drafts(compiled, doc, step))
    # Own jurisdictions and types are the Monitor's `where`: only the event choice is left.
    events_only = change.kind == "new_event"
    for candidate, result in matches:
        if candidate.include_events or not events_only:
            drafts.setdefault(
                candidate.subscription_id, _query_draft(candidate, change, doc, result, step)
            )
    return drafts


def _term_drafts(
    compiled: CompiledSubscriptions, doc: MatchDocument, step: TextStep
) -> dict[int, Draft]:
    """Term alerts of the subscriptions watching this bill (their filters let it through)."""
    watchers = {
        subscription_id: watched
        for subscription_id, watched in compiled.text_watchers.items()
        if watched.applies_to(doc)
    }
    if not watchers:
        return {}
    return {
        subscription_id: _term_draft(step, changes)
        for subscription_id, changes in term_changes_by_subscription(step, watchers).items()
    }


def _term_draft(step: TextStep, changes: list[TermChange]) -> Draft:
    """The first change in the reason and the snippet; every changed term in matched_terms."""
    terms = list(dict.fromkeys(change.term for change in changes))
    return Draft(term_reason(step, changes[0]), terms, before_and_after(step, changes[0]))


def _follow_draft(change: Change, doc: MatchDocument, step: TextStep | None) -> Draft:
    document = change.document
    reason = f"you follow {document.reference or document.title}; {_what_changed(change, step)}"
    return Draft(reason, [], snippet(doc, [], None))


def _query_draft(
    candidate: Compiled,
    change: Change,
    doc: MatchDocument,
    result: MatchResult,
    step: TextStep | None,
) -> Draft:
    reason = f"{_what_changed(change, step)}; {_why_matched(result, candidate)}"
    return Draft(reason, result.matched_terms, snippet(doc, result.hits, result.best))


def _why_matched(result: MatchResult, candidate: Compiled) -> str:
    """`matched "online safety" in title; csam in text` (filters only: the query itself)."""
    if not result.matched_terms:
        return f"matched {candidate.query}"
    in_title = {hit.label for hit in result.hits if result.in_title(hit)}
    places = [
        ("in title", [term for term in result.matched_terms if term in in_title]),
        ("in text", [term for term in result.matched_terms if term not in in_title]),
    ]
    parts = [f"{', '.join(terms)} {where}" for where, terms in places if terms]
    return "matched " + "; ".join(parts)


def _what_changed(change: Change, step: TextStep | None) -> str:
    if change.kind == "new_event" and change.event is not None:
        return f"new stage: {describe_event(change.event)}"
    if step is not None:
        return step.sentence
    if change.kind == "new_version":
        return "new version"
    return f"new {change.document.kind}"


def describe_event(event: BillEvent) -> str:
    """`2nd reading (Commons) on 2021-01-12`."""
    chamber = f" ({event.chamber})" if event.chamber else ""
    when = f" on {event.occurred_on.isoformat()}" if event.occurred_on else ""
    return f"{event.stage}{chamber}{when}"


def _insert_alerts(
    session: Session, drafts: dict[int, Draft], change: Change, now: datetime
) -> int:
    """Insert-if-absent on (subscription, change): safe when two matchers race."""
    if not drafts:
        return 0
    rows = [
        {
            "subscription_id": subscription_id,
            "change_id": change.id,
            "created_at": now,
            "reason": draft.reason,
            "matched_terms": draft.matched_terms,
            "snippet": draft.snippet,
        }
        for subscription_id, draft in drafts.items()
    ]
    statement = _insert_ignoring_duplicates(session, Alert, rows).returning(Alert.id)
    return len(session.execute(statement).all())


def _insert_ignoring_duplicates(
    session: Session, model: type[Any], rows: list[dict[str, Any]]
) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).values(rows).on_conflict_do_nothing()
