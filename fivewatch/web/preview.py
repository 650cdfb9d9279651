"""What a subscription would have matched lately, shown before subscribing, and the warnings
of a query that probably means something else (alerts.query.pitfalls)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from alerts.finder import Filters, Scope, SearchHit, Sort, find
from alerts.query import QuerySyntaxError, parse
from alerts.query.pitfalls import Pitfall, pitfalls
from fivewatch.web.forms import SubscriptionForm

PREVIEW_DAYS = 90
PREVIEW_HITS = 10


@dataclass(frozen=True)
class Preview:
    since: date
    total: int
    hits: list[SearchHit]  # newest first, at most PREVIEW_HITS


def recent_matches(session: Session, form: SubscriptionForm, today: date) -> Preview:
    """The documents of the last PREVIEW_DAYS the form's subscription would match, as its
    alerts would: every document, not only the on-topic ones a search shows by default.
    Raises QuerySyntaxError or ValueError (an unknown topic) like subscribing."""
    query = form.stored_query
    parse(query)  # a blank query would find everything
    since = today - timedelta(days=PREVIEW_DAYS)
    filters = Filters(
        query=query,
        jurisdictions=form.jurisdictions,
        kinds=form.types,
        since=since,
        sort=Sort.NEWEST,
        scope=Scope.ALL,
        limit=PREVIEW_HITS,
    )
    found = find(session, filters)
    return Preview(since, found.total, found.hits)


def query_warnings(words: str) -> list[Pitfall]:
    """The pitfalls of a valid query; none for a blank or invalid one (its error says why)."""
    try:
        parse(words)
    except QuerySyntaxError:
        return []
    return pitfalls(words)
