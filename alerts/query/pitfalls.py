"""Valid queries that probably do not say what their writer meant, each with a better one.

`grooming or sextortion` is valid: three words, all required. A person meant OR. Such a query
is never silently given another meaning: `query check`, the web live check and subscribing
show the warning with the suggested query, and the person chooses.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.query.lexer import KEYWORDS, Token, tokenize
from alerts.query.topics import equivalent_terms
from models.text import tokens

# A prefix this short matches words of many meanings (sex* : sexual, sextortion, sexism...).
USEFUL_PREFIX = 5
_TERM_KINDS = frozenset({"WORD", "PHRASE", "RPAREN"})
_NEXT_TERM_KINDS = frozenset({"WORD", "PHRASE", "LPAREN", "FIELD", "TILDE", "MINUS", "NOT"})


@dataclass(frozen=True)
class Pitfall:
    message: str
    suggestion: str  # the whole query, rewritten

    def __str__(self) -> str:
        return f"{self.message}; did you mean: {self.suggestion}"


def _replaced(query: str, token: Token, width: int, new: str) -> str:
    return query[: token.position] + new + query[token.position + width :]


def _lower_operator(query: str, tokens_: list[Token], at: int) -> Pitfall | None:
    """`a or b`: a lower-case operator between two terms is searched as a word."""
    token = tokens_[at]
    word = token.text.upper()
    if token.kind != "WORD" or word not in KEYWORDS or token.text == word or at == 0:
        return None
    if tokens_[at - 1].kind not in _TERM_KINDS or tokens_[at + 1].kind not in _NEXT_TERM_KINDS:
        return None
    return Pitfall(
        f"{token.text!r} is searched as a word (every word is required); operators are "
        f"written in capitals: {word}",
        _replaced(query, token, len(token.text), word),
    )


def _one_word(token: Token) -> bool:
    return token.kind == "PHRASE" and len(tokens(token.text.rstrip("*"))) == 1


def _one_word_phrase(query: str, tokens_: list[Token], at: int) -> Pitfall | None:
    """`"grooming"`: quotes around one word change nothing; `"child" "safety"` is two
    required words anywhere, not the phrase."""
    if not _one_word(tokens_[at]) or (at and _one_word(tokens_[at - 1])):
        return None  # a run of quoted words is reported once, at its first
    run = [tokens_[at]]
    while _one_word(tokens_[at + len(run)]):
        run.append(tokens_[at + len(run)])
    end = run[-1].position + len(run[-1].text) + 2
    if len(run) == 1:
        message = f'"{run[0].text}" is one word: quotes make a phrase only around several words'
        joined = run[0].text.strip()
    else:
        quoted = " ".join(f'"{token.text}"' for token in run)
        joined = '"' + " ".join(token.text.strip() for token in run) + '"'
        message = f"{quoted} are {len(run)} words anywhere in a document; the phrase is {joined}"
    return Pitfall(message, query[: run[0].position] + joined + query[end:])


def _short_prefix(query: str, token: Token) -> Pitfall | None:
    stem = token.text.removesuffix("*")
    if token.kind != "WORD" or not token.text.endswith("*") or len(stem) >= USEFUL_PREFIX:
        return None
    return Pitfall(
        f"{token.text} matches every word starting with {stem!r}, of many meanings: "
        "a longer prefix or the whole word finds what you mean",
        _replaced(query, token, len(token.text), stem),
    )


def _unknown_equivalents(query: str, tokens_: list[Token], at: int) -> Pitfall | None:
    """`~word` the thesaurus does not list: searched alone, which the writer should know."""
    if tokens_[at].kind != "TILDE" or tokens_[at + 1].kind not in ("WORD", "PHRASE"):
        return None
    term = tokens_[at + 1]
    if equivalent_terms(term.text):
        return None
    return Pitfall(
        f"the thesaurus lists no equivalents for {term.text!r}: it is searched alone",
        _replaced(query, tokens_[at], 1, ""),
    )


def pitfalls(query: str) -> list[Pitfall]:
    """The warnings for a query that parses (check `parse` first), in query order."""
    found: list[Pitfall | None] = []
    all_tokens = list(tokenize(query))
    for at, token in enumerate(all_tokens[:-1]):  # the last one is END
        found.append(_lower_operator(query, all_tokens, at))
        found.append(_one_word_phrase(query, all_tokens, at))
        found.append(_short_prefix(query, token))
        found.append(_unknown_equivalents(query, all_tokens, at))
    return [pitfall for pitfall in found if pitfall is not None]
