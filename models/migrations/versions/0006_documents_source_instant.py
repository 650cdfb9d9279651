"""documents by source and publication instant: translation pairing's look-up

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_documents_source_instant", "documents", ["source_id", "source_updated_at"])


def downgrade() -> None:
    op.drop_index("ix_documents_source_instant", table_name="documents")
