"""Calliope.pro's import API v2 (seeds 000 and 001), so a CI job only changes its base URL.

`POST /api/v2/profile/{profile_id}/report/import[/{formatter}]` (and the Swagger names
`/api/v2/profile/{profile_id}/import[/{formatter}]`): every body mode the documents show, options
as query parameters or form fields, all files of one request in one report.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assay.api.deps import CurrentKey, RuntimeDep
from assay.api.errors import error_response
from assay.api.links import base_url, report_url
from assay.api.queue import get_queue
from assay.api.schemas import ErrorResponse, ImportResponse
from assay.api.upload import read_upload
from assay.errors import AssayError, NotFoundError
from assay.formats import all_formats, get_format
from assay.services.import_options import parse_options
from assay.services.imports import ImportRequest, record_failed_import, run_import
from assay.services.projects import get_profile
from assay.services.queued_imports import queue_request
from assay.store import read_transaction


def _mark_import_api(request: Request) -> None:
    request.state.import_api = True


router = APIRouter(tags=["Calliope-compatible import"], dependencies=[Depends(_mark_import_api)])

_BODY_DOC = {
    "requestBody": {
        "description": (
            "The result file(s), in any of the ways Calliope takes them: the raw file as the body "
            "(any Content-Type, e.g. text/xml or application/json; `-d @file` or `--data-binary @file`); "
            "multipart parts `file[]` (or `file`), one or more, plus `attachment[]` parts for screenshots "
            "and logs, plus options as form fields; or a form field `file[]` holding the URL-encoded file "
            "text. The body's own shape decides, not the Content-Type header."
        ),
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file[]": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "attachment[]": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "tag[]": {"type": "array", "items": {"type": "string"}},
                    },
                }
            },
            "application/xml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ImportResponse, "description": "The file could not be imported; `error` says why."},
    401: {"model": ErrorResponse, "description": "Missing or wrong x-api-key."},
    404: {"model": ErrorResponse, "description": "No such profile (or the key may not reach it)."},
    413: {"model": ImportResponse, "description": "The upload is over the endpoint's limit."},
}


class _Options:
    """The documented options, declared for the OpenAPI page; values are read from the raw request."""

    def __init__(
        self,
        os: Annotated[str | None, Query(description="Operating system the tests ran on.")] = None,
        platform: Annotated[str | None, Query(description="Platform that was tested.")] = None,
        build: Annotated[str | None, Query(description="Build or version number.")] = None,
        date: Annotated[str | None, Query(description="ISO 8601 date of the report (default: now).")] = None,
        smart: Annotated[
            str | None,
            Query(
                description="Restructure into a more useful tree (default true): JUnit class names become "
                "package and class containers. false keeps the file's own structure."
            ),
        ] = None,
        tag: Annotated[
            list[str] | None,
            Query(
                alias="tag[]",
                description="Repeatable; `key:value` or a word. os:, platform:, build: fill those fields.",
            ),
        ] = None,
        merge_containers: Annotated[
            str | None, Query(description="Same-titled top containers from several files become one.")
        ] = None,
        ignore_empty_report: Annotated[
            str | None, Query(description="A file with no tests is not an error (an empty report is made).")
        ] = None,
        process_async: Annotated[
            str | None,
            Query(description="true: queue the import and answer at once `{import_id, import_status: \"pending\", "
                  "report: null, status_url}`; follow it at GET /api/v2/import/{import_id}."),
        ] = None,
    ) -> None:
        pass


async def _import(
    request: Request, runtime: RuntimeDep, key: CurrentKey, profile_id: int, formatter: str | None, limit: int
) -> JSONResponse:
    with read_transaction(runtime.engine) as connection:
        profile = get_profile(connection, profile_id)
    if not key.may_reach(profile["project_id"]):
        raise NotFoundError(f"no profile {profile_id}")
    if formatter is not None:
        get_format(formatter)  # an unknown formatter is refused before the body is read
    fields: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        fields.setdefault(name, []).append(value)
    try:
        upload = await read_upload(request, limit, runtime.settings.upload_dir)
    except AssayError as error:
        request.state.import_id = record_failed_import(
            runtime, ImportRequest(profile_id=profile_id, files=[], format=formatter), error
        )
        return error_response(error, request)
    try:
        for name, values in upload.fields.items():
            fields.setdefault(name, []).extend(values)
        import_request = ImportRequest(
            profile_id=profile_id,
            files=upload.files,
            format=formatter,
            attachments=upload.attachments,
        )
        try:
            import_request.options = parse_options(fields)
        except AssayError as error:
            request.state.import_id = record_failed_import(runtime, import_request, error)
            return error_response(error, request)
        if import_request.options.process_async:  # answer at once; a job queue worker imports (jobs.py)
            import_id = await run_in_threadpool(queue_request, runtime, import_request)
            await run_in_threadpool(get_queue(request).enqueue, import_id)
            return JSONResponse({"import_id": import_id, "import_status": "pending", "report": None,
                                 "status_url": f"{base_url(request, runtime)}/api/v2/import/{import_id}"})
        outcome = await run_in_threadpool(run_import, runtime, import_request, key)
    finally:
        upload.cleanup()
    if not outcome.ok:
        assert outcome.error is not None
        request.state.import_id = outcome.import_id
        return error_response(outcome.error, request)
    assert outcome.report is not None
    report = {**outcome.report, "url": report_url(request, runtime, outcome.report["id"])}
    return JSONResponse({"import_id": outcome.import_id, "import_status": 0, "report": report})


ProfileId = Annotated[int, Path(description="The profile to import into (see its page or GET /api/v2/projects).")]


@router.post(
    "/api/v2/profile/{profile_id}/report/import/{formatter}",
    response_model=ImportResponse,
    responses=_RESPONSES,
    openapi_extra=_BODY_DOC,
    summary="Import results with a named formatter (limit 50 MB)",
)
@router.post("/api/v2/profile/{profile_id}/import/{formatter}", include_in_schema=False)
async def import_with_formatter(
    request: Request,
    runtime: RuntimeDep,
    key: CurrentKey,
    profile_id: ProfileId,
    formatter: Annotated[str, Path(description="A format name: see GET /api/v2/formats (junit, calliope, ...).")],
    _options: Annotated[_Options, Depends()],
) -> JSONResponse:
    """Import one or more result files of the named format into one new report of the profile."""
    return await _import(request, runtime, key, profile_id, formatter, runtime.settings.max_upload_bytes)


@router.post(
    "/api/v2/profile/{profile_id}/report/import",
    response_model=ImportResponse,
    responses=_RESPONSES,
    openapi_extra=_BODY_DOC,
    summary="Import results, detecting the format (limit 30 MB)",
)
@router.post("/api/v2/profile/{profile_id}/import", include_in_schema=False)
async def import_detected(
    request: Request,
    runtime: RuntimeDep,
    key: CurrentKey,
    profile_id: ProfileId,
    _options: Annotated[_Options, Depends()],
) -> JSONResponse:
    """Import result files of any known format; a file that several formats claim fails, naming them."""
    return await _import(request, runtime, key, profile_id, None, runtime.settings.max_detect_upload_bytes)


@router.get("/api/v2/formats", tags=["Formats"], summary="The formats Assay reads")
def list_formats() -> list[dict[str, object]]:
    return [{"name": f.name, "origin": f.origin, "title": f.title, "aliases": list(f.aliases)} for f in all_formats()]


__all__ = ["router"]
