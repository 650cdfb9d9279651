"""search bill text: the full-text index covers documents.latest_text

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

from alembic import op

from models.fulltext import INDEXED_COLUMNS_0004, reindex_statements

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a later migration that indexes more columns must not change what this one did.
_COLUMNS = (*INDEXED_COLUMNS_0004, "latest_text")


def upgrade() -> None:
    for statement in reindex_statements(op.get_bind().dialect.name, _COLUMNS):
        op.execute(statement)


def downgrade() -> None:
    for statement in reindex_statements(op.get_bind().dialect.name, INDEXED_COLUMNS_0004):
        op.execute(statement)
