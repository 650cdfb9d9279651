"""bill fidelity: outcome and dates, every title, the other language's summary and stage

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.fulltext import INDEXED_COLUMNS_0003, INDEXED_COLUMNS_0004, reindex_statements

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOCUMENT_COLUMNS = (
    ("summary_alt", sa.Text(), "''"),
    ("outcome", sa.String(length=16), "''"),
    ("outcome_on", sa.Date(), None),
    ("stage_on", sa.Date(), None),
    ("titles", sa.JSON(), "'[]'"),
    ("other_titles", sa.Text(), "''"),
)


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for name, kind, default in _DOCUMENT_COLUMNS:
            nullable = default is None
            server_default = sa.text(default) if default else None
            batch.add_column(
                sa.Column(name, kind, nullable=nullable, server_default=server_default)
            )
    with op.batch_alter_table("bill_events") as batch:
        batch.add_column(
            sa.Column("stage_alt", sa.String(length=200), nullable=False, server_default="")
        )
    for statement in reindex_statements(op.get_bind().dialect.name, INDEXED_COLUMNS_0004):
        op.execute(statement)


def downgrade() -> None:
    for statement in reindex_statements(op.get_bind().dialect.name, INDEXED_COLUMNS_0003):
        op.execute(statement)
    with op.batch_alter_table("bill_events") as batch:
        batch.drop_column("stage_alt")
    with op.batch_alter_table("documents") as batch:
        for name, _, _ in reversed(_DOCUMENT_COLUMNS):
            batch.drop_column(name)
