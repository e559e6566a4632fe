"""The Xray Server reads scripts and plugins use, and the Jira issue check: thin calls to services.xray_reads.

`GET /rest/raven/{1.0,2.0,latest}/api/{xraylicense, testexec/{key}/test, testrun, testrun/{id}, test}`,
`POST .../api/testrun/{id}/attachment` and `GET /rest/api/2/issue/{key}`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assay.api.compat._xray_http import XrayKey, issue_url
from assay.api.deps import Db, RuntimeDep
from assay.api.links import asset_url
from assay.api.upload import read_upload
from assay.errors import InvalidInputError
from assay.services import xray_reads, xray_runs
from assay.store import write_transaction

router = APIRouter()

SERVER_TAG = "Xray-compatible API (Server/Data Center)"
JIRA_TAG = "Jira issues (for Xray clients)"
_VERSIONS = ("1.0", "2.0", "latest")
_MAX_ATTACHMENT = 50 * 1024 * 1024


def xray_license(key: XrayKey) -> dict[str, Any]:
    """Clients check the license before they import: Assay's is always active."""
    return {"active": True, "licenseType": "Commercial", "licenseName": "Assay (Xray-compatible API)"}


def execution_tests(
    request: Request,
    runtime: RuntimeDep,
    db: Db,
    key: XrayKey,
    testExecKey: Annotated[str, Path(description="The Test Execution's key, e.g. DEMO-12.")],
    detailed: Annotated[bool, Query(description="Add each run's dates, executor, defects and evidences.")] = False,
    page: Annotated[int | None, Query(ge=1, description="A page (from 1); past the last page, []")] = None,
    limit: Annotated[int | None, Query(ge=0, description="Tests per page (default 100).")] = None,
) -> list[dict[str, Any]]:
    """The Tests of a Test Execution, each with its Test Run's `id`, the Test's `key` and the run's `status`."""
    return xray_reads.execution_tests(
        db,
        testExecKey,
        key,
        detailed=detailed,
        page=page,
        limit=limit,
        asset_url=lambda a: asset_url(request, runtime, a),
    )


def find_run(
    request: Request,
    runtime: RuntimeDep,
    db: Db,
    key: XrayKey,
    testExecIssueKey: Annotated[str, Query(description="The Test Execution's key.")],
    testIssueKey: Annotated[str, Query(description="The Test's key.")],
) -> dict[str, Any]:
    """A Test Run by its execution and Test: id, status, steps, comment, evidences, defects."""
    run_id = xray_reads.find_run(db, testExecIssueKey, testIssueKey, key)
    return xray_runs.read_run(db, run_id, key, lambda a: asset_url(request, runtime, a))


def read_run(
    request: Request,
    runtime: RuntimeDep,
    db: Db,
    key: XrayKey,
    id: Annotated[int, Path(description="The Test Run's id.")],
) -> dict[str, Any]:
    """A Test Run by id: status, steps, comment, evidences, defects."""
    return xray_runs.read_run(db, id, key, lambda a: asset_url(request, runtime, a))


async def add_evidence(
    request: Request,
    runtime: RuntimeDep,
    key: XrayKey,
    id: Annotated[int, Path(description="The Test Run's id.")],
) -> JSONResponse:
    """Add evidence to a Test Run: JSON `{"data": "<base64>", "filename", "contentType"}`, or a multipart
    part named `file`. Answers the evidence as the run lists it."""
    upload = await read_upload(request, _MAX_ATTACHMENT, runtime.settings.upload_dir)
    try:
        name, data, mime = _attachment(upload.files)
    finally:
        upload.cleanup()

    def store() -> dict[str, Any]:
        with write_transaction(runtime.engine) as connection:
            return xray_runs.add_run_evidence(
                connection, runtime.blobs, id, key, name, data, mime, lambda a: asset_url(request, runtime, a)
            )

    return JSONResponse(await run_in_threadpool(store))


def _attachment(files: list[Any]) -> tuple[str, bytes, str | None]:
    if not files:
        raise InvalidInputError(
            'no attachment: send {"data": "<base64>", "filename": "...", "contentType": "..."}', code="no_file"
        )
    upload = files[0]
    raw = upload.path.read_bytes()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if upload.name is not None:  # a multipart file part holds the file itself
            return upload.name, raw, upload.content_type
        raise InvalidInputError(f"the attachment is not valid JSON: {error}", code="bad_attachment") from None
    if upload.name is not None and not (isinstance(body, dict) and "data" in body):
        return upload.name, raw, upload.content_type
    if not isinstance(body, dict) or not isinstance(body.get("data"), str):
        raise InvalidInputError('the attachment needs "data": the file as base64 text', code="bad_attachment")
    try:
        data = base64.b64decode("".join(body["data"].split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError('the attachment\'s "data" is not valid base64', code="bad_attachment") from None
    name = body.get("filename") or body.get("name") or body.get("fileName") or "attachment"
    mime = body.get("contentType") or body.get("mimeType")
    return str(name), data, str(mime) if mime else None


def tests_by_keys(
    request: Request,
    runtime: RuntimeDep,
    db: Db,
    key: XrayKey,
    keys: Annotated[str, Query(description="Test keys separated by `;` (or `,`), e.g. DEMO-6;DEMO-7.")],
) -> list[dict[str, Any]]:
    """Tests by key: summary, type, latest status, labels, definition or steps. Unknown keys are left out."""
    wanted = keys.replace(",", ";").split(";")
    return xray_reads.tests_by_keys(db, wanted, key, lambda i: issue_url(request, runtime, i))


def read_issue(
    request: Request,
    runtime: RuntimeDep,
    db: Db,
    key: XrayKey,
    issueIdOrKey: Annotated[str, Path(description="A Test Execution, Test or Test Plan key (or id).")],
) -> dict[str, Any]:
    """Enough of Jira's issue resource for clients that check an issue exists: key, summary, issue type, status."""
    return xray_reads.read_issue(db, issueIdOrKey, key, lambda i: issue_url(request, runtime, i))


for _version in _VERSIONS:
    _base = f"/rest/raven/{_version}/api"
    _shown = _version != "latest"
    _common: dict[str, Any] = {"tags": [SERVER_TAG], "include_in_schema": _shown}
    router.add_api_route(f"{_base}/xraylicense", xray_license, methods=["GET"], summary="The Xray license", **_common)
    router.add_api_route(
        f"{_base}/testexec/{{testExecKey}}/test",
        execution_tests,
        methods=["GET"],
        summary="The Tests of a Test Execution, with their runs' statuses",
        **_common,
    )
    router.add_api_route(
        f"{_base}/testrun", find_run, methods=["GET"], summary="A Test Run by Test Execution and Test", **_common
    )
    router.add_api_route(f"{_base}/testrun/{{id}}", read_run, methods=["GET"], summary="A Test Run by id", **_common)
    router.add_api_route(
        f"{_base}/testrun/{{id}}/attachment",
        add_evidence,
        methods=["POST"],
        summary="Add evidence to a Test Run",
        **_common,
    )
    router.add_api_route(f"{_base}/test", tests_by_keys, methods=["GET"], summary="Tests by key", **_common)
for _api in ("2", "latest"):
    router.add_api_route(
        f"/rest/api/{_api}/issue/{{issueIdOrKey}}",
        read_issue,
        methods=["GET"],
        tags=[JIRA_TAG],
        summary="An issue (Test Execution, Test, Test Plan)",
        include_in_schema=_api == "2",
    )
