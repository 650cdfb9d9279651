"""The query AST. `str(node)` is the canonical form; it parses back to an equal node."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alerts.query.lexer import KEYWORDS, NEAR_OPERATOR

# Fields that filter on document metadata rather than search its words.
FILTER_FIELDS = ("jurisdiction", "type", "stage", "number", "topic")
# Marks an index key that must occur in the title (words never hold a colon).
TITLE_KEY = "title:"


@dataclass(frozen=True)
class Term:
    """A word or a phrase (folded words); `prefix` makes the last word a prefix.

    `written` is the term as the query or the thesaurus writes it (accents, capitals) and
    `gloss` what it is to the term asked for ("the French for online safety"): what people
    read in a "why", never the folded words. Neither takes part in equality.
    """

    words: tuple[str, ...]
    prefix: bool = False
    written: str = field(default="", compare=False)
    gloss: str = field(default="", compare=False)

    def __str__(self) -> str:
        star = "*" if self.prefix else ""
        shown = self.written.rstrip("*") if self.written else " ".join(self.words)
        if len(self.words) == 1 and is_bare_word(shown):
            return f"{shown}{star}"
        return f'"{shown}{star}"'

    @property
    def label(self) -> str:
        """The term as written, with its gloss: `"pornographie juvénile" (the French for ...)`."""
        return f"{self} ({self.gloss})" if self.gloss else str(self)


@dataclass(frozen=True)
class Near:
    left: Term
    right: Term
    distance: int

    def __str__(self) -> str:
        return f"{self.left} NEAR/{self.distance} {self.right}"


@dataclass(frozen=True)
class InTitle:
    child: Node

    def __str__(self) -> str:
        return f"title:{_wrapped(self.child)}"


@dataclass(frozen=True)
class Filter:
    """`jurisdiction:uk`, `type:bill|statement`, `stage:"royal assent"`, `number:c63`."""

    field: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.field}:{'|'.join(_quoted(value) for value in self.values)}"


@dataclass(frozen=True)
class Not:
    child: Node

    def __str__(self) -> str:
        return f"NOT {_wrapped(self.child)}"


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrapped(child) for child in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrapped(child) for child in self.children)


Node = Term | Near | InTitle | Filter | Not | And | Or


def is_bare_word(text: str) -> bool:
    """Whether `text` reads back as this one word unquoted (not a keyword or NEAR/n)."""
    return text.isalnum() and text not in KEYWORDS and not NEAR_OPERATOR.match(text)


def _wrapped(node: Node) -> str:
    return f"({node})" if isinstance(node, And | Or | Near) else str(node)


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def terms(node: Node) -> list[Term]:
    """Every word or phrase term, in query order (NEAR operands included)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [node.left, node.right]
    if isinstance(node, InTitle | Not):
        return terms(node.child)
    if isinstance(node, And | Or):
        return [term for child in node.children for term in terms(child)]
    return []


def is_positive(node: Node) -> bool:
    """False when the node can only exclude: nothing it matches is asked for."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(is_positive(child) for child in node.children)
    if isinstance(node, Or):
        return all(is_positive(child) for child in node.children)
    if isinstance(node, InTitle):
        return is_positive(node.child)
    return True


def required_terms(node: Node) -> frozenset[str] | None:
    """Index keys (words; `child*` for prefixes) a matching document must contain one of.

    None when no such set can be derived (a filter-only or negated part).
    """
    if isinstance(node, Term):
        return frozenset({_index_key(node)})
    if isinstance(node, Near):
        return required_terms(node.left)
    if isinstance(node, InTitle):
        return required_terms(node.child)
    if isinstance(node, And):
        derived = [keys for keys in map(required_terms, node.children) if keys is not None]
        return min(derived, key=len) if derived else None
    if isinstance(node, Or):
        parts = [required_terms(child) for child in node.children]
        return None if any(p is None for p in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
    return None


def guessed_cost(group: frozenset[str]) -> tuple[int, ...]:
    """Without word statistics: fewest prefixes, fewest keys, longest words are rarest."""
    return (_prefixes(group), len(group), -min(map(len, group)))


GroupCost = Callable[[frozenset[str]], Any]


def required_groups(
    node: Node, cost: GroupCost = guessed_cost, mark: str = ""
) -> tuple[frozenset[str], ...]:
    """Groups of index keys: a matching document holds at least one key of EVERY group.

    Finer than `required_terms`: each full word of a phrase and each part of an AND is its own
    group; an OR keeps the cheapest group of each alternative (`cost`). Keys that must occur in
    the title start with TITLE_KEY (`title:child`). Empty when nothing can be derived (a filter
    alone or a negation can match).
    """
    if isinstance(node, Term):
        return _term_groups(node, mark)
    if isinstance(node, Near):
        return _term_groups(node.left, mark) + _term_groups(node.right, mark)
    if isinstance(node, InTitle):
        return required_groups(node.child, cost, TITLE_KEY)
    if isinstance(node, And):
        parts = (required_groups(child, cost, mark) for child in node.children)
        return tuple(dict.fromkeys(group for groups in parts for group in groups))
    if isinstance(node, Or):
        alternatives = [required_groups(child, cost, mark) for child in node.children]
        if not all(alternatives):
            return ()
        return (frozenset().union(*(min(groups, key=cost) for groups in alternatives)),)
    return ()


def _prefixes(group: frozenset[str]) -> int:
    return sum(key.endswith("*") for key in group)


def _term_groups(term: Term, mark: str) -> tuple[frozenset[str], ...]:
    full = term.words[:-1] if term.prefix else term.words
    groups = [frozenset({mark + word}) for word in dict.fromkeys(full)]
    if term.prefix:
        groups.append(frozenset({f"{mark}{term.words[-1]}*"}))
    return tuple(groups)


def _index_key(term: Term) -> str:
    """The term's most selective word: a full word of a phrase beats its prefix word."""
    if term.prefix and len(term.words) == 1:
        return f"{term.words[0]}*"
    full = term.words[:-1] if term.prefix else term.words
    return max(full, key=len)
