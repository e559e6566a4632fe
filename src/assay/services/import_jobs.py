"""Recent import jobs for the imports page (one job's full row: services.imports.get_import_job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from assay.services.paging import Paged, check_page
from assay.store import tables
from assay.store.reader import as_utc

_J = tables.import_job
JOB_STATUSES = ("queued", "running", "success", "failed")


@dataclass(frozen=True)
class ImportJobRow:
    id: str
    profile_id: int | None
    profile_name: str | None
    project_key: str | None
    api: str
    requested_format: str | None
    detected_format: str | None
    files: list[dict[str, Any]]
    status: str
    stage: str | None
    error_code: str | None
    error_message: str | None
    report_id: str | None
    report_key: str | None
    created_at: datetime
    finished_at: datetime | None


def list_import_jobs(
    connection: Connection,
    profile_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Paged[ImportJobRow]:
    """Import jobs newest first, optionally of one profile and/or one status (queued, running, success, failed).

    Raises InvalidInputError for a bad page.
    """
    offset = check_page(page, per_page)
    where: list[Any] = []
    if profile_id is not None:
        where.append(_J.c.profile_id == profile_id)
    if status:
        where.append(_J.c.status == status)
    total = connection.execute(select(func.count()).select_from(_J).where(*where)).scalar_one()
    query = (
        select(_J.c.id, _J.c.profile_id, _J.c.api, _J.c.requested_format, _J.c.detected_format, _J.c.files,
               _J.c.status, _J.c.stage, _J.c.error_code, _J.c.error, _J.c.report_id, _J.c.created_at,
               _J.c.finished_at, tables.profile.c.name.label("profile_name"),
               tables.project.c.key.label("project_key"), tables.report.c.key.label("report_key"))
        .outerjoin(tables.profile, tables.profile.c.id == _J.c.profile_id)
        .outerjoin(tables.project, tables.project.c.id == _J.c.project_id)
        .outerjoin(tables.report, tables.report.c.id == _J.c.report_id)
        .where(*where)
        .order_by(_J.c.created_at.desc(), _J.c.id)
        .limit(per_page)
        .offset(offset)
    )
    items = [
        ImportJobRow(
            id=row.id, profile_id=row.profile_id, profile_name=row.profile_name, project_key=row.project_key,
            api=row.api, requested_format=row.requested_format, detected_format=row.detected_format,
            files=list(row.files or []), status=row.status, stage=row.stage, error_code=row.error_code,
            error_message=(row.error or {}).get("message"), report_id=row.report_id, report_key=row.report_key,
            created_at=as_utc(row.created_at), finished_at=as_utc(row.finished_at),  # type: ignore[arg-type]
        )
        for row in connection.execute(query)
    ]
    return Paged(items=items, page=page, per_page=per_page, total=total, has_next=offset + len(items) < total)


__all__ = ["JOB_STATUSES", "ImportJobRow", "list_import_jobs"]
