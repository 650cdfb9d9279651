"""delivery copies: a chat or webhook delivery of alerts that an email delivery also carries

An alert points at one delivery (alerts.delivery_id). A subscription that notifies a channel
*and* emails gets its alerts on the email delivery; the channel delivery names that delivery
in `copy_of_id` and sends the alerts of its own channel's subscriptions from it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("copy_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_deliveries_copy_of_id_deliveries"),
            "deliveries",
            ["copy_of_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(batch.f("fk_deliveries_copy_of_id_deliveries"), type_="foreignkey")
        batch.drop_column("copy_of_id")
