"""Native API: import jobs and their logs."""

from __future__ import annotations

from fastapi import APIRouter

from assay.api.deps import CurrentKey, Db, require_project
from assay.api.schemas import ErrorResponse, ImportJobRead
from assay.services.imports import get_import_job

router = APIRouter(tags=["Imports"], responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}})

_STATUS = {"success": 0, "failed": 1}


@router.get("/api/v2/import/{import_id}", response_model=ImportJobRead, summary="An import and its log")
def read_import(db: Db, key: CurrentKey, import_id: str) -> dict[str, object]:
    """Every import is kept, failed or not, with its log lines and, on failure, its error code and message."""
    job = get_import_job(db, import_id)
    if job["project_id"] is not None:
        require_project(key, job["project_id"], f"import {import_id}")
    return {**job, "import_status": _STATUS.get(job["status"])}
