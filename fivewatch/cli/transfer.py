"""`export` and `import`: the whole collection as JSON lines (+ documents.csv), ids kept."""

from __future__ import annotations

from pathlib import Path

import click

from fivewatch.cli.common import console, database_option, load_config, safe_url
from fivewatch.transfer import export_collection, import_collection
from models.db import make_engine


def _summary(verb: str, counts: dict[str, int], where: str) -> None:
    listed = ", ".join(f"{name} {count}" for name, count in counts.items() if count)
    console.print(f"{verb} {sum(counts.values())} rows ({listed or 'none'}) {where}")


@click.command("export")
@click.argument("target", type=click.Path(path_type=Path))
@database_option
def export_command(target: Path, database_url: str | None) -> None:
    """Export every table to TARGET: a folder of .jsonl files and documents.csv, or a .tar.gz."""
    config = load_config(database_url)
    engine = make_engine(config.database_url)
    try:
        counts = export_collection(engine, target)
    finally:
        engine.dispose()
    _summary("exported", counts, f"from {safe_url(config.database_url)} to {target}")


@click.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace what the database holds (default: refuse).")
@database_option
def import_command(source: Path, force: bool, database_url: str | None) -> None:
    """Import an export (folder or .tar.gz) into an empty database at the same schema revision."""
    config = load_config(database_url)
    engine = make_engine(config.database_url)
    try:
        counts = import_collection(engine, source, force=force)
    finally:
        engine.dispose()
    _summary("imported", counts, f"from {source} into {safe_url(config.database_url)}")
