"""SQLAlchemy Core tables: one schema for SQLite and PostgreSQL.

Ids of reports, containers, results, steps, assets and import jobs are uuid strings made by Assay,
so a whole report can be bulk-inserted without a round trip per row. Index names say which query
they serve.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UUID = String(36)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes, stored as UTC on both databases.

    SQLite keeps no zone: without this, 10:00+01:00 would be stored as 10:00 and read back as
    10:00 UTC. Values are converted to UTC going in and come back aware (UTC) on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


TS = UTCDateTime()


def _counts() -> list[Column]:
    return [
        Column(f"count_{name}", Integer, nullable=False, default=0, server_default="0")
        for name in ("total", "passed", "failed", "broken", "skipped", "unknown")
    ]


project = Table(
    "project",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(32), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    # The last number issued for keys DEMO-1, DEMO-2...: reports, tests and test plans share it.
    Column("key_counter", Integer, nullable=False, default=0, server_default="0"),
    Column("created_at", TS, nullable=False),
)

profile = Table(
    "profile",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("project_id", "name"),
)

report = Table(
    "report",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("project_id", Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
    Column("profile_id", Integer, ForeignKey("profile.id", ondelete="CASCADE"), nullable=False),
    Column("import_id", UUID),
    Column("import_status", SmallInteger, nullable=False, default=0, server_default="0"),
    Column("date", TS, nullable=False),
    Column("origin", String(64)),
    Column("title", String(512)),
    Column("description", Text),
    Column("build", String(255)),
    Column("os", String(255)),
    Column("platform", String(255)),
    Column("tags", JSON, nullable=False, default=list),
    Column("properties", JSON, nullable=False, default=dict),
    Column("started_at", TS),
    Column("finished_at", TS),
    Column("duration", BigInteger),
    *_counts(),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_report_profile_date", "profile_id", "date"),
)

container = Table(
    "container",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("report_id", UUID, ForeignKey("report.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", UUID, ForeignKey("container.id", ondelete="CASCADE")),
    Column("title", Text, nullable=False),
    Column("classification", String(64)),
    Column("position", Integer, nullable=False, default=0),
    Column("status", SmallInteger),
    Column("history_hash", UUID),
    Column("description", Text),
    Column("duration", BigInteger),
    Column("properties", JSON),
    Column("tags", JSON),
    *_counts(),
    Index("ix_container_report_parent", "report_id", "parent_id", "position"),
)

# result, step and asset rows are bulk-loaded by one writer inside the report's own transaction, with
# ids it made itself: they carry no foreign keys, because PostgreSQL's per-row RI checks cost more than
# the COPY itself (10 MB JUnit import: 2.5 s with them, 1.8 s without). Integrity holds by construction;
# deleting a report deletes its rows in the service that does it.
result = Table(
    "result",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("report_id", UUID, nullable=False),
    Column("container_id", UUID),
    Column("title", Text, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("duration", BigInteger),
    Column("description", Text),
    Column("exception_name", Text),
    Column("exception_description", Text),
    Column("exception_backtrace", Text),
    Column("json_data", Text),  # Result.extras() as JSON text: classname, properties, stdout, flaky...
    Column("position", Integer, nullable=False, default=0),
    Column("history_hash", UUID),
    Column("test_id", Integer),
    Index("ix_result_report_container", "report_id", "container_id", "position"),
    Index("ix_result_history_report", "history_hash", "report_id"),  # history strips and labels (0004)
    # A Test's runs. Partial: most results link no Test, and every index costs on a 100k-row import (0005).
    Index(
        "ix_result_test_report",
        "test_id",
        "report_id",
        sqlite_where=text("test_id IS NOT NULL"),
        postgresql_where=text("test_id IS NOT NULL"),
    ),
)

step = Table(
    "step",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("report_id", UUID, nullable=False),
    Column("result_id", UUID, nullable=False),
    Column("parent_id", UUID),  # the enclosing step for nested keywords (Robot)
    Column("position", Integer, nullable=False),
    Column("keyword", String(255)),
    Column("title", Text, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("duration", BigInteger),
    Column("error", Text),
    Column("data", Text),
    Index("ix_step_result", "result_id", "position"),
)

asset = Table(
    "asset",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("report_id", UUID, ForeignKey("report.id", ondelete="CASCADE"), nullable=False),
    Column("owner_type", String(16), nullable=False),  # report | container | result | step
    Column("owner_id", UUID, nullable=False),
    Column("name", String(1024), nullable=False),
    Column("tag", String(255)),
    Column("mime_type", String(255)),
    Column("size", BigInteger),
    Column("sha256", String(64)),
    # A blob under the data directory (by sha256), or the original path/URL when no bytes came.
    Column("location", Text),
    Column("created_at", TS, nullable=False),
    Index("ix_asset_owner", "owner_id"),
    Index("ix_asset_report", "report_id"),
)

test = Table(
    "test",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False, unique=True),
    Column("history_hash", UUID),
    Column("title", Text, nullable=False),
    Column("path", Text),
    Column("type", String(32), nullable=False, default="Generic"),
    Column("definition", JSON),
    Column("labels", JSON),
    Column("first_seen", TS),
    Column("last_seen", TS),
    UniqueConstraint("project_id", "history_hash"),
)

import_job = Table(
    "import_job",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("project_id", Integer, ForeignKey("project.id", ondelete="CASCADE")),
    Column("profile_id", Integer, ForeignKey("profile.id", ondelete="CASCADE")),
    Column("api", String(32), nullable=False, default="calliope"),
    Column("requested_format", String(64)),
    Column("detected_format", String(64)),
    Column("options", JSON, nullable=False, default=dict),
    Column("files", JSON, nullable=False, default=list),
    Column("status", String(16), nullable=False),  # queued | running | success | failed
    Column("stage", String(32)),
    Column("log", JSON, nullable=False, default=list),
    Column("error_code", String(64)),
    Column("error", JSON),
    Column("report_id", UUID),
    Column("created_at", TS, nullable=False),
    Column("started_at", TS),
    Column("finished_at", TS),
    Index("ix_import_job_profile_created", "profile_id", "created_at"),
    Index("ix_import_job_created", "created_at"),  # the imports page (0004)
)

api_key = Table(
    "api_key",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("hash", String(64), nullable=False),
    Column("name", String(255)),
    Column("project_id", Integer, ForeignKey("project.id", ondelete="CASCADE")),  # None: every project
    Column("created_at", TS, nullable=False),
    Column("last_used_at", TS),
    Column("revoked_at", TS),
)


# --- web UI (issue: the web UI) ---------------------------------------------------------------------
user = Table(
    "user_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),  # argon2
    Column("is_admin", Boolean, nullable=False, default=False, server_default="0"),
    Column("created_at", TS, nullable=False),
    Column("last_login_at", TS),
)

# Server-side sessions, so any API server behind a load balancer can read them.
web_session = Table(
    "web_session",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the cookie value
    Column("user_id", Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)

# --- Xray-compatible API: test plans --------------------------------------------------------------------
test_plan = Table(
    "test_plan",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False, unique=True),
    Column("summary", Text),
    Column("created_at", TS, nullable=False),
)

test_plan_report = Table(
    "test_plan_report",
    metadata,
    Column("test_plan_id", Integer, ForeignKey("test_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("report_id", UUID, ForeignKey("report.id", ondelete="CASCADE"), primary_key=True),
)

test_plan_test = Table(
    "test_plan_test",
    metadata,
    Column("test_plan_id", Integer, ForeignKey("test_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("test_id", Integer, ForeignKey("test.id", ondelete="CASCADE"), primary_key=True),
)

# An Xray Test Run: one Test in one report (Test Execution). Its results are the report's results with
# that test_id (a test that ran twice has two); the row gives the run the integer id Xray clients
# read back and send again (GET api/testrun -> POST api/testrun/{id}/attachment). Migration 0003.
test_run = Table(
    "test_run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", UUID, ForeignKey("report.id", ondelete="CASCADE"), nullable=False),
    Column("test_id", Integer, ForeignKey("test.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("report_id", "test_id"),
    Index("ix_test_run_test", "test_id"),
)

# --- QMetry-compatible API: single-use upload URLs ------------------------------------------------------
upload_slot = Table(
    "upload_slot",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the URL's secret
    Column("import_id", UUID, nullable=False, unique=True),  # = the trackingId
    Column("project_id", Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
    Column("format", String(64), nullable=False),
    Column("params", JSON, nullable=False, default=dict),  # the step-1 request, validated
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("used_at", TS),
)

__all__ = [
    "api_key",
    "asset",
    "container",
    "import_job",
    "metadata",
    "profile",
    "project",
    "report",
    "result",
    "step",
    "test",
    "test_plan",
    "test_plan_report",
    "test_plan_test",
    "test_run",
    "upload_slot",
    "user",
    "web_session",
]
