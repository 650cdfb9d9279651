"""Checks a batch runs on the documents that hold all of a phrase's or a NEAR's words: are
they in order, or near enough? A phrase is a substring of the space-joined words, and NEAR of
two plain words one regex search of them (no positions); other NEARs take the hits' way.
`cost` ranks query parts by how much evaluating them costs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import attrgetter
from typing import TypeGuard

from alerts.query.ast import Filter, InTitle, Near, Node, Not, Term
from alerts.query.document import MatchDocument
from alerts.query.evaluate import TEXT, TITLE, field_index, near_hits

Test = Callable[[MatchDocument], bool]
_JOINED = {TEXT: attrgetter("joined_words"), TITLE: attrgetter("joined_title_words")}


def compile_order_test(node: Term | Near, field: str) -> Test:
    """Whether a phrase or NEAR (in `field`) matches a document known to hold all its words."""
    if isinstance(node, Near):
        return _near_found(node, field)
    # Words never hold a space: the last one open-ended for a prefix, closed by one otherwise.
    needle = f" {' '.join(node.words)}{'' if node.prefix else ' '}"
    joined = _JOINED[field]
    return lambda doc: needle in joined(doc)


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
    joined = _JOINED[field]
    return lambda doc: pattern.search(joined(doc)) is not None
