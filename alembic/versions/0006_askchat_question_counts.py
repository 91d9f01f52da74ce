"""askchat: questions counted per day, topic, language and outcome; opt-in unanswered texts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.dbtypes


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ask_count',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'topic', 'language', 'kind')
    )
    op.create_table('unanswered_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asked_at', domain.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unanswered_question', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_unanswered_question_asked_at'), ['asked_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('unanswered_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unanswered_question_asked_at'))

    op.drop_table('unanswered_question')
    op.drop_table('ask_count')
