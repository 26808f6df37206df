"""a registration keeps what its registrant said about the company and contact

Revision ID: 1000
Revises: 0900
Create Date: 2026-12-07 07:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '1000'
down_revision: str | Sequence[str] | None = '0900'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('submitted', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('submitted')
