"""Recursive-descent parser: NOT binds tighter than AND (also implicit), AND than OR.

query   := or END
or      := and ("OR" and)*
and     := unary (["AND"] unary)*
unary   := ("NOT" | "-") unary | near
near    := primary ("NEAR/n" primary)?
primary := WORD | PHRASE | "~" (WORD | PHRASE) | "(" or ")" | FIELD value

`~term` is the term or any of its equivalents in the thesaurus (models/thesaurus.toml);
`topic:csam|age-assurance` (or `topic:any`) keeps documents tagged with a topic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from difflib import get_close_matches

from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term, terms
from alerts.query.lexer import Token, near_distance, tokenize
from alerts.query.syntax_error import QuerySyntaxError
from alerts.query.topics import equivalent_terms, written_term
from models.inputs import bad_character, describe_character
from models.taxonomy import ANY_TOPIC, topic_labels
from models.text import fold, reference_key, tokens
from models.vocabulary import DOCUMENT_KINDS, JURISDICTIONS

MAX_LENGTH = 1000
MAX_TERMS = 64  # as written
# After `~term` expansions: each equivalent is a term the matcher looks for.
MAX_EXPANDED_TERMS = 256
# Levels of (, NOT, - and title: one inside another. Parsing, evaluating, printing and the
# native matcher all recurse once or a few times per level: a bound here keeps every one of
# them far from Python's recursion limit for anything the parser accepts.
MAX_DEPTH = 32
# The only control characters a query may hold: spaces between words (a pasted query keeps its
# line breaks). Any other (NUL, ESC, ...) is refused before it reaches a database or a terminal.
QUERY_WHITESPACE = "\t\n\r"
MIN_PREFIX = 3
_STARTS_UNARY = frozenset({"WORD", "PHRASE", "FIELD", "LPAREN", "NOT", "MINUS", "TILDE"})
FIELDS = ("title", "jurisdiction", "type", "stage", "number", "topic")


class Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = list(tokenize(query))
        self.index = 0
        self.depth = 0
        self.written_terms = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(message, (token or self.current).position, self.query)

    @contextmanager
    def nested(self, token: Token) -> Iterator[None]:
        """One more level of nesting, opened by `token`; refused past MAX_DEPTH."""
        if self.depth >= MAX_DEPTH:
            raise self.error(
                f"nested too deeply: at most {MAX_DEPTH} levels of (, NOT, - and title:", token
            )
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def expect(self, kind: str, what: str) -> Token:
        if self.current.kind != kind:
            raise self.error(f"expected {what}, found {_describe(self.current)}")
        return self.advance()

    def parse(self) -> Node:
        node = self.parse_or()
        self.expect("END", "AND, OR, NOT or the end of the query")
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.current.kind == "OR":
            self.advance()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while self.current.kind == "AND" or self.current.kind in _STARTS_UNARY:
            if self.current.kind == "AND":
                self.advance()
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        if self.current.kind in ("NOT", "MINUS"):
            with self.nested(self.advance()):
                return Not(self.parse_unary())
        return self.parse_near()

    def parse_near(self) -> Node:
        left_token = self.current
        left = self.parse_primary()
        if self.current.kind != "NEAR":
            return left
        near = self.advance()
        with self.nested(near):  # its canonical form is parenthesised: one level more
            right_token = self.current
            right = self.parse_primary()
        distance = near_distance(near)
        return Near(
            self._near_operand(left, left_token), self._near_operand(right, right_token), distance
        )

    def _near_operand(self, node: Node, token: Token) -> Term:
        if not isinstance(node, Term):
            raise self.error("expected a word or a phrase on each side of NEAR", token)
        return node

    def parse_primary(self) -> Node:
        token = self.current
        if token.kind in ("WORD", "PHRASE"):
            return self.term(self.advance())
        if token.kind == "LPAREN":
            with self.nested(self.advance()):
                node = self.parse_or()
            self.expect("RPAREN", "a closing )")
            return node
        if token.kind == "FIELD":
            return self.field(self.advance())
        if token.kind == "TILDE":
            return self.equivalents(self.advance())
        raise self.error(f"expected a word, a phrase, a field or (, found {_describe(token)}")

    def equivalents(self, tilde: Token) -> Node:
        """`~term`: the term, or any term the thesaurus gives as meaning the same."""
        token = self.current
        if token.kind not in ("WORD", "PHRASE"):
            raise self.error("expected a word or a phrase after ~", tilde)
        term = self.term(self.advance())
        expanded = equivalent_terms(token.text)
        return Or(expanded) if len(expanded) > 1 else term

    def term(self, token: Token) -> Term:
        raw = token.text.strip()
        prefix = raw.endswith("*")
        words = tuple(tokens(raw.removesuffix("*")))
        if "*" in raw.removesuffix("*"):
            raise self.error("* may only end a term (a prefix like child*)", token)
        if not words:
            raise self.error("expected a word with letters or digits", token)
        if prefix and len(words[-1]) < MIN_PREFIX:
            raise self.error(f"a prefix needs at least {MIN_PREFIX} letters before *", token)
        self.written_terms += 1
        return written_term(raw)

    def field(self, token: Token) -> Node:
        if token.text == "title":
            with self.nested(token):
                return InTitle(self.parse_primary())
        value = self.current
        if value.kind not in ("WORD", "PHRASE"):
            raise self.error(f"expected a value after {token.text}:")
        self.advance()
        return Filter(token.text, self.filter_values(token, value))

    def filter_values(self, field: Token, value: Token) -> tuple[str, ...]:
        normalise = _NORMALISERS.get(field.text)
        if normalise is None:
            raise self.error(
                f"unknown field {field.text!r}{did_you_mean(field.text, FIELDS, ':')}: "
                f"expected {', '.join(FIELDS[:-1])} or {FIELDS[-1]}",
                field,
            )
        values = tuple(normalise(part) for part in value.text.split("|"))
        allowed = _allowed(field.text)
        for part in values:
            if not part or (allowed and part not in allowed):
                choices = ", ".join(allowed or ("a value",))
                hint = did_you_mean(part, allowed) if allowed else ""
                raise self.error(f"{field.text}: expected {choices}, found {part!r}{hint}", value)
        return values


def _describe(token: Token) -> str:
    return "the end of the query" if token.kind == "END" else repr(token.text)


def did_you_mean(text: str, choices: tuple[str, ...], suffix: str = "") -> str:
    """` (did you mean jurisdiction:?)` for a near miss, else ""."""
    close = get_close_matches(text.lower(), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}{suffix}?)" if close else ""


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "jurisdiction": lambda value: fold(value).strip(),
    "type": lambda value: fold(value).strip(),
    "stage": lambda value: " ".join(tokens(value)),
    "number": reference_key,
    "topic": lambda value: fold(value).strip(),
}


def _allowed(field: str) -> tuple[str, ...]:
    if field == "topic":
        return (*topic_labels(), ANY_TOPIC)
    return {"jurisdiction": JURISDICTIONS, "type": DOCUMENT_KINDS}.get(field, ())


def parse_node(query: str) -> Node:
    """Parse and check the limits; the node can be evaluated by `alerts.query.evaluate`."""
    if len(query) > MAX_LENGTH:
        raise QuerySyntaxError(
            f"query too long: {len(query)} characters, at most {MAX_LENGTH}", MAX_LENGTH, query
        )
    if (bad := bad_character(query, allowed=QUERY_WHITESPACE)) is not None:
        raise QuerySyntaxError(
            f"a query cannot hold the control character {describe_character(query[bad])}",
            bad,
            query,
        )
    if not query.strip():
        raise QuerySyntaxError("expected a word, a phrase or a field: the query is empty", 0, query)
    parser = Parser(query)
    node = parser.parse()
    if parser.written_terms > MAX_TERMS:
        raise QuerySyntaxError(f"too many terms: at most {MAX_TERMS}", 0, query)
    if (expanded := len(terms(node))) > MAX_EXPANDED_TERMS:
        raise QuerySyntaxError(
            f"this query expands to {expanded} terms with the equivalents of its ~terms: "
            f"at most {MAX_EXPANDED_TERMS}; use fewer ~terms",
            0,
            query,
        )
    return node
