"""campaign request key (one campaign per submitted draft)

Revision ID: 0700
Revises: 0400
Create Date: 2026-11-25 19:55:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0700'
down_revision: str | Sequence[str] | None = '0400'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_campaigns_request_key', ['request_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_campaigns_request_key')
        batch_op.drop_column('request_key')
