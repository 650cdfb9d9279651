"""The one error a query can raise, pointing at where it went wrong."""

from __future__ import annotations

from models.inputs import bad_character


class QuerySyntaxError(ValueError):
    """`message` says what was expected; `position` is the 0-based column in the query."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        super().__init__(f"{message} (at column {position + 1})")
        self.message = message
        self.position = position
        self.query = query

    def pretty(self) -> str:
        """The query, a caret under the position, and the message. Control characters are
        shown one for one (a line break as a space, others as U+FFFD), so the caret stays
        under its column and nothing reaches a terminal as an escape sequence."""
        shown = "".join(map(_visible, self.query))
        return f"  {shown}\n  {' ' * self.position}^\n{self.message}"


def _visible(char: str) -> str:
    if char.isspace():
        return " "
    return "\N{REPLACEMENT CHARACTER}" if bad_character(char) is not None else char
