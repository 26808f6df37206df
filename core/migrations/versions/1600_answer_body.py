"""answer logs keep the answer without its citation line, for the web chat's history

Revision ID: 1600
Revises: 1500
Create Date: 2026-12-08 01:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '1600'
down_revision: str | Sequence[str] | None = '1500'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('answer_logs') as batch_op:
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('answer_logs') as batch_op:
        batch_op.drop_column('body')
