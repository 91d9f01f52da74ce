"""child prompt state: a deep-link subscriber is asked about a child, and once more at most

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 01:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing chats were never asked this way: "none" (a server default fills their rows).
    with op.batch_alter_table('chat', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'child_prompt',
                sqlmodel.sql.sqltypes.AutoString(length=8),
                server_default='none',
                nullable=False,
            )
        )
        batch_op.create_index(batch_op.f('ix_chat_child_prompt'), ['child_prompt'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_child_prompt'))
        batch_op.drop_column('child_prompt')
