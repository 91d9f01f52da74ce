"""onboard: the onboarding step a chat is on, so /resume never subscribes a chat half set up

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('chat', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('setup_step', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    # Chats still in the walk-through start it again from its first step; the rest are set up.
    op.execute("UPDATE chat SET setup_step = 'topics' WHERE status = 'onboarding'")


def downgrade() -> None:
    with op.batch_alter_table('chat', schema=None) as batch_op:
        batch_op.drop_column('setup_step')
