"""first replies to requests sent with an Idempotency-Key, kept for a day

Revision ID: 1200
Revises: 1100
Create Date: 2026-12-07 08:20:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '1200'
down_revision: str | Sequence[str] | None = '1100'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'request_replays',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('reply', sa.JSON(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_request_replays')),
        sa.UniqueConstraint('scope', 'key', name='uq_request_replays_scope_key'),
    )
    with op.batch_alter_table('request_replays') as batch_op:
        batch_op.create_index(
            batch_op.f('ix_request_replays_created_at'), ['created_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('request_replays') as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_replays_created_at'))
    op.drop_table('request_replays')
