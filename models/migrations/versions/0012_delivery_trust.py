"""delivery trust: provider events, suppression reasons, digest hour and weekday, channels

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("occurred_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("received_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_events")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_delivery_events_provider_event_id")
        ),
    )
    with op.batch_alter_table("delivery_events") as batch:
        batch.create_index(batch.f("ix_delivery_events_email"), ["email"], unique=False)
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(
            sa.Column("suppressed_reason", sa.Text(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("digest_hour", sa.Integer(), nullable=False, server_default="7"))
        batch.add_column(
            sa.Column("digest_weekday", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("by_email", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("channel")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("by_email")
        batch.drop_column("channel")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("digest_weekday")
        batch.drop_column("digest_hour")
        batch.drop_column("suppressed_reason")
    op.drop_table("delivery_events")
