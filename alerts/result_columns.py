"""The columns of an exported search result: one set, in this order, for every export of
alerts.finder's hits (the CLI's `search --format csv|json`, the web's /search/export.csv and
/search/export.json).

Every value but `id` is plain text: a date in ISO form, blank when unknown; a list joined
with "; "; the snippet without its [[ ]] marks. CSV and JSON hold the same values.

==============  ==========================================================================
id              the document's row id (the web page /documents/{id}, /api/documents/{id})
jurisdiction    us, uk, ca, au or nz
type            bill or statement
reference       the bill's number as its parliament writes it (C-63, H.R. 1500)
session         the session or Congress it belongs to (44-1, 116)
title           its title
stage           its current stage, in the source's words
stage_category  that stage's category (introduced, passed, …)
status          a bill's status: outcome, its day, the source's words; blank for a statement
outcome         active, enacted, adopted, vetoed, defeated, withdrawn or lapsed; blank for a
                statement
date            the current stage's day (a statement's publication day)
introduced      a bill's first day (a statement's publication day)
source          the slug of the source it was read from
url             its official page
topics          its topic slugs, "; "-joined
matched_terms   the query's terms it matched, "; "-joined; blank without a query
snippet         the text around the best match (the start of its summary without a query)
==============  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from alerts.finder import SearchHit
from alerts.snippet import unmarked
from models.vocabulary import status_line

LIST_SEPARATOR = "; "


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _status(hit: SearchHit) -> str:
    document = hit.document
    return status_line(document.outcome, document.outcome_on, document.status)


COLUMNS: tuple[tuple[str, Callable[[SearchHit], str | int]], ...] = (
    ("id", lambda hit: hit.document.id),
    ("jurisdiction", lambda hit: hit.document.jurisdiction),
    ("type", lambda hit: hit.document.kind),
    ("reference", lambda hit: hit.document.reference),
    ("session", lambda hit: hit.document.session),
    ("title", lambda hit: hit.document.title),
    ("stage", lambda hit: hit.document.current_stage),
    ("stage_category", lambda hit: hit.document.stage_category),
    ("status", _status),
    ("outcome", lambda hit: hit.document.outcome),
    ("date", lambda hit: _day(hit.document.stage_on or hit.document.published_on)),
    ("introduced", lambda hit: _day(hit.document.published_on)),
    ("source", lambda hit: hit.document.source.slug),
    ("url", lambda hit: hit.document.url),
    ("topics", lambda hit: LIST_SEPARATOR.join(hit.document.topics)),
    ("matched_terms", lambda hit: LIST_SEPARATOR.join(hit.matched_terms)),
    ("snippet", lambda hit: unmarked(hit.snippet)),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


def result_row(hit: SearchHit) -> dict[str, str | int]:
    """One hit as its export row, keyed by COLUMN_NAMES in order."""
    return {name: value(hit) for name, value in COLUMNS}
