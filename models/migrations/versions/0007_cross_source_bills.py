"""one bill from several sources: documents.bill_key, bill_events.source

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.records import BILLS_BY_TITLE, bill_key

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("bill_key", sa.String(length=300), nullable=False, server_default="")
        )
        batch.create_index("ix_documents_bill_key", ["bill_key"])
    with op.batch_alter_table("bill_events") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=64), nullable=False, server_default="")
        )
    # Stored events were all stated by their document's source.
    op.execute(
        "UPDATE bill_events SET source = (SELECT sources.slug FROM documents JOIN sources"
        " ON sources.id = documents.source_id WHERE documents.id = bill_events.document_id)"
    )
    _backfill_bill_keys()


def _backfill_bill_keys() -> None:
    """Stored bills get their key now: the Hansard's watermark never shows them again."""
    bind = op.get_bind()
    documents = sa.table(
        "documents",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("jurisdiction", sa.String),
        sa.column("title", sa.Text),
        sa.column("bill_key", sa.String),
    )
    rows = bind.execute(
        sa.select(documents.c.id, documents.c.jurisdiction, documents.c.title).where(
            documents.c.kind == "bill", documents.c.jurisdiction.in_(sorted(BILLS_BY_TITLE))
        )
    ).all()
    for row in rows:
        key = bill_key(row.jurisdiction, "bill", row.title)
        if key:
            bind.execute(documents.update().where(documents.c.id == row.id).values(bill_key=key))


def downgrade() -> None:
    with op.batch_alter_table("bill_events") as batch:
        batch.drop_column("source")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_bill_key")
        batch.drop_column("bill_key")
