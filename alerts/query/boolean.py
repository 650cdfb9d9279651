"""Whether a query matches, without positions where it can: each query compiled to a function.

`compile_test(node)(doc)` is `evaluate(node, doc) is not None`, faster. The query becomes one
Python expression (a single call per query, not one per node): a word is a set look-up (all
the plain words of an AND or an OR at once), a filter a comparison with a value computed once
per document, a prefix a bisection of the sorted words, a phrase a substring of the
space-joined words, and NEAR of two words a search of the joined words for the two close
enough. AND and OR try their cheapest children first. The source holds no text of the query:
every word or value is a constant the expression refers to by name.
"""

from __future__ import annotations

import re
import sys
import weakref
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeGuard

from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term
from alerts.query.document import MatchDocument
from alerts.query.evaluate import TEXT, TITLE, field_index, near_hits

Test = Callable[[MatchDocument], bool]
_SETS = {TEXT: "doc.word_set", TITLE: "doc.title_word_set"}
_JOINED = {TEXT: "doc.joined_words", TITLE: "doc.joined_title_words"}
_FILTER_VALUES = {
    "jurisdiction": "doc.jurisdiction",
    "type": "doc.kind",
    "number": "doc.reference_key",
}


def compile_test(node: Node) -> Test:
    """A function telling whether `node` matches a document."""
    source = _Source()
    return source.compiled(source.of(node, TEXT), node)


def compile_order_test(node: Term | Near, field: str) -> Test:
    """Whether a phrase or NEAR (in `field`) matches a document known to hold all its words:
    what `compile_test` checks of it after their presence."""
    source = _Source()
    expression = (
        source.in_order(node, field) if isinstance(node, Term) else source.found(node, field)
    )
    return source.compiled(expression, node)


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
    return max(map(cost, node.children))


def _is_plain_word(node: Node) -> TypeGuard[Term]:
    return isinstance(node, Term) and len(node.words) == 1 and not node.prefix


class _Source:
    """Builds the expression; `constants` is the namespace its names refer to."""

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}

    def compiled(self, expression: str, node: Node) -> Test:
        code = compile(f"def test(doc):\n    return {expression}\n", f"<query {node}>", "exec")
        # Our own source: the query's words and values are only in `constants`.
        exec(code, self.constants)
        test: Test = self.constants["test"]
        return test

    def constant(self, value: object) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = _shared(value)
        return name

    def of(self, node: Node, field: str) -> str:
        if isinstance(node, Term):
            return self.term(node, field)
        if isinstance(node, Near):
            return self.near(node, field)
        if isinstance(node, InTitle):
            return self.of(node.child, TITLE)
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, Not):
            return f"not ({self.of(node.child, field)})"
        return self.all_or_any(node, field)

    def all_or_any(self, node: And | Or, field: str) -> str:
        """Plain words in one subset (AND) or disjointness (OR) test, after the filters."""
        words = frozenset(child.words[0] for child in node.children if _is_plain_word(child))
        rest = sorted((c for c in node.children if not _is_plain_word(c)), key=cost)
        parts = [self.of(child, field) for child in rest]
        if words:
            filters = sum(isinstance(child, Filter) for child in rest)
            words_test = (
                f"{self.constant(words)} <= {_SETS[field]}"
                if isinstance(node, And)
                else f"not {self.constant(words)}.isdisjoint({_SETS[field]})"
            )
            parts.insert(filters, words_test)
        joiner = " and " if isinstance(node, And) else " or "
        return "(" + joiner.join(f"({part})" for part in parts) + ")"

    def present(self, term: Term, field: str) -> str:
        """Each of the term's words (its last as a prefix, if one) occurs, anywhere."""
        full = frozenset(term.words[:-1] if term.prefix else term.words)
        tests = []
        if len(full) == 1:
            tests.append(f"{self.constant(next(iter(full)))} in {_SETS[field]}")
        elif full:
            tests.append(f"{self.constant(full)} <= {_SETS[field]}")
        if term.prefix:
            prefix = self.constant(term.words[-1])
            tests.append(f"doc.has_prefix({prefix}, {field == TITLE})")
        return " and ".join(tests)

    def term(self, term: Term, field: str) -> str:
        if len(term.words) == 1:
            return self.present(term, field)  # one word (or prefix) present is a hit
        return f"{self.present(term, field)} and {self.in_order(term, field)}"

    def in_order(self, term: Term, field: str) -> str:
        # Words never hold a space: the last one open-ended for a prefix, closed by one otherwise.
        needle = self.constant(f" {' '.join(term.words)}{'' if term.prefix else ' '}")
        return f"{needle} in {_JOINED[field]}"

    def near(self, near: Near, field: str) -> str:
        present = f"{self.present(near.left, field)} and {self.present(near.right, field)}"
        return f"{present} and {self.found(near, field)}"

    def found(self, near: Near, field: str) -> str:
        return f"{self.constant(_near_found(near, field))}(doc)"

    def filter(self, node: Filter) -> str:
        if node.field in _FILTER_VALUES:
            return f"{_FILTER_VALUES[node.field]} in {self.constant(frozenset(node.values))}"
        # A stage value is folded words between single spaces: a run of the stage's words.
        needles = [self.constant(f" {value} ") for value in node.values]
        return " or ".join(f"{needle} in doc.joined_stage_words" for needle in needles)


# One object per distinct word or word set across all compiled queries: the popular ones stay
# in the CPU's cache however many queries test them.
_SHARED_SETS: weakref.WeakValueDictionary[frozenset[str], frozenset[str]] = (
    weakref.WeakValueDictionary()
)


def _shared(value: object) -> object:
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, frozenset):
        return _SHARED_SETS.setdefault(value, value)
    return value


def _near_found(near: Near, field: str) -> Test:
    """Whether NEAR's terms, both present, are close enough: for two plain words, a search of
    the joined words for either one, at most `distance` words, the other (in C, no positions);
    other terms take the hits' way."""
    if not (_is_plain_word(near.left) and _is_plain_word(near.right)):
        return lambda doc: bool(near_hits(near, field_index(doc, field), field))
    left, right = (re.escape(term.words[0]) for term in (near.left, near.right))
    if left == right:
        return lambda doc: True  # a hit is near itself (no words between)
    between = f"(?:[^ ]+ ){{0,{near.distance}}}"
    pattern = re.compile(f" {left} {between}{right} | {right} {between}{left} ")
    joined = attrgetter(_JOINED[field].removeprefix("doc."))
    return lambda doc: pattern.search(joined(doc)) is not None
