"""tried answers: "did you try it?" under a week's follow-up

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.dbtypes


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tried_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tried', sa.Boolean(), nullable=False),
    sa.Column('created_at', domain.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id', 'tip_id', name='uq_tried_answer_chat_tip')
    )
    with op.batch_alter_table('tried_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tried_answer_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tried_answer_tip_id'), ['tip_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tried_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tried_answer_tip_id'))
        batch_op.drop_index(batch_op.f('ix_tried_answer_chat_id'))

    op.drop_table('tried_answer')
