"""QMetry Test Management for Jira's automation import API (seed 003), so CI jobs only change the base URL.

Three steps, on QMTJ Server/DC paths (`/rest/qtm4j/...`, `/rest/qmetry/...`) and QMetry Cloud's
(`/rest/api/automation/...`):

1. `POST .../importresult` with a JSON body of parameters -> `{"url", "trackingId"}`;
2. `POST` or `PUT` the result file to `url` (multipart part `file`, or the raw file) -> 204 at once,
   the import queued (jobs.py);
3. `GET .../importresult/track?trackingId=` -> the import's progress and the test cycles it made.

A thin translation: services/qmetry.py does the work. Errors answer in QMetry's shape,
`{"status", "errorMessage", "errors", "timestamp"}`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from assay.api.deps import CurrentKey, Db, RuntimeDep
from assay.api.errors import register_error_shape
from assay.api.links import base_url, report_url
from assay.api.queue import QueueDep
from assay.api.upload import read_upload
from assay.errors import AssayError, InvalidInputError
from assay.services.qmetry import UploadSlot, open_upload, take_upload, track
from assay.services.qmetry_params import QMetryError, parse_params
from assay.store import read_transaction, write_transaction

__all__ = ["router"]

logger = logging.getLogger("assay.qmetry")

PREFIXES = ("/rest/qtm4j/", "/rest/qmetry/", "/rest/api/automation/")
UPLOAD_PATH = "/rest/qmetry/automation/upload"
_STATUS_BY_CODE = {"upload_url_expired": 410}
_MAX_PARAMS = 1024 * 1024


def qmetry_error(error: AssayError, status: int) -> tuple[int, dict[str, Any]]:
    """An Assay error in QMetry's shape (its timestamp format: 28/May/2025 04:58, UTC)."""
    status = _STATUS_BY_CODE.get(error.code, status)
    body: dict[str, Any] = {"status": status, "errorMessage": error.message}
    errors = error.details.get("errors")
    if errors:
        body["errors"] = list(errors)
    body["code"] = error.code  # Assay's stable code, for scripts that want more than the message
    body["timestamp"] = f"{datetime.now(UTC):%d/%b/%Y %H:%M}"
    return status, body


for _prefix in PREFIXES:
    register_error_shape(_prefix, qmetry_error)

router = APIRouter(tags=["QMetry-compatible import"])

_ERRORS = {
    400: {"description": "Refused, QMetry's shape: `{status, errorMessage, errors, timestamp}`."},
    401: {"description": "Missing or wrong API key (apiKey header, Basic or Bearer)."},
}
_PARAMS_DOC = {
    "requestBody": {
        "required": True,
        "description": "The import's parameters as a JSON object (form-data is refused), as QMetry takes them: "
        "`format` (cucumber, testng, junit, qaf, hpuft, specflow, or any Assay format), `testCycleToReuse`, "
        "`environment`, `build`, `isZip`, `attachFile`, `fields` (testCycle, testCase, testCaseExecution), "
        "`matchTestSteps`, `appendTestName`, `automationHierarchy` (1, 2, 3), `useFeatureName`, "
        "`useFeatureDescription`; Assay adds `projectKey` and `profileId` (default: the key's project, its "
        "first profile).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "example": {
                        "format": "junit",
                        "automationHierarchy": 2,
                        "environment": "Chrome",
                        "build": "4.1.0",
                        "fields": {"testCycle": {"summary": "Nightly", "labels": ["nightly"]}},
                    },
                }
            }
        },
    }
}


async def _start(request: Request, runtime: RuntimeDep, key: CurrentKey) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > _MAX_PARAMS:
        raise QMetryError("The request body is too large for import parameters.")
    try:
        body = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError as error:
        content_type = request.headers.get("content-type", "").lower()
        if "form" in content_type or raw.startswith(b"--"):
            raise QMetryError(
                "Request must contain a JSON raw body payload; form-data is not supported.",
                code="form_data_not_supported",
            ) from None
        raise QMetryError(f"The request body is not valid JSON: {error}") from None
    params = parse_params(body)
    ttl = runtime.settings.upload_url_ttl_seconds

    def _open() -> tuple[str, str]:
        with write_transaction(runtime.engine) as connection:
            return open_upload(connection, key, params, ttl)

    secret, tracking_id = await run_in_threadpool(_open)
    minutes = max(ttl // 60, 1)
    return {
        "url": f"{base_url(request, runtime)}{UPLOAD_PATH}/{secret}",
        "trackingId": tracking_id,
        "message": f"Generated Upload URL is valid for one time use and will expire in {minutes} minutes.",
    }


_STEP1: dict[str, Any] = {
    "responses": _ERRORS,
    "openapi_extra": _PARAMS_DOC,
    "summary": "Get an upload URL (step 1 of 3)",
}


@router.post("/rest/qtm4j/automation/latest/importresult", **_STEP1)
@router.post("/rest/qmetry/automation/latest/importresult", include_in_schema=False)
async def import_result(request: Request, runtime: RuntimeDep, key: CurrentKey) -> dict[str, Any]:
    """Validate the import's parameters; answers a single-use, expiring upload `url` and the `trackingId`."""
    return await _start(request, runtime, key)


@router.post("/rest/api/automation/importresult", **{**_STEP1, "summary": "Get an upload URL (QMetry Cloud path)"})
async def import_result_cloud(request: Request, runtime: RuntimeDep, key: CurrentKey) -> dict[str, Any]:
    """QMetry for Jira Cloud's path of step 1: the same parameters and answer."""
    return await _start(request, runtime, key)


_UPLOAD: dict[str, Any] = {
    "status_code": 204,
    "responses": {
        204: {"description": "Taken; the import is queued."},
        400: {"description": "Not a .json, .xml or .zip file (or not what isZip/format say)."},
        404: {"description": "No such upload URL."},
        409: {"description": "The URL was already used."},
        410: {"description": "The URL expired."},
    },
    "openapi_extra": {
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
}


@router.post(
    f"{UPLOAD_PATH}/{{secret}}", summary="Upload the result file (step 2 of 3)", operation_id="qmetry_upload", **_UPLOAD
)
@router.put(
    f"{UPLOAD_PATH}/{{secret}}",
    summary="Upload the result file (step 2 of 3, PUT as QMetry Cloud clients do)",
    operation_id="qmetry_upload_put",
    **_UPLOAD,
)
async def upload(
    request: Request,
    runtime: RuntimeDep,
    queue: QueueDep,
    secret: Annotated[str, Path(description="The secret part of the URL step 1 answered.")],
) -> Response:
    """The URL is the credential (auth headers are ignored). The file goes as the multipart part `file`
    (a `multipart/form-data` header without a boundary is read all the same) or as the raw body."""

    def _find() -> UploadSlot:
        with read_transaction(runtime.engine) as connection:
            return UploadSlot.find(connection, secret)

    slot = await run_in_threadpool(_find)  # refuse a used or expired URL before reading the body
    body = await read_upload(request, runtime.settings.max_upload_bytes, runtime.settings.upload_dir)
    try:
        if not body.files:
            raise InvalidInputError(
                "No file in the request: send the result file as the multipart part 'file'.", code="no_file"
            )

        def _take() -> str:
            with write_transaction(runtime.engine) as connection:
                return take_upload(connection, runtime.settings, slot, body.files[0])

        tracking_id = await run_in_threadpool(_take)
    finally:
        body.cleanup()
    try:
        await run_in_threadpool(queue.enqueue, tracking_id)
    except Exception:  # the job is recorded: a consumer's recovery enqueues it when the queue is back
        logger.exception("could not enqueue import %s; it waits for the queue's recovery", tracking_id)
    return Response(status_code=204)


_TRACK: dict[str, Any] = {"responses": {404: {"description": "No import with that trackingId (QMetry's shape)."}}}


def _track(request: Request, runtime: RuntimeDep, db: Db, key: CurrentKey, tracking_id: str | None) -> dict[str, Any]:
    if not tracking_id:
        raise QMetryError("Parameter 'trackingId' is required.")
    answer = track(db, key, tracking_id)
    for cycle in answer["testCycles"]:
        cycle["url"] = report_url(request, runtime, cycle["id"])
    return answer


TrackingId = Annotated[str | None, Query(alias="trackingId", description="The trackingId of step 1.")]


@router.get("/rest/qmetry/automation/latest/importresult/track", summary="Track an import (step 3 of 3)", **_TRACK)
@router.get("/rest/qtm4j/automation/latest/importresult/track", include_in_schema=False)
def track_import(
    request: Request, runtime: RuntimeDep, db: Db, key: CurrentKey, tracking_id: TrackingId = None
) -> dict[str, Any]:
    """`processStatus` VALIDATION, PARSING, CREATING_ASSETS, SUCCESS or FAILED; `importStatus` INPROCESS,
    SUCCESS or FAILED; the test cycles (reports) made or reused with their key and URL; on failure why."""
    return _track(request, runtime, db, key, tracking_id)


@router.get("/rest/api/automation/importresult/track", summary="Track an import (QMetry Cloud path)", **_TRACK)
def track_import_cloud(
    request: Request, runtime: RuntimeDep, db: Db, key: CurrentKey, tracking_id: TrackingId = None
) -> dict[str, Any]:
    """QMetry for Jira Cloud's path of step 3: the same answer."""
    return _track(request, runtime, db, key, tracking_id)
