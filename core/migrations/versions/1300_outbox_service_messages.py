"""the delivery table becomes the outbox: service messages on any channel

Revision ID: 1300
Revises: 1200
Create Date: 2026-12-08 01:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '1300'
down_revision: str | Sequence[str] | None = '1200'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaign_deliveries') as batch_op:
        batch_op.add_column(
            sa.Column('channel', sa.String(length=16), server_default='telegram', nullable=False)
        )
        batch_op.add_column(sa.Column('address', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('topic', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('header_key', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column('campaign_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('subscriber_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    # Service messages have no campaign: they cannot live in the older table.
    op.execute(
        "DELETE FROM campaign_deliveries"
        " WHERE campaign_id IS NULL OR subscriber_id IS NULL OR chat_id IS NULL"
    )
    with op.batch_alter_table('campaign_deliveries') as batch_op:
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('subscriber_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('campaign_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('created_at')
        batch_op.drop_column('header_key')
        batch_op.drop_column('topic')
        batch_op.drop_column('address')
        batch_op.drop_column('channel')
