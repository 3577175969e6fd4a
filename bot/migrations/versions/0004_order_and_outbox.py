"""A resident's events found fast (order across instances, the per-resident rate), and
the outbox of replies not delivered yet.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_intake_events_resident", "intake_events", ["channel", "conversation", "received_at"]
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("conversation", sa.String(200), nullable=False),
        sa.Column("parts", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_at", sa.DateTime, nullable=False),
        sa.Column("trying_until", sa.DateTime),
        sa.Column("delivered_at", sa.DateTime),
        sa.Column("given_up_at", sa.DateTime),
    )
    op.create_index("ix_outbox_due", "outbox", ["channel", "delivered_at", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due", "outbox")
    op.drop_table("outbox")
    op.drop_index("ix_intake_events_resident", "intake_events")
