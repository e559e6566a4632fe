"""web ui indexes: history strips and labels, tests by key, the imports page

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A test's results in a profile's last reports (history strip, history labels of a tree page):
    # WHERE history_hash IN (...) AND report_id IN (...), without reading the hash's whole past.
    op.create_index("ix_result_history_report", "result", ["history_hash", "report_id"])
    # A Test's runs (/tests/DEMO-6): WHERE test_id = ?.
    op.create_index("ix_result_test_report", "result", ["test_id", "report_id"])
    # The imports page across all profiles: ORDER BY created_at DESC LIMIT 50.
    op.create_index("ix_import_job_created", "import_job", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_import_job_created", table_name="import_job")
    op.drop_index("ix_result_test_report", table_name="result")
    op.drop_index("ix_result_history_report", table_name="result")
