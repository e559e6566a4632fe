"""Native API: reports (list, read as Calliope JSON, export) and their assets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from assay.api.deps import CurrentKey, Db, RuntimeDep, require_project
from assay.api.links import asset_url, report_url
from assay.api.schemas import ErrorResponse, Page, ReportRead
from assay.errors import NotFoundError
from assay.model import Report
from assay.services.projects import get_profile
from assay.services.reports import export_report, find_report, get_asset, list_reports, report_project_id

router = APIRouter(tags=["Reports"], responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}})


def _read(request: Request, runtime: RuntimeDep, report: Report) -> ReportRead:
    return ReportRead(
        id=report.id, key=report.key, url=report_url(request, runtime, report.id), profile_id=report.profile_id,
        import_id=report.import_id, import_status=report.import_status, date=report.date, origin=report.origin,
        title=report.title, build=report.build, os=report.os, platform=report.platform, tags=report.tags,
        created_at=report.created_at, **report.counts.as_dict(),
    )


@router.get("/api/v2/profile/{profile_id}/reports", response_model=Page[ReportRead], summary="A profile's reports")
def profile_reports(
    request: Request,
    runtime: RuntimeDep,
    db: Db,
    key: CurrentKey,
    profile_id: int,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 25,
) -> Page[ReportRead]:
    """Newest first (by report date), paginated."""
    profile = get_profile(db, profile_id)
    require_project(key, profile["project_id"], f"profile {profile_id}")
    found = list_reports(db, profile_id, page, per_page)
    return Page[ReportRead](
        items=[_read(request, runtime, r) for r in found.items], total=found.total, page=page, per_page=per_page
    )


def _export(request: Request, runtime: RuntimeDep, db: Db, key: CurrentKey, report_id: str, to: str) -> Response:
    report = find_report(db, report_id)
    require_project(key, report_project_id(db, report.id), f"report {report_id}")
    body = export_report(db, report, to, asset_url=lambda a: asset_url(request, runtime, a.id))
    if to.startswith("junit") or to == "xml":
        return Response(body, media_type="application/xml")
    return Response(body, media_type="application/json")


@router.get(
    "/api/v2/report/{report_id}",
    summary="A report in Calliope JSON",
    responses={200: {"content": {"application/json": {}}, "description": "The report, its containers, results, "
                     "steps and assets nested, in the Calliope JSON format."}},
)
def read_report(request: Request, runtime: RuntimeDep, db: Db, key: CurrentKey, report_id: str) -> Response:
    """The whole report by id or key (DEMO-12), as Calliope JSON."""
    return _export(request, runtime, db, key, report_id, "calliope-json")


@router.get("/api/v2/report/{report_id}/export", summary="Export a report (calliope-json or junit)")
def export(
    request: Request,
    runtime: RuntimeDep,
    db: Db,
    key: CurrentKey,
    report_id: str,
    to: Annotated[str, Query(description="calliope-json or junit")] = "calliope-json",
) -> Response:
    return _export(request, runtime, db, key, report_id, to)


@router.get("/api/v2/asset/{asset_id}", summary="Download an asset", response_class=FileResponse)
def download_asset(runtime: RuntimeDep, db: Db, key: CurrentKey, asset_id: str) -> FileResponse:
    row = get_asset(db, asset_id)
    require_project(key, row["project_id"], f"asset {asset_id}")
    path = runtime.blobs.open(row["location"] or "")
    if path is None:
        raise NotFoundError(f"asset {asset_id} has no stored file (it was named by a result, never uploaded)")
    return FileResponse(path, media_type=row["mime_type"] or "application/octet-stream", filename=row["name"])
