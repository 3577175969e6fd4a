"""Durable intake: webhook events kept before the platform gets its 200.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(128), nullable=False),
        sa.Column("conversation", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("lease_until", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done_at", sa.DateTime),
        sa.UniqueConstraint("channel", "event_key", name="uq_intake_events_key"),
    )
    op.create_index("ix_intake_events_open", "intake_events", ["channel", "done_at", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_intake_events_open", "intake_events")
    op.drop_table("intake_events")
