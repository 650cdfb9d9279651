"""`alembic upgrade head` on an empty database gives exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from models import Alert, Base, Change, Document, Subscriber, Subscription
from models.db import alembic_config, make_engine, upgrade
from models.fulltext import include_name
from models.store import ensure_source


def test_upgrade_head_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_every_model_table_exists(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_a_sqlite_upgrade_that_rebuilds_tables_keeps_every_row(tmp_path: Path) -> None:
    """SQLite alters a table by copying it and dropping the old one: with foreign keys on,
    that drop cascaded (0008's rebuilt `changes` deleted every alert) or was refused (0011's
    `sources`: "database table is locked"). Migrations run with them off, checked after."""
    engine = make_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    upgrade(engine)
    with Session(engine) as session:
        _one_alert(session)
        session.commit()
    command.downgrade(alembic_config(engine), "0007")
    before = _row_counts(engine)
    upgrade(engine)
    assert _row_counts(engine) == before
    assert before["alerts"] == 1
    with engine.connect() as conn:  # and foreign keys are enforced again afterwards
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def _one_alert(session: Session) -> None:
    source = ensure_source(session, slug="uk-bills", jurisdiction="uk", kind="bills")
    document = Document(
        source=source, external_id="1", kind="bill", jurisdiction="uk", title="Online Safety Bill"
    )
    change = Change(key="doc:1", kind="new_document", document=document)
    subscriber = Subscriber(email="policy@example.org")
    subscription = Subscription(subscriber=subscriber, query="online safety")
    session.add(Alert(subscription=subscription, change=change, reason="new bill"))


def _row_counts(engine: Engine) -> dict[str, int]:
    tables = ("sources", "documents", "changes", "subscribers", "subscriptions", "alerts")
    with engine.connect() as conn:
        return {table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0
                for table in tables}  # fmt: skip
