"""`fivewatch db upgrade`: bring the schema to the newest migration."""

from __future__ import annotations

import click

from fivewatch.cli.common import console, database_option, load_config, safe_url
from models.db import make_engine, upgrade


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@database_option
def upgrade_command(database_url: str | None) -> None:
    """Apply every Alembic migration up to head."""
    config = load_config(database_url)
    upgrade(make_engine(config.database_url))
    console.print(f"[green]Database at head[/green]: {safe_url(config.database_url)}")
