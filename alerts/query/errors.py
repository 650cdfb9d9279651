"""The one error a query can raise, pointing at where it went wrong."""

from __future__ import annotations


class QuerySyntaxError(ValueError):
    """`message` says what was expected; `position` is the 0-based column in the query."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        super().__init__(f"{message} (at column {position + 1})")
        self.message = message
        self.position = position
        self.query = query

    def pretty(self) -> str:
        """The query, a caret under the position, and the message."""
        return f"  {self.query}\n  {' ' * self.position}^\n{self.message}"
