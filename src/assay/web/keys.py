"""Pages by key, so the keys the Xray and QMetry APIs hand out lead somewhere.

A report is a test execution (`/executions/DEMO-123` is its page, as is `/reports/DEMO-123`), a
test has its own page (`/tests/DEMO-6`), and `/go?key=...` finds whichever thing has the key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from assay.services import by_key
from assay.services.reports import find_report
from assay.web.deps import Db, Reader
from assay.web.render import render
from assay.web.routing import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/go")
def go(db: Db, _viewer: Reader, key: str = "") -> Response:
    kind, target = by_key.resolve_key(db, key)
    path = {"report": f"/reports/{target}", "test": f"/tests/{target}", "test_plan": f"/test-plans/{target}"}[kind]
    return RedirectResponse(path, status_code=303)


@router.get("/executions/{key}")
def execution(db: Db, _viewer: Reader, key: str) -> Response:
    return RedirectResponse(f"/reports/{find_report(db, key).id}", status_code=303)


@router.get("/tests/{key}")
def test_page(request: Request, db: Db, _viewer: Reader, key: str, page: Annotated[int, Query(ge=1)] = 1) -> Response:
    test = by_key.get_test(db, key)
    return render(request, "test.html", {"test": test, "runs": by_key.runs_of_test(db, test, page, 50)})


@router.get("/test-plans/{key}")
def test_plan_page(request: Request, db: Db, _viewer: Reader, key: str) -> Response:
    plan, reports = by_key.plan_reports(db, key)
    return render(request, "test_plan.html", {"plan": plan, "reports": reports})
