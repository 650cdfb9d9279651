"""Queries as programs of the native batch matcher (`alerts.query._matcher`, in C), and what
it reads of a batch: each document's text and title, and the documents passing each filter.

A program is a nested tuple (see _matcher.c): a word or a prefix is a key looked up in the
batch's postings, AND / OR / NOT operate on sets of documents, a phrase or NEAR is checked on
the documents holding its words. A query in the title reads the title's postings and words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term
from alerts.query.document import MatchDocument
from alerts.query.evaluate import filter_matches

TEXT, TITLE = 0, 1  # the program's fields
Program = tuple[object, ...]
KeySpec = tuple[int, str, bool]  # (field, word, prefix): an index key of the native matcher


def program(node: Node, filters: dict[Filter, int], field: int = TEXT) -> Program:
    """`node` as a program; its filters get their ids in `filters` (new ones added)."""
    if isinstance(node, Term):
        if len(node.words) == 1:
            return ("key", field, node.words[0], node.prefix)
        return ("phrase", field, _term_words(node))
    if isinstance(node, Near):
        return ("near", field, _term_words(node.left), _term_words(node.right), node.distance)
    if isinstance(node, InTitle):
        return program(node.child, filters, TITLE)
    if isinstance(node, Filter):
        return ("filter", filters.setdefault(node, len(filters)))
    if isinstance(node, Not):
        return ("not", program(node.child, filters, field))
    # Cheapest first: an AND stops at its first part no document passes.
    children = tuple(program(child, filters, field) for child in sorted(node.children, key=cost))
    return ("and" if isinstance(node, And) else "or", children)


def _term_words(term: Term) -> tuple[tuple[str, bool], ...]:
    """Each word of a term, the last one a prefix if the term's is."""
    last = len(term.words) - 1
    return tuple((word, term.prefix and at == last) for at, word in enumerate(term.words))


def cost(node: Node) -> int:
    """A rank of how much evaluating `node` costs: filters, words, prefixes, positions."""
    if isinstance(node, Filter):
        return 0
    if isinstance(node, Term):
        return 3 if len(node.words) > 1 else 2 if node.prefix else 1
    if isinstance(node, Near):
        return 3
    if isinstance(node, InTitle | Not):
        return cost(node.child)
    assert isinstance(node, And | Or)
    return max(map(cost, node.children))


def key_spec(key: str, title_mark: str) -> KeySpec:
    """An index key of `ast.required_groups` (`word`, `prefix*`, `title:`-marked) as the
    native matcher's (field, word, prefix)."""
    field = TITLE if key.startswith(title_mark) else TEXT
    word = key.removeprefix(title_mark) if field == TITLE else key
    return (field, word.removesuffix("*"), word.endswith("*"))


# What a filter on each field reads of a document (see `evaluate.filter_matches`).
_FIELD_VALUES: dict[str, Callable[[MatchDocument], str]] = {
    "jurisdiction": lambda doc: doc.jurisdiction,
    "type": lambda doc: doc.kind,
    "stage": lambda doc: doc.stage,
    "number": lambda doc: doc.reference,
    "topic": lambda doc: " ".join(doc.topics),
}


def filter_documents(filters: Iterable[Filter], docs: Sequence[MatchDocument]) -> list[bytes]:
    """Per filter, the documents of `docs` passing it as the native matcher reads them (bit
    i of the little-endian bytes: document i), each filter checked once per distinct value."""
    size = (len(docs) + 63) // 64 * 8
    groups: dict[str, list[tuple[MatchDocument, int]]] = {}
    found = []
    for node in filters:
        if node.field not in groups:
            groups[node.field] = _by_value(docs, _FIELD_VALUES[node.field])
        bits = 0
        for doc, holding in groups[node.field]:
            if filter_matches(node, doc):
                bits |= holding
        found.append(bits.to_bytes(size, "little"))
    return found


def _by_value(
    docs: Sequence[MatchDocument], value_of: Callable[[MatchDocument], str]
) -> list[tuple[MatchDocument, int]]:
    """Per distinct value: a document holding it, and the bits of all that do."""
    numbers: defaultdict[str, int] = defaultdict(int)
    first: dict[str, MatchDocument] = {}
    for number, doc in enumerate(docs):
        value = value_of(doc)
        numbers[value] |= 1 << number
        first.setdefault(value, doc)
    return [(first[value], bits) for value, bits in numbers.items()]
