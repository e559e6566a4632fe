"""Reading pages: projects and profiles, a profile's reports, a report's tree, one result, attachments."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from assay.errors import InvalidInputError, NotFoundError
from assay.model import Status, Step
from assay.services import browse, by_key, history, report_tree
from assay.services.projects import get_profile
from assay.services.reports import find_report, get_asset
from assay.web.attachments import attachment_view, safe_media_type
from assay.web.deps import Db, Reader, RuntimeDep
from assay.web.render import STATUS_ORDER, render
from assay.web.routing import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
TREE_PAGE = 100


def parse_status(value: str | None) -> Status | None:
    """`failed` -> Status.FAILED; empty -> None. Raises InvalidInputError for another word."""
    if not value:
        return None
    try:
        return Status.from_label(value)
    except ValueError:
        raise InvalidInputError(f"no status {value!r}: use failed, broken, passed, skipped or unknown") from None


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{name} {value!r} is not a date like 2026-11-23") from None


@router.get("/")
def index(request: Request, db: Db, _viewer: Reader) -> Response:
    return render(request, "index.html", {"projects": browse.project_overview(db)})


@router.get("/profiles/{profile_id}")
def profile_page(
    request: Request, db: Db, _viewer: Reader, profile_id: int,
    tag: str = "", build: str = "", os: str = "", platform: str = "", date_from: str = "", date_to: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    profile = get_profile(db, profile_id)
    filters = browse.ReportFilter(tag=tag or None, build=build or None, os=os or None, platform=platform or None,
                                  date_from=_date(date_from, "date_from"), date_to=_date(date_to, "date_to"))
    reports = browse.list_profile_reports(db, profile_id, filters, page, 25)
    trend = browse.report_trend(db, profile_id, filters, 30)
    chart = {
        "labels": [r.key for r in trend],
        "dates": [r.date.isoformat() for r in trend],
        **{s.label: [getattr(r.counts, s.label) for r in trend] for s in Status},
        "duration": [r.duration / 1000 if r.duration is not None else None for r in trend],
    }
    query = {k: v for k, v in (("tag", tag), ("build", build), ("os", os), ("platform", platform),
                               ("date_from", date_from), ("date_to", date_to)) if v}
    return render(request, "profile.html", {
        "profile": profile, "reports": reports, "trend": trend, "chart": chart, "filters": filters,
        "facets": browse.profile_facets(db, profile_id), "query": query,
    })


@router.get("/reports/{report_id}")
def report_page(
    request: Request, db: Db, _viewer: Reader, report_id: str,
    container: str = "", status: str = "", q: str = "", page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The report: summary, then one level of its tree (or search hits), paged on the server."""
    report = find_report(db, report_id)
    wanted = parse_status(status)
    profile = get_profile(db, report.profile_id)  # type: ignore[arg-type]
    summary_chart = {"labels": [s.label for s in STATUS_ORDER],
                     "values": [getattr(report.counts, s.label) for s in STATUS_ORDER]}
    context = {"report": report, "profile": profile, "wanted": wanted, "q": q.strip(), "container_id": container,
               "summary_chart": summary_chart,
               "previous": history.previous_report(db, report.id), "level": None, "hits": None, "marks": {},
               "path": []}
    if q.strip():
        hits = report_tree.search_results(db, report.id, q, wanted, page, TREE_PAGE)
        context.update(hits=hits, marks=history.marks_for(db, report.id, hits.items))
    else:
        level = report_tree.tree_level(db, report.id, container or None, wanted, page, TREE_PAGE)
        context.update(level=level, marks=history.marks_for(db, report.id, level.results),
                       path=report_tree.container_path(db, report.id, container or None))
    return render(request, "report.html", context)


@router.get("/reports/{report_id}/nodes")
def report_nodes(
    request: Request, db: Db, _viewer: Reader, report_id: str,
    parent: str = "", status: str = "", page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """One page of a container's children as an HTML fragment: what expanding a container loads."""
    report = find_report(db, report_id)
    level = report_tree.tree_level(db, report.id, parent or None, parse_status(status), page, TREE_PAGE)
    return render(request, "_level.html", {
        "report": report, "level": level, "wanted": parse_status(status),
        "marks": history.marks_for(db, report.id, level.results),
    })


@router.get("/results/{result_id}")
def result_page(request: Request, runtime: RuntimeDep, db: Db, _viewer: Reader, result_id: str) -> Response:
    result = report_tree.get_result(db, result_id)
    ids = report_tree.result_ids(db, result_id)
    report = find_report(db, ids.report_id)
    return render(request, "result.html", {
        "result": result, "report": report, "profile": get_profile(db, report.profile_id),  # type: ignore[arg-type]
        "path": report_tree.container_path(db, report.id, ids.container_id),
        "history": history.result_history(db, result_id),
        "test_key": by_key.result_test_key(db, ids.test_id),
        "attachments": [attachment_view(runtime.blobs, a) for a in result.assets],
        "step_attachments": {s.id: [attachment_view(runtime.blobs, a) for a in s.assets]
                             for s in _all_steps(result.steps) if s.assets},
    })


def _all_steps(steps: list[Step]) -> list[Step]:
    found: list[Step] = []
    for step in steps:
        found.append(step)
        found.extend(_all_steps(step.steps))
    return found


@router.get("/assets/{asset_id}")
def asset_file(runtime: RuntimeDep, db: Db, _viewer: Reader, asset_id: str, download: bool = False) -> Response:
    """An attachment: images and text shown in the browser, anything else downloaded."""
    row = get_asset(db, asset_id)
    path = runtime.blobs.open(row["location"] or "")
    if path is None:
        raise NotFoundError(f"{row['name']} was named by the report but never uploaded")
    media_type, inline = safe_media_type(row["mime_type"], row["name"])
    response = FileResponse(path, media_type=media_type, filename=row["name"],
                            content_disposition_type="inline" if inline and not download else "attachment")
    # An uploaded file is never trusted as a page of this site: no scripts, no plugins, its own origin.
    response.headers["content-security-policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
