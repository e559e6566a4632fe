"""leaner result indexes: drop the one 0004's (history_hash, report_id) makes redundant; partial test index

Each secondary index on `result` is maintained for every row of a bulk import (100k rows per large
report), so an index must earn its keep: history lookups use (history_hash, report_id), and only
results linked to a Test need the (test_id, report_id) index.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PARTIAL = sa.text("test_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_result_history_hash", table_name="result")
    op.drop_index("ix_result_test_report", table_name="result")
    op.create_index(
        "ix_result_test_report", "result", ["test_id", "report_id"], sqlite_where=_PARTIAL, postgresql_where=_PARTIAL
    )


def downgrade() -> None:
    op.drop_index("ix_result_test_report", table_name="result")
    op.create_index("ix_result_test_report", "result", ["test_id", "report_id"])
    op.create_index("ix_result_history_hash", "result", ["history_hash"])
