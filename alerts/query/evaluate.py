"""Evaluating a query AST on a MatchDocument, keeping where each term matched."""

from __future__ import annotations

from dataclasses import dataclass

from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Term
from alerts.query.document import FieldIndex, MatchDocument
from alerts.query.topics import topic_terms
from models.taxonomy import ANY_TOPIC
from models.text import reference_key

TITLE = "title"
TEXT = "text"


@dataclass(frozen=True)
class Hit:
    """Term `label` matched words [start, end) of `field` (title words are text words too)."""

    label: str
    field: str
    start: int
    end: int


def evaluate(node: Node, doc: MatchDocument, field: str = TEXT) -> list[Hit] | None:
    """None when `node` does not match; else the hits (empty for filters and negations)."""
    if isinstance(node, Term):
        return term_hits(node, field_index(doc, field), field) or None
    if isinstance(node, Near):
        return near_hits(node, field_index(doc, field), field) or None
    if isinstance(node, InTitle):
        return evaluate(node.child, doc, TITLE)
    if isinstance(node, Filter):
        return filter_hits(node, doc) if filter_matches(node, doc) else None
    if isinstance(node, Not):
        return [] if evaluate(node.child, doc, field) is None else None
    if isinstance(node, And):
        return _all(node.children, doc, field)
    return _any(node.children, doc, field)


def field_index(doc: MatchDocument, field: str) -> FieldIndex:
    return doc.title_index if field == TITLE else doc.text_index


def _all(children: tuple[Node, ...], doc: MatchDocument, field: str) -> list[Hit] | None:
    hits: list[Hit] = []
    for child in children:
        found = evaluate(child, doc, field)
        if found is None:
            return None
        hits.extend(found)
    return hits


def _any(children: tuple[Node, ...], doc: MatchDocument, field: str) -> list[Hit] | None:
    results = [evaluate(child, doc, field) for child in children]
    matched = [hits for hits in results if hits is not None]
    return [hit for hits in matched for hit in hits] if matched else None


def _starts(term: Term, index: FieldIndex) -> list[int]:
    """Positions where the term's first word occurs (or, for a 1-word prefix, begins)."""
    first = term.words[0]
    if term.prefix and len(term.words) == 1:
        return sorted(
            p for word, at in index.positions.items() if word.startswith(first) for p in at
        )
    return index.positions.get(first, [])


def _word_fits(term: Term, offset: int, word: str) -> bool:
    wanted = term.words[offset]
    last = offset == len(term.words) - 1
    return word.startswith(wanted) if term.prefix and last else word == wanted


def term_hits(term: Term, index: FieldIndex, field: str) -> list[Hit]:
    size = len(term.words)
    return [
        Hit(term.label, field, start, start + size)
        for start in _starts(term, index)
        if start + size <= len(index.words)
        and all(_word_fits(term, k, index.words[start + k]) for k in range(size))
    ]


def near_hits(near: Near, index: FieldIndex, field: str) -> list[Hit]:
    lefts = term_hits(near.left, index, field)
    rights = term_hits(near.right, index, field)
    return [
        hit
        for left in lefts
        for right in rights
        if words_between(left, right) <= near.distance
        for hit in (left, right)
    ]


def words_between(a: Hit, b: Hit) -> int:
    """Words separating two hits, in either order (0 when adjacent or overlapping)."""
    return max(0, b.start - a.end, a.start - b.end)


def filter_matches(node: Filter, doc: MatchDocument) -> bool:
    if node.field == "topic":
        return (
            bool(doc.topics)
            if ANY_TOPIC in node.values
            else bool(set(node.values) & set(doc.topics))
        )
    if node.field == "jurisdiction":
        return doc.jurisdiction in node.values
    if node.field == "type":
        return doc.kind in node.values
    if node.field == "number":
        return reference_key(doc.reference) in node.values
    return any(_contains(doc.stage_words, tuple(value.split())) for value in node.values)


def filter_hits(node: Filter, doc: MatchDocument) -> list[Hit]:
    """Why a matching filter matched: for `topic:`, where the document holds its topics'
    terms (a "why" names the form it found); other filters hold no words."""
    if node.field != "topic":
        return []
    wanted = doc.topics if ANY_TOPIC in node.values else node.values
    index = field_index(doc, TEXT)
    return [
        hit
        for slug in wanted
        if slug in doc.topics
        for term in topic_terms(slug)
        for hit in term_hits(term, index, TEXT)
    ]


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))
