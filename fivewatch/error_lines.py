"""Turn FiveWatch's own errors into one clear line and an exit code (CLI) instead of a traceback."""

from __future__ import annotations

import click


class FiveWatchError(click.ClickException):
    """An expected failure the user can act on; click prints it as `Error: …` and exits 1."""


class NotFound(FiveWatchError):
    exit_code = 3
