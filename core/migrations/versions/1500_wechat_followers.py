"""WeChat followers; subscribers on more than one channel

Revision ID: 1500
Revises: 1400
Create Date: 2026-12-08 01:10:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '1500'
down_revision: str | Sequence[str] | None = '1400'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'wechat_followers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('following', sa.Boolean(), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('first_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_followers')),
        sa.UniqueConstraint('openid', name=op.f('uq_wechat_followers_openid')),
    )
    with op.batch_alter_table('subscribers') as batch_op:
        batch_op.add_column(
            sa.Column('channel', sa.String(length=16), server_default='telegram', nullable=False)
        )
        batch_op.drop_constraint('uq_subscribers_chat_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_subscribers_channel'), ['channel', 'chat_id']
        )


def downgrade() -> None:
    op.execute("DELETE FROM subscribers WHERE channel <> 'telegram'")
    with op.batch_alter_table('subscribers') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_subscribers_channel'), type_='unique')
        batch_op.create_unique_constraint('uq_subscribers_chat_id', ['chat_id'])
        batch_op.drop_column('channel')
    op.drop_table('wechat_followers')
