"""benefit notices as campaigns: campaign kind and payload, per-delivery text

Revision ID: 0800
Revises: 0700
Create Date: 2026-11-25 19:55:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0800'
down_revision: str | Sequence[str] | None = '0700'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns') as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=20), server_default='broadcast', nullable=False)
        )
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
    with op.batch_alter_table('campaign_deliveries') as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
    # The day's claim is now tied to the notice campaign whose delivery carries the message
    # (and its outcome); the claim's own status goes.
    with op.batch_alter_table('benefit_notifications') as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_benefit_notifications_campaign_id_campaigns'),
            'campaigns',
            ['campaign_id'],
            ['id'],
            ondelete='CASCADE',
        )
        batch_op.drop_column('status')


def downgrade() -> None:
    with op.batch_alter_table('benefit_notifications') as batch_op:
        batch_op.add_column(
            sa.Column('status', sa.String(length=20), server_default='sent', nullable=False)
        )
        batch_op.drop_constraint(
            op.f('fk_benefit_notifications_campaign_id_campaigns'), type_='foreignkey'
        )
        batch_op.drop_column('campaign_id')
    with op.batch_alter_table('campaign_deliveries') as batch_op:
        batch_op.drop_column('text')
    with op.batch_alter_table('campaigns') as batch_op:
        batch_op.drop_column('payload')
        batch_op.drop_column('kind')
