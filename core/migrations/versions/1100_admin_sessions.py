"""admin UI sessions kept on the server, so that logout and deactivation end them

Revision ID: 1100
Revises: 1000
Create Date: 2026-12-07 08:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '1100'
down_revision: str | Sequence[str] | None = '1000'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('admin_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_admin_sessions'))
    )
    op.create_index('ix_admin_sessions_subject', 'admin_sessions', ['kind', 'subject_id'])


def downgrade() -> None:
    op.drop_index('ix_admin_sessions_subject', table_name='admin_sessions')
    op.drop_table('admin_sessions')
