"""Alembic environment: the engine comes from `models.db.upgrade` (or alembic.ini's URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from models import Base
from models.db import normalise_url
from models.fulltext import include_name

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
        include_name=include_name,  # full-text tables and index are not models
    )
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _refuse_broken_references(connection)


def _refuse_broken_references(connection: Connection) -> None:
    """What SQLite's own procedure for altering a table asks: with foreign keys off during
    the change, check them before it is committed (a failure rolls the upgrade back)."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"migration left {len(broken)} broken reference(s), e.g. {table} row {rowid}"
            f" -> {parent}; nothing was changed"
        )


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it and dropping the old one; with foreign keys on,
    that drop deletes (ON DELETE CASCADE) or blocks every row referring to the table: a
    rebuilt `changes` would take every alert with it. The pragma is a no-op inside a
    transaction, so it is set before the migration's transaction and restored after."""
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def run_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        section = config.get_section(config.config_ini_section) or {}
        section["sqlalchemy.url"] = normalise_url(section["sqlalchemy.url"])
        engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            with _sqlite_foreign_keys_off(connection):
                _run(connection)
        else:
            _run(connection)
        connection.commit()


run_online()
