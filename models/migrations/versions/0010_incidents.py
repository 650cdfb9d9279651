"""incidents: a source's health problem as a record, opened, updated and closed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _delivery(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["deliveries.id"],
        name=op.f(f"fk_incidents_{column}_deliveries"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("last_state", sa.String(length=16), nullable=False),
        sa.Column("last_reason", sa.String(length=500), nullable=False),
        sa.Column("opened_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("mailed_open_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("mailed_close_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("open_delivery_id", sa.Integer(), nullable=True),
        sa.Column("close_delivery_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_incidents_source_id_sources"),
            ondelete="CASCADE",
        ),
        _delivery("open_delivery_id"),
        _delivery("close_delivery_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents") as batch:
        batch.create_index(batch.f("ix_incidents_source_id"), ["source_id"], unique=False)
        batch.create_index(batch.f("ix_incidents_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    op.drop_table("incidents")
