"""The one query language of alerts, search, CLI and web (DESIGN §4).

`parse(text)` returns a `Query`; `query.match(doc)` on a `MatchDocument` returns a
`MatchResult` or None. `query.required_terms` is what a term index needs to pick candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from alerts.query.ast import Node, is_positive, required_groups, required_terms
from alerts.query.document import MatchDocument
from alerts.query.errors import QuerySyntaxError
from alerts.query.evaluate import TITLE, Hit, evaluate
from alerts.query.parser import MAX_LENGTH, MAX_TERMS, parse_node

__all__ = [
    "MAX_LENGTH",
    "MAX_TERMS",
    "Hit",
    "MatchDocument",
    "MatchResult",
    "Query",
    "QuerySyntaxError",
    "parse",
]


@dataclass(frozen=True)
class MatchResult:
    matched_terms: list[str]
    hits: list[Hit]
    title_words: int  # the document's first `title_words` text words are its title

    def in_title(self, hit: Hit) -> bool:
        return hit.field == TITLE or hit.end <= self.title_words

    @property
    def best(self) -> Hit | None:
        """The first hit in the title, else the earliest hit; None for filter-only matches."""
        ordered = sorted(self.hits, key=lambda hit: (not self.in_title(hit), hit.start))
        return ordered[0] if ordered else None


@dataclass(frozen=True)
class Query:
    text: str
    root: Node

    def __str__(self) -> str:
        return str(self.root)

    def match(self, doc: MatchDocument) -> MatchResult | None:
        hits = evaluate(self.root, doc)
        if hits is None:
            return None
        terms = list(dict.fromkeys(hit.label for hit in sorted(hits, key=lambda h: h.start)))
        return MatchResult(terms, hits, len(doc.title_index.words))

    @cached_property
    def required_terms(self) -> frozenset[str] | None:
        """A document with none of these index keys cannot match; None if none derivable."""
        return required_terms(self.root)

    @cached_property
    def required_groups(self) -> tuple[frozenset[str], ...]:
        """A matching document holds a key of every group (see `ast.required_groups`)."""
        return required_groups(self.root)

    @property
    def indexable(self) -> bool:
        return self.required_terms is not None


def parse(text: str) -> Query:
    root = parse_node(text)
    if not is_positive(root):
        raise QuerySyntaxError(
            "this query can only exclude documents: add a word, phrase or field to look for",
            0,
            text,
        )
    return Query(text, root)
