"""Operational failures as one line and a hint, not a traceback (issue #15, item 13).

What fails outside our code (the database, a file, the disk) is named with what to do about it;
`fivewatch -v` shows the traceback instead. A bug (any other exception) keeps its traceback.
"""

from __future__ import annotations

import errno
import zlib
from collections.abc import Callable

from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from fivewatch.error_lines import FiveWatchError

URL_HINT = (
    "give --database-url (or FIVEWATCH_DATABASE_URL) as sqlite:///PATH or "
    "postgresql://USER@HOST/NAME"
)
UPGRADE_HINT = "run `fivewatch db upgrade` (with the same --database-url) to bring them to date"
VERBOSE_HINT = "run with -v for the traceback"
OS_HINTS = {
    errno.EROFS: "the file system is mounted read-only: choose a writable place",
    errno.EACCES: "check the owner and mode of the file and of its folder",
    errno.EPERM: "check the owner and mode of the file and of its folder",
    errno.ENOSPC: "free some disk space (or choose another disk) and run it again",
    errno.ENOENT: "check the path",
}
# SQLSTATEs (PostgreSQL) and SQLite messages that mean the same thing.
UNDEFINED_TABLE = "42P01"
UNDEFINED_COLUMN = "42703"
READ_ONLY_TRANSACTION = "25006"
SQLITE_NO_TABLE = "no such table"
SQLITE_NO_COLUMN = "no such column"
SQLITE_READ_ONLY = "readonly database"
SQLITE_CANNOT_OPEN = "unable to open database file"


class OperationalFailure(FiveWatchError):
    """One line saying what failed, and one saying what to do (click prints `Error: …`)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(one_line(message))
        self.hint = hint

    def format_message(self) -> str:
        return f"{self.message}\nHint: {self.hint}" if self.hint else self.message


def one_line(text: str) -> str:
    """The first non-blank line of `text`, printable: driver messages run to several lines."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return "".join(char if char.isprintable() else " " for char in first)


def explain(error: BaseException) -> OperationalFailure | None:
    """The failure `error` stands for, or None for a bug (which keeps its traceback)."""
    for kind, explainer in EXPLAINERS:
        if isinstance(error, kind):
            return explainer(error)
    return None


def _bad_url(error: BaseException) -> OperationalFailure:
    return OperationalFailure(f"bad database URL: {error}", URL_HINT)


def _database(error: BaseException) -> OperationalFailure:
    assert isinstance(error, DBAPIError)
    cause = one_line(str(error.orig))
    state = getattr(error.orig, "sqlstate", None)
    if state in (UNDEFINED_TABLE, UNDEFINED_COLUMN) or _sqlite_schema_gap(cause):
        return OperationalFailure(
            f"the database has no FiveWatch tables, or older ones ({cause})", UPGRADE_HINT
        )
    if read_only(error):
        return OperationalFailure(
            f"the database is read-only and this command writes to it ({cause})",
            "use a writable database; search, history, sources and query work read-only",
        )
    if SQLITE_CANNOT_OPEN in cause:
        return OperationalFailure(
            f"cannot open the SQLite database ({cause})",
            "check that the file exists and that you may read it and write its folder",
        )
    if _unreachable(error, state):
        return OperationalFailure(
            f"cannot reach the database: {cause}",
            "check the host, port, user and password of the URL and that the server runs",
        )
    return OperationalFailure(f"the database refused: {cause}", VERBOSE_HINT)


def _sqlite_schema_gap(cause: str) -> bool:
    return SQLITE_NO_TABLE in cause or SQLITE_NO_COLUMN in cause


def read_only(error: DBAPIError) -> bool:
    """The database refused a write because it is read-only (file, mount or transaction)."""
    state = getattr(error.orig, "sqlstate", None)
    return state == READ_ONLY_TRANSACTION or SQLITE_READ_ONLY in str(error.orig)


def _unreachable(error: DBAPIError, state: str | None) -> bool:
    """A server's driver failing with no SQLSTATE: it never got to run a statement."""
    server = not hasattr(error.orig, "sqlite_errorcode")  # SQLite's errors have no SQLSTATE
    return isinstance(error, OperationalError) and server and not state


def _os(error: BaseException) -> OperationalFailure:
    assert isinstance(error, OSError)
    where = f": {error.filename}" if error.filename else ""
    return OperationalFailure(
        f"{error.strerror or error}{where}", OS_HINTS.get(error.errno or 0, VERBOSE_HINT)
    )


def _archive(error: BaseException) -> OperationalFailure:
    return OperationalFailure(f"a damaged compressed file: {error}", "check the file or its copy")


EXPLAINERS: tuple[
    tuple[type[BaseException], Callable[[BaseException], OperationalFailure]], ...
] = (
    (ArgumentError, _bad_url),  # NoSuchModuleError too: an unknown driver
    (DBAPIError, _database),
    (OSError, _os),
    (zlib.error, _archive),
)
