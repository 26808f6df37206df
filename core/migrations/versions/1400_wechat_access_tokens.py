"""the WeChat access token, one row per official account, shared by every process

Revision ID: 1400
Revises: 1300
Create Date: 2026-12-14 09:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '1400'
down_revision: str | Sequence[str] | None = '1300'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'wechat_access_tokens',
        sa.Column('app_id', sa.String(length=64), nullable=False),
        sa.Column('token', sa.String(length=600), nullable=False),
        sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('app_id', name=op.f('pk_wechat_access_tokens')),
    )


def downgrade() -> None:
    op.drop_table('wechat_access_tokens')
