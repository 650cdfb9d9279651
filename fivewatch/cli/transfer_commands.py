"""`export` and `import`: the whole collection as JSON lines (+ documents.csv), ids kept."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from fivewatch.cli.common import console, database_engine, database_option, load_config, safe_url
from fivewatch.cli.transfer_progress import summary, table_progress
from fivewatch.transfer import (
    MAX_ARCHIVE_BYTES,
    MAX_ARCHIVE_MEMBERS,
    ArchiveLimits,
    ImportReport,
    export_collection,
    import_collection,
)

UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
SIZE = re.compile(r"(\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)


class ByteSize(click.ParamType[int]):
    """A size in bytes, or with a binary unit: 500M, 2G, 2GiB."""

    name = "size"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        if isinstance(value, int):
            return value
        found = SIZE.fullmatch(str(value).strip())
        if found is None or int(found[1]) == 0:
            self.fail(f"{value!r}: expected a size such as 500M or 2G", param, ctx)
        return int(found[1]) * UNITS[found[2].upper()]


def _took(began: float) -> str:
    return f"in {time.perf_counter() - began:.1f} s"


@click.command("export")
@click.argument("target", type=click.Path(path_type=Path))
@database_option
def export_command(target: Path, database_url: str | None) -> None:
    """Export every table to TARGET: a folder of .jsonl files and documents.csv, or a .tar.gz."""
    config = load_config(database_url)
    engine = database_engine(config)
    began = time.perf_counter()
    try:
        with table_progress(console) as progress:
            counts = export_collection(engine, target, warn=_warn, progress=progress)
    finally:
        engine.dispose()
    done = f"Exported {sum(counts.values())} rows from {safe_url(config.database_url)} to {target}"
    console.print(summary(counts, f"{done} {_took(began)}"))


def _warn(line: str) -> None:
    """A stored row that import will skip (its text is the database's, so no console markup),
    printed through the console so the live progress stays below it."""
    console.print(
        f"warning: {line}: import will skip it and the rows that refer to it",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@click.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace what the database holds (default: refuse).")
@click.option(
    "--max-size",
    type=ByteSize(),
    default=MAX_ARCHIVE_BYTES,
    show_default="2G",
    help="Refuse a .tar.gz that unpacks to more (bytes, or 500M, 2G...).",
)
@click.option(
    "--max-files",
    type=click.IntRange(min=1),
    default=MAX_ARCHIVE_MEMBERS,
    show_default=True,
    help="Refuse a .tar.gz holding more files and folders.",
)
@database_option
def import_command(
    source: Path, force: bool, max_size: int, max_files: int, database_url: str | None
) -> None:
    """Import an export (folder or .tar.gz) into an empty database at the same schema revision.

    A row no database should hold (a subscriber whose address sign-up refuses, text with a NUL
    or a lone surrogate) is skipped with the rows that refer to it; each is named on stderr by
    file and line, and the rest is imported: the exit status is then still 0. An export that
    cannot be read imports nothing and exits 1.
    """
    config = load_config(database_url)
    engine = database_engine(config)
    began = time.perf_counter()
    try:
        limits = ArchiveLimits(max_bytes=max_size, max_members=max_files)
        with table_progress(console) as progress:
            report = import_collection(
                engine, source, force=force, limits=limits, progress=progress
            )
    finally:
        engine.dispose()
    _report_problems(report)
    stored, skipped = report.stored(), report.skipped()
    done = (
        f"Imported {sum(stored.values())} rows from {source} into {safe_url(config.database_url)}"
    )
    if skipped:
        done += f", skipped {skipped.total()} (listed above)"
    console.print(summary(stored, f"{done} {_took(began)}", skipped=skipped or None))


def _report_problems(report: ImportReport) -> None:
    for problem in report.problems:
        click.echo(str(problem), err=True)  # the export's text: no console markup
