"""xray test runs: one row per (report, test), the integer id of an Xray Test Run

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "test_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_test_run_report_id_report"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["test_id"], ["test.id"], name=op.f("fk_test_run_test_id_test"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_run")),
        sa.UniqueConstraint("report_id", "test_id", name=op.f("uq_test_run_report_id_test_id")),
    )
    op.create_index("ix_test_run_test", "test_run", ["test_id"])


def downgrade() -> None:
    op.drop_index("ix_test_run_test", table_name="test_run")
    op.drop_table("test_run")
