"""documents remember where they came from: the knowledge pack or an officer's upload

Revision ID: 0900
Revises: 0800
Create Date: 2026-12-07 05:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0900'
down_revision: str | Sequence[str] | None = '0800'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('documents') as batch_op:
        batch_op.add_column(
            sa.Column('origin', sa.String(length=20), server_default='upload', nullable=False)
        )
    # Before this release only the bundled pack's plan came in through `init`.
    op.execute(
        "UPDATE documents SET origin = 'pack' WHERE slug = 'jiaozuo-ip-pilot-city-plan-2014'"
    )


def downgrade() -> None:
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_column('origin')
