"""Turns query text into tokens, each with its column for error messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from alerts.query.syntax_error import QuerySyntaxError

KEYWORDS = frozenset({"AND", "OR", "NOT"})
NEAR_OPERATOR = re.compile(r"NEAR(?:/(\d+))?$")
_FIELD = re.compile(r"([A-Za-z]+):")
_PUNCTUATION = '()"'  # end a bare word, as whitespace does
DEFAULT_NEAR = 10


@dataclass(frozen=True)
class Token:
    kind: str  # WORD PHRASE FIELD AND OR NOT MINUS TILDE NEAR LPAREN RPAREN END
    text: str
    position: int


def tokenize(query: str) -> Iterator[Token]:
    position = 0
    while position < len(query):
        char = query[position]
        if char.isspace():
            position += 1
        elif char in "()":
            yield Token("LPAREN" if char == "(" else "RPAREN", char, position)
            position += 1
        elif char == '"':
            token = _phrase(query, position)
            yield token
            position += len(token.text) + 2
        elif char == "-" and _starts_term(query, position + 1):
            yield Token("MINUS", char, position)
            position += 1
        elif char == "~" and _starts_term(query, position + 1):
            yield Token("TILDE", char, position)  # `~term`: the term with its equivalents
            position += 1
        else:
            token = _bare(query, position)
            yield token
            position += len(token.text) + (1 if token.kind == "FIELD" else 0)
    yield Token("END", "", len(query))


def _starts_term(query: str, position: int) -> bool:
    """A `-` negates only when a term follows it directly (`-climate`, `-"x y"`, `-(a b)`)."""
    return position < len(query) and not query[position].isspace() and query[position] not in ")-"


def _phrase(query: str, start: int) -> Token:
    end = query.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError('unterminated phrase: expected a closing "', start, query)
    return Token("PHRASE", query[start + 1 : end], start)


def _bare(query: str, start: int) -> Token:
    end = start
    while end < len(query) and not query[end].isspace() and query[end] not in _PUNCTUATION:
        end += 1
    text = query[start:end]
    field = _FIELD.match(text)
    if field:
        return Token("FIELD", field.group(1).lower(), start)
    if text in KEYWORDS:
        return Token(text, text, start)
    if NEAR_OPERATOR.match(text):
        return Token("NEAR", text, start)
    return Token("WORD", text, start)


def near_distance(token: Token) -> int:
    match = NEAR_OPERATOR.match(token.text)
    return int(match.group(1)) if match and match.group(1) else DEFAULT_NEAR
