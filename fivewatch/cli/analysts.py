"""Analysts' commands: `search` the collection, read one bill's `history`."""

from __future__ import annotations

from typing import Any

import click

from alerts.query import QuerySyntaxError
from alerts.search import search
from fivewatch.cli.alerts import JURISDICTIONS, TYPES
from fivewatch.cli.common import (
    console,
    database_option,
    emit,
    format_option,
    load_config,
    resolve_one,
    session_scope,
)
from fivewatch.errors import FiveWatchError
from models import Document
from models.links import statements_mentioning

SEARCH_COLUMNS = (
    "jurisdiction",
    "type",
    "reference",
    "title",
    "stage",
    "date",
    "source",
    "url",
    "snippet",
)
HISTORY_COLUMNS = ("date", "chamber", "stage", "category", "description")
STATEMENT_COLUMNS = ("date", "jurisdiction", "sponsor", "title", "url")


def document_row(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "jurisdiction": document.jurisdiction,
        "type": document.kind,
        "reference": document.reference,
        "title": document.title,
        "stage": document.current_stage,
        "status": document.status,
        "date": document.published_on,
        "source": document.source.slug,
        "url": document.url,
        "topics": document.topics,
    }


@click.command("search")
@click.argument("query")
@click.option("--jurisdiction", "-j", multiple=True, type=click.Choice(JURISDICTIONS))
@click.option("--type", "doc_types", multiple=True, type=click.Choice(TYPES))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--offset", default=0, type=click.IntRange(0))
@database_option
@format_option
def search_command(
    query: str,
    jurisdiction: tuple[str, ...],
    doc_types: tuple[str, ...],
    limit: int,
    offset: int,
    database_url: str | None,
    fmt: str,
) -> None:
    """Search documents with the alert query language."""
    with session_scope(load_config(database_url)) as session:
        try:
            page = search(
                session,
                query,
                jurisdictions=jurisdiction,
                doc_types=doc_types,
                limit=limit,
                offset=offset,
            )
        except QuerySyntaxError as error:
            raise FiveWatchError(f"invalid query:\n{error.pretty()}") from error
        rows = [document_row(hit.document) | {"snippet": hit.snippet} for hit in page.hits]
    emit(rows, SEARCH_COLUMNS, fmt, title=f"{page.total} documents match {query}")


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
            "category": event.stage_category,
            "description": event.description,
        }
        for event in document.events
    ]


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
        header = f"{document.reference or document.external_id} — {document.title}"
        console.print(f"[bold]{header}[/bold]\nnow: {document.current_stage} ({document.chamber})")
    emit(rows, HISTORY_COLUMNS, fmt, title=header)
    if statements and fmt == "table":
        emit(statements, STATEMENT_COLUMNS, fmt, title="Statements that name this bill")
