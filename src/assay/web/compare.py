"""Compare two reports: new failures, fixed, still failing, new and removed tests, duration changes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from assay.model import Report
from assay.services import browse, history
from assay.services.compare import compare_reports
from assay.services.projects import get_profile
from assay.services.reports import find_report
from assay.web.deps import Db, Reader
from assay.web.render import render
from assay.web.routing import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/reports/{report_id}/compare")
def compare_page(request: Request, db: Db, _viewer: Reader, report_id: str, base: str = "") -> Response:
    """Report `report_id` against `base` (id or key), by default the profile's previous report."""
    head = find_report(db, report_id)
    profile = get_profile(db, head.profile_id)  # type: ignore[arg-type]
    choices = browse.list_profile_reports(db, profile["id"], per_page=50).items
    base_report: Report | None = None
    if base:
        base_report = find_report(db, base)
    else:
        previous = history.previous_report(db, head.id)
        if previous is not None:
            base_report = find_report(db, previous.id)
    comparison = compare_reports(db, base_report.id, head.id) if base_report else None
    return render(request, "compare.html", {
        "head": head, "base": base_report, "profile": profile, "comparison": comparison,
        "choices": [c for c in choices if c.id != head.id],
    })
