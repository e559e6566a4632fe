"""users sessions test plans upload slots

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:40:42.961121
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_admin', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('name', name=op.f('uq_user_account_name'))
    )
    op.create_table('test_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_test_plan_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_plan')),
    sa.UniqueConstraint('key', name=op.f('uq_test_plan_key'))
    )
    op.create_table('upload_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('import_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_upload_slot_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_slot')),
    sa.UniqueConstraint('import_id', name=op.f('uq_upload_slot_import_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_upload_slot_token_hash'))
    )
    op.create_table('web_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_web_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_session_token_hash'))
    )
    op.create_table('test_plan_test',
    sa.Column('test_plan_id', sa.Integer(), nullable=False),
    sa.Column('test_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['test_id'], ['test.id'], name=op.f('fk_test_plan_test_test_id_test'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['test_plan_id'], ['test_plan.id'], name=op.f('fk_test_plan_test_test_plan_id_test_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('test_plan_id', 'test_id', name=op.f('pk_test_plan_test'))
    )
    op.create_table('test_plan_report',
    sa.Column('test_plan_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_test_plan_report_report_id_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['test_plan_id'], ['test_plan.id'], name=op.f('fk_test_plan_report_test_plan_id_test_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('test_plan_id', 'report_id', name=op.f('pk_test_plan_report'))
    )


def downgrade() -> None:
    op.drop_table('test_plan_report')
    op.drop_table('test_plan_test')
    op.drop_table('web_session')
    op.drop_table('upload_slot')
    op.drop_table('test_plan')
    op.drop_table('user_account')
