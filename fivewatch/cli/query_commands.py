"""`fivewatch query check|test`: people tune a query before they subscribe with it (DESIGN §4)."""

from __future__ import annotations

import re
from typing import Any

import click
from rich.markup import escape

from alerts.finder import Filters, Scope, SearchHit, find
from alerts.query import Query, QuerySyntaxError, parse
from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term
from alerts.query.pitfalls import pitfalls
from fivewatch.cli.common import database_option, emit, format_option, load_config, session_scope
from models.taxonomy import ANY_TOPIC, topic_labels
from models.thesaurus import load_thesaurus
from models.vocabulary import DOCUMENT_KINDS, JURISDICTIONS

COLUMNS = ("jurisdiction", "type", "reference", "title", "date", "matched_terms", "snippet")
INDENT = "  "
_MARKED = re.compile(r"\[\[(.*?)\]\]")


def parsed_or_exit(text: str) -> Query:
    """The parsed query; on a syntax error, the caret message on stderr and exit status 2."""
    try:
        return parse(text)
    except QuerySyntaxError as error:
        click.echo(f"invalid query:\n{error.pretty()}", err=True)
        raise SystemExit(2) from error


def tree(node: Node, depth: int = 0) -> list[str]:
    """One line per node, children indented under their operator."""
    line = INDENT * depth + _label(node)
    return [line, *(row for child in _children(node) for row in tree(child, depth + 1))]


def _label(node: Node) -> str:
    if isinstance(node, Term):
        kind = "PREFIX" if node.prefix else ("PHRASE" if len(node.words) > 1 else "WORD")
        return f"{kind} {node.label}"
    if isinstance(node, Near):
        return f"NEAR/{node.distance} (at most {node.distance} words apart, either order)"
    if isinstance(node, Filter) and node.field == "topic":
        return f"FILTER {node} ({_topics_named(node.values)})"
    if isinstance(node, Filter):
        return f"FILTER {node}"
    return {InTitle: "IN TITLE", Not: "NOT", And: "AND", Or: "OR"}[type(node)]


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Near):
        return (node.left, node.right)
    if isinstance(node, InTitle | Not):
        return (node.child,)
    if isinstance(node, And | Or):
        return node.children
    return ()


def required_line(query: Query) -> str:
    """What the matcher's index looks for: a document must hold one key of each group."""
    if not query.required_groups:
        return "required: nothing (a filter alone can match: checked on every document)"
    groups = ("|".join(sorted(group)) for group in query.required_groups)
    return "required: " + " AND ".join(groups)


def _topics_named(slugs: tuple[str, ...]) -> str:
    """`topic:` in words: the topics' labels, and how a document comes to carry one."""
    if ANY_TOPIC in slugs:
        return "documents tagged with any topic: on-topic"
    labels = topic_labels()
    named = " or ".join(labels[slug] for slug in slugs)
    count = sum(len(load_thesaurus().terms_of(slug)) for slug in slugs)
    return f"documents tagged {named}: {count} thesaurus terms in English and French"


def warning_lines(text: str) -> list[str]:
    return [
        f"warning: {pitfall.message}\n  did you mean: {pitfall.suggestion}"
        for pitfall in pitfalls(text)
    ]


@click.group("query")
def query_group() -> None:
    """Explain a query, or try it on the stored documents before subscribing."""


@query_group.command("check")
@click.argument("text")
def check_command(text: str) -> None:
    """Print the query's canonical form, its parsed tree and its required terms, and warn
    when it probably means something else than written (`grooming or sextortion`)."""
    query = parsed_or_exit(text)
    click.echo(str(query))
    click.echo("\n".join(tree(query.root)))
    click.echo(required_line(query))
    for line in warning_lines(text):
        click.echo(line, err=True)


def hit_row(hit: SearchHit, fmt: str) -> dict[str, Any]:
    document = hit.document
    return {
        "jurisdiction": document.jurisdiction,
        "type": document.kind,
        "reference": document.reference,
        "title": escape(document.title) if fmt == "table" else document.title,
        "date": document.published_on,
        "matched_terms": hit.matched_terms,
        "snippet": highlighted(hit.snippet) if fmt == "table" else hit.snippet,
    }


def highlighted(snippet: str) -> str:
    """`[[word]]` markers as bold for the terminal (the rest escaped from rich markup)."""
    pieces = _MARKED.split(snippet)  # even indexes: plain text, odd: matched words
    return "".join(
        f"[bold yellow]{escape(piece)}[/]" if index % 2 else escape(piece)
        for index, piece in enumerate(pieces)
    )


@query_group.command("test")
@click.argument("text")
@click.option("--jurisdiction", "-j", multiple=True, type=click.Choice(JURISDICTIONS))
@click.option("--type", "doc_types", multiple=True, type=click.Choice(DOCUMENT_KINDS))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@database_option
@format_option
def test_command(
    text: str,
    jurisdiction: tuple[str, ...],
    doc_types: tuple[str, ...],
    limit: int,
    database_url: str | None,
    fmt: str,
) -> None:
    """Show the stored documents the query would have matched, matched words highlighted."""
    parsed_or_exit(text)
    with session_scope(load_config(database_url)) as session:
        # Alerts match every document, on-topic or not: so does their test.
        filters = Filters(
            query=text, jurisdictions=jurisdiction, kinds=doc_types, limit=limit, scope=Scope.ALL
        )
        found = find(session, filters)
        rows = [hit_row(hit, fmt) for hit in found.hits]
    title = f"{found.total} stored documents match {escape(text)}"
    emit(rows, COLUMNS, fmt, title=title)
