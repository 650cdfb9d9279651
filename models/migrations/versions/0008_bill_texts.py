"""bill text versions: bill_texts, documents.latest_text, changes.text_id, subscriptions.text_terms

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bill_texts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("document_id", "code", "text_hash"),
    )
    op.create_index("ix_bill_texts_document_id", "bill_texts", ["document_id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("latest_text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("text_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_changes_text_id", "bill_texts", ["text_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("text_terms", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("text_terms")
    with op.batch_alter_table("changes") as batch:
        batch.drop_constraint("fk_changes_text_id", type_="foreignkey")
        batch.drop_column("text_id")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("latest_text")
    op.drop_index("ix_bill_texts_document_id", table_name="bill_texts")
    op.drop_table("bill_texts")
