"""Imports (every job with its log, failed ones saying why) and API keys (create once, list, revoke)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from assay.errors import InvalidInputError
from assay.services.api_keys import create_api_key, list_api_keys, revoke_api_key
from assay.services.import_jobs import JOB_STATUSES, list_import_jobs
from assay.services.imports import get_import_job
from assay.services.projects import get_profile, get_project, list_projects
from assay.store import read_transaction, write_transaction
from assay.web.deps import Db, FormWriter, Reader, RuntimeDep, Writer
from assay.web.render import render
from assay.web.routing import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/imports")
def imports_page(
    request: Request, db: Db, _viewer: Reader, profile: int | None = None, status: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    if status and status not in JOB_STATUSES:
        raise InvalidInputError(f"no import status {status!r}: use one of {', '.join(JOB_STATUSES)}")
    jobs = list_import_jobs(db, profile, status or None, page, 50)
    return render(request, "imports.html", {
        "jobs": jobs, "status": status, "statuses": JOB_STATUSES,
        "profile": get_profile(db, profile) if profile is not None else None,
    })


@router.get("/imports/{import_id}")
def import_page(request: Request, db: Db, _viewer: Reader, import_id: str) -> Response:
    job = get_import_job(db, import_id)
    profile = get_profile(db, job["profile_id"]) if job["profile_id"] is not None else None
    return render(request, "import.html", {"job": job, "profile": profile})


def _keys_page(request: Request, db: Connection, status_code: int = 200, **context: object) -> Response:
    projects = list_projects(db)
    keys = list_api_keys(db)
    by_id = {p["id"]: p["key"] for p in projects}
    for key in keys:
        key["scope"] = f"project {by_id.get(key['project_id'], '?')}" if key["project_id"] else "all projects"
    headers = {"cache-control": "no-store"}  # the page may hold a new key in plain text
    return render(request, "keys.html", {"keys": keys[::-1], "projects": projects, "new_key": None, **context},
                  status_code=status_code, headers=headers)


@router.get("/keys")
def keys_page(request: Request, db: Db, _viewer: Writer) -> Response:
    return _keys_page(request, db)


@router.post("/keys")
def create_key(
    request: Request, runtime: RuntimeDep, _viewer: FormWriter,
    name: Annotated[str, Form()] = "", project: Annotated[str, Form()] = "",
) -> Response:
    """Make a key and show it this once: the page is the response itself, never a page to come back to."""
    with write_transaction(runtime.engine) as connection:
        project_id = get_project(connection, project)["id"] if project else None
        key, plaintext = create_api_key(connection, project_id, name.strip() or None)
    new_key = {"prefix": key.prefix, "plaintext": plaintext,
               "scope": f"project {project.upper()}" if project else "all projects"}
    # A fresh read: the request's own connection began before the key existed.
    with read_transaction(runtime.engine) as connection:
        return _keys_page(request, connection, 201, new_key=new_key)


@router.post("/keys/{key_id}/revoke")
def revoke_key(runtime: RuntimeDep, _viewer: FormWriter, key_id: int) -> Response:
    with write_transaction(runtime.engine) as connection:
        revoke_api_key(connection, key_id)
    return RedirectResponse(f"/keys?revoked={key_id}", status_code=303)
