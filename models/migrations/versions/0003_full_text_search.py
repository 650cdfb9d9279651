"""full-text search: SQLite FTS5 table kept in sync by triggers; PostgreSQL GIN tsvector index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:40:00
"""

from collections.abc import Sequence

from alembic import op

from models.fulltext import INDEXED_COLUMNS_0003, ddl_statements

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run(*, drop: bool) -> None:
    for statement in ddl_statements(
        op.get_bind().dialect.name, drop=drop, columns=INDEXED_COLUMNS_0003
    ):
        op.execute(statement)


def upgrade() -> None:
    _run(drop=False)


def downgrade() -> None:
    _run(drop=True)
