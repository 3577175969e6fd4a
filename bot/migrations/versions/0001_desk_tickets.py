"""The desk: tickets, relayed messages and group posts.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation", sa.String(200), nullable=False, index=True),
        sa.Column("open_conversation", sa.String(200), unique=True),
        sa.Column("center", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(64)),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("consultant", sa.String(200)),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("announced_at", sa.DateTime, nullable=False),
        sa.Column("taken_at", sa.DateTime),
        sa.Column("first_reply_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("telegram_thread", sa.Integer),
    )
    op.create_table(
        "desk_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "ticket_id", sa.Integer, sa.ForeignKey("desk_tickets.id"), nullable=False, index=True
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(200)),
        sa.Column("delivered", sa.Boolean, nullable=False),
    )
    op.create_table(
        "desk_posts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "ticket_id", sa.Integer, sa.ForeignKey("desk_tickets.id"), nullable=False, index=True
        ),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat", sa.String(128), nullable=False),
        sa.Column("message", sa.String(128), nullable=False),
        sa.UniqueConstraint("platform", "chat", "message", name="uq_desk_posts_message"),
    )


def downgrade() -> None:
    op.drop_table("desk_posts")
    op.drop_table("desk_messages")
    op.drop_table("desk_tickets")
