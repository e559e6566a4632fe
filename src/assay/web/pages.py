"""Plain HTML pages: the index and a report page (the `url` the import API returns)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from assay.api.deps import Db
from assay.model import Container, Result, Status
from assay.services.projects import list_profiles, list_projects
from assay.services.reports import find_report, report_tree

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))

# A page shows this many results; the API and exports have them all.
MAX_RESULTS_SHOWN = 2000


@router.get("/", response_class=HTMLResponse)
def index(request: Request, db: Db) -> HTMLResponse:
    projects = [{**p, "profiles": list_profiles(db, p["id"])} for p in list_projects(db)]
    return templates.TemplateResponse(request, "index.html", {"projects": projects})


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, db: Db, report_id: str) -> HTMLResponse:
    report = find_report(db, report_id)
    rows: list[dict[str, object]] = []
    depth: dict[str | None, int] = {None: 0}
    shown = 0
    for node in report_tree(db, report.id):
        if isinstance(node, Container):
            level = depth.get(node.parent.id if node.parent else None, 0)
            depth[node.id] = level + 1
            rows.append({"kind": "container", "node": node, "level": level, "status": node.status})
        elif isinstance(node, Result) and shown < MAX_RESULTS_SHOWN:
            shown += 1
            level = depth.get(node.container.id if node.container else None, 0)
            rows.append({"kind": "result", "node": node, "level": level, "status": node.status})
    return templates.TemplateResponse(
        request,
        "report.html",
        {"report": report, "rows": rows, "truncated": report.counts.total > shown, "Status": Status},
    )
