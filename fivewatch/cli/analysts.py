"""Analysts' commands: `search` the collection, read one bill's `history`."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from alerts.finder import Filters, Found, Scope, Sort, find
from alerts.query import QuerySyntaxError
from alerts.result_columns import COLUMN_NAMES, result_row
from fivewatch.cli.common import (
    database_option,
    emit,
    format_option,
    load_config,
    print_answer,
    resolve_one,
    session_scope,
)
from fivewatch.error_lines import FiveWatchError
from models import Document
from models.document_links import statements_mentioning
from models.vocabulary import DOCUMENT_KINDS, JURISDICTIONS, status_line

# What the table shows people; CSV and JSON hold every export column (alerts.result_columns).
TABLE_COLUMNS = (
    "jurisdiction",
    "type",
    "reference",
    "session",
    "title",
    "stage",
    "status",
    "date",
    "source",
    "url",
    "snippet",
)
HISTORY_COLUMNS = ("date", "chamber", "stage", "stage_fr", "category", "description")
# The table: the header above already names the bill; the stage's category restates the stage
# and its French name goes under it, so the table fits 80 columns (CSV keeps every column).
HISTORY_TABLE_COLUMNS = ("date", "chamber", "stage", "description")
NARROW = 80  # a bill's history reads in a narrow terminal, piped or not
STATEMENT_COLUMNS = ("date", "jurisdiction", "sponsor", "title", "url")


def document_row(document: Document) -> dict[str, Any]:
    """A document as search and history show it; `date` is the current stage's day (a
    statement's publication day), `introduced` the bill's first day."""
    return {
        "id": document.id,
        "jurisdiction": document.jurisdiction,
        "type": document.kind,
        "reference": document.reference,
        "session": document.session,
        "title": document.title,
        "titles": document.titles,
        "stage": document.current_stage,
        "stage_category": document.stage_category,
        "outcome": document.outcome,
        "outcome_on": document.outcome_on,
        "status": status_line(document.outcome, document.outcome_on, document.status),
        "date": document.stage_on or document.published_on,
        "introduced": document.published_on,
        "source": document.source.slug,
        "url": document.url,
        "topics": document.topics,
    }


@click.command("search")
@click.argument("query")
@click.option("--jurisdiction", "-j", multiple=True, type=click.Choice(JURISDICTIONS))
@click.option("--type", "doc_types", multiple=True, type=click.Choice(DOCUMENT_KINDS))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--offset", default=0, type=click.IntRange(0))
@click.option(
    "--sort",
    type=click.Choice([sort.value for sort in Sort]),
    default=Sort.RELEVANCE.value,
    show_default=True,
    help="Best match first (newest among equals), or newest first.",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Off-topic documents too (by default only on-topic ones; number: finds any bill).",
)
@database_option
@format_option
def search_command(
    query: str,
    jurisdiction: tuple[str, ...],
    doc_types: tuple[str, ...],
    limit: int,
    offset: int,
    sort: str,
    everything: bool,
    database_url: str | None,
    fmt: str,
) -> None:
    """Search documents with the alert query language."""
    filters = Filters(
        query=query,
        jurisdictions=jurisdiction,
        kinds=doc_types,
        offset=offset,
        limit=limit,
        sort=Sort(sort),
        scope=Scope.ALL if everything else Scope.ON_TOPIC,
    )
    with session_scope(load_config(database_url)) as session:
        try:
            found = find(session, filters)
        except QuerySyntaxError as error:
            raise FiveWatchError(f"invalid query:\n{error.pretty()}") from error
        rows = [result_row(hit) for hit in found.hits]
    columns = TABLE_COLUMNS if fmt == "table" else COLUMN_NAMES
    emit(rows, columns, fmt, title=search_title(found, query))


def search_title(found: Found, query: str) -> str:
    """How many match, and how many more the on-topic scope hid (`--all` shows them)."""
    if found.scope == Scope.ALL:
        return f"{found.total} documents match {query}"
    hidden = f", {found.outside_scope} more off-topic (--all)" if found.outside_scope else ""
    return f"{found.total} on-topic documents match {query}{hidden}"


def statement_row(statement: Document) -> dict[str, Any]:
    return {
        "date": statement.published_on,
        "jurisdiction": statement.jurisdiction,
        "sponsor": statement.sponsor,
        "title": statement.title,
        "url": statement.url,
    }


def event_rows(document: Document) -> list[dict[str, Any]]:
    return [
        {
            "date": event.occurred_on,
            "chamber": event.chamber,
            "stage": event.stage,
            "stage_fr": event.stage_alt,
            "category": event.stage_category,
            "description": event.description,
        }
        for event in document.events
    ]


def both_languages(row: dict[str, Any]) -> dict[str, Any]:
    """An event row for the table: the stage's French name on a line under its English one."""
    stage = "\n".join(name for name in (row["stage"], row["stage_fr"]) if name)
    return row | {"stage": stage}


def bill_heading(document: Document, session: str = "") -> str:
    """Its reference and title; the title alone when the source gives no reference (the
    Hansard names no bill number): never the external id, which is ours, not people's."""
    if not document.reference:
        return f"{document.title}{session}"
    return f"{document.reference}{session} — {document.title}"


def history_header(document: Document) -> str:
    """Who the bill is and where it stands, above its events."""
    session = f" ({document.session})" if document.session else ""
    lines = [bill_heading(document, session)]
    lines += [f"  also: {title}" for title in document.other_titles.splitlines()]
    status = status_line(document.outcome, document.outcome_on, document.status)
    if status:
        lines.append(f"status: {status}")
    since = f" since {document.stage_on}" if document.stage_on else ""
    chamber = f" ({document.chamber})" if document.chamber else ""
    lines.append(f"now: {document.current_stage}{chamber}{since}")
    first, *rest = (escape(line) for line in lines)  # source text: never rich markup
    return "\n".join([f"[bold]{first}[/bold]", *rest])


@click.command("history")
@click.argument("reference")
@click.option("--jurisdiction", "-j", type=click.Choice(JURISDICTIONS), default=None)
@database_option
@format_option
def history_command(
    reference: str, jurisdiction: str | None, database_url: str | None, fmt: str
) -> None:
    """A bill's whole history, stage by stage (REFERENCE: C-63, S.1748, HL Bill 12, an id)."""
    with session_scope(load_config(database_url)) as session:
        document = resolve_one(session, reference, jurisdiction)
        rows = event_rows(document)
        statements = [statement_row(s) for s in statements_mentioning(session, document)]
        if fmt == "json":
            emit([document_row(document) | {"events": rows, "statements": statements}], (), fmt)
            return
        if fmt == "csv":
            emit(rows, HISTORY_COLUMNS, fmt)
            return
        print_answer(history_header(document))
    emit([both_languages(row) for row in rows], HISTORY_TABLE_COLUMNS, fmt, max_width=NARROW)
    if statements and fmt == "table":
        emit(statements, STATEMENT_COLUMNS, fmt, title="Statements that name this bill")
