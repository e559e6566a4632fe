"""Xray's import API, Server/Data Center and Cloud, so CI scripts and plugins only change their base URL.

Server/DC: `POST /rest/raven/{1.0,2.0,latest}[/api]/import/execution[/{format}][/multipart|/bundle]`;
Cloud: `POST /api/{v1,v2}/authenticate` and `POST /api/{v1,v2}/import/execution[/{format}][/multipart]`.
The reads scripts use live in `_xray_reads`. Every route only translates: services.xray imports,
and errors answer `{"error": "..."}` (400, 401) on every Xray path (api/errors.py's shape registry).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assay.api.compat import _xray_reads
from assay.api.compat._xray_http import (
    JIRA_PREFIXES,
    XRAY_PREFIXES,
    XrayKey,
    issue_url,
    jira_error,
    xray_error,
)
from assay.api.deps import RuntimeDep
from assay.api.errors import register_error_shape
from assay.api.upload import read_upload
from assay.errors import InvalidInputError, PayloadTooLargeError
from assay.services.runtime import Runtime
from assay.services.secret_key import secret_key
from assay.services.xray import FORMATS, XrayExecution, XrayImport, import_execution
from assay.services.xray_tokens import issue_token
from assay.store import read_transaction

__all__ = ["router"]

for _prefix in XRAY_PREFIXES:
    register_error_shape(_prefix, xray_error)
for _prefix in JIRA_PREFIXES:
    register_error_shape(_prefix, jira_error)

router = APIRouter()
router.include_router(_xray_reads.router)

SERVER_TAG = "Xray-compatible API (Server/Data Center)"
CLOUD_TAG = "Xray-compatible API (Cloud)"

XrayFormat = Enum("XrayFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]

_RESULTS_DOC = {
    "requestBody": {
        "description": (
            "The results file as the raw body (any Content-Type), or multipart/form-data with the results "
            "in a part named `file`, `result` or `results` (Cloud's name), plus an optional `info` part "
            "(JSON: Jira fields of a new Test Execution, `fields.project.key`, `summary`, `description`, "
            "`labels`, `fixVersions`, `customfield_*`; Cloud's `xrayFields.testPlanKey` / `environments`) "
            "and, for the format endpoints, a `testInfo` part (JSON: Jira fields for the Tests it creates). "
            "The body's own shape decides, not the Content-Type header. Limit: 50 MB."
        ),
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/xml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "info": {"type": "string", "format": "binary"},
                        "testInfo": {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    }
}
_SERVER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": 'The Test Execution: `{"testExecIssue": {"id", "key", "self"}}`; the 2.0 endpoints add '
        '`testIssues` `{"success": [{"id", "key", "self"}], "error": []}` and `infoMessages`.'
    },
    400: {
        "description": '`{"error": "..."}`: no results, a file that is not of its format, an unknown '
        "testExecutionKey / testKey / project, evidence that is not base64, a file over 50 MB."
    },
    401: {"description": '`{"error": "..."}`: missing or wrong credentials.'},
}
_CLOUD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_SERVER_RESPONSES,
    200: {"description": 'The Test Execution: `{"id", "key", "self"}`.'},
}


class _FormatParams:
    """The query parameters of Xray's format endpoints, declared for the OpenAPI page."""

    def __init__(
        self,
        projectKey: Annotated[
            str | None,
            Query(
                description="The project of a new Test Execution (and of the "
                "Tests it creates): its key, or its numeric id."
            ),
        ] = None,
        testExecKey: Annotated[
            str | None,
            Query(
                description="An existing Test Execution to add the results to (a Test that ran again replaces its run)."
            ),
        ] = None,
        testPlanKey: Annotated[
            str | None, Query(description="A Test Plan to link the execution and its Tests to; created on first use.")
        ] = None,
        testEnvironments: Annotated[str | None, Query(description="Test environments, `;`-separated.")] = None,
        revision: Annotated[str | None, Query(description="Source code revision.")] = None,
        fixVersion: Annotated[str | None, Query(description="The version the execution is for.")] = None,
    ) -> None:
        pass


FormatParams = Annotated[_FormatParams, Depends()]
FormatName = Annotated[XrayFormat, Path(description="The results format: " + ", ".join(FORMATS) + ".")]


def _answer(request: Request, runtime: Runtime, execution: XrayExecution, flavor: str) -> dict[str, Any]:
    issue = {"id": execution.report_id, "key": execution.key, "self": issue_url(request, runtime, execution.report_id)}
    if flavor == "cloud":
        return issue
    body: dict[str, Any] = {"testExecIssue": issue}
    if flavor == "server2":
        body["testIssues"] = {
            "success": [
                {"id": str(t["id"]), "key": t["key"], "self": issue_url(request, runtime, str(t["id"]))}
                for t in execution.tests
            ],
            "error": [],
        }
        body["infoMessages"] = []
    return body


async def _import(request: Request, runtime: Runtime, key: Any, fmt: str, flavor: str) -> JSONResponse:
    try:
        upload = await read_upload(request, runtime.settings.max_upload_bytes, runtime.settings.upload_dir)
    except PayloadTooLargeError as error:
        raise InvalidInputError(
            f"the results are larger than the limit of {runtime.settings.max_upload_bytes // (1024 * 1024)} MB; "
            "nothing was imported",
            code=error.code,
        ) from None
    try:
        xray_request = XrayImport(
            format=fmt,
            files=upload.files,
            params=dict(request.query_params),
            info=_part(upload.fields, "info"),
            test_info=_part(upload.fields, "testInfo"),
        )
        execution = await run_in_threadpool(import_execution, runtime, xray_request, key)
    finally:
        upload.cleanup()
    return JSONResponse(_answer(request, runtime, execution, flavor))


def _part(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name) or fields.get(name.lower())
    return values[-1] if values else None


Endpoint = Callable[..., Awaitable[JSONResponse]]


def _xray_json(flavor: str) -> Endpoint:
    async def import_xray_json(request: Request, runtime: RuntimeDep, key: XrayKey) -> JSONResponse:
        """Xray JSON results (`testExecutionKey`, `info`, `tests`): a new Test Execution, or results added
        to the one `testExecutionKey` names."""
        return await _import(request, runtime, key, "xray", flavor)

    return import_xray_json


def _formatted(flavor: str) -> Endpoint:
    async def import_format(
        request: Request, runtime: RuntimeDep, key: XrayKey, format: FormatName, _params: FormatParams
    ) -> JSONResponse:
        """Results of a test runner: JUnit, TestNG, NUnit and xUnit.net XML, Robot Framework output.xml,
        Cucumber or Behave JSON. Tests are found by key (properties, tags) or by full name, else created."""
        return await _import(request, runtime, key, format.value, flavor)

    return import_format


def _bundle(flavor: str) -> Endpoint:
    async def import_bundle(request: Request, runtime: RuntimeDep, key: XrayKey, _params: FormatParams) -> JSONResponse:
        """A zip of Cucumber JSON results (other files in it become attachments), or one Cucumber JSON file."""
        return await _import(request, runtime, key, "bundle", flavor)

    return import_bundle


def _add_import_routes(base: str, flavor: str, tag: str, shown: bool) -> None:
    responses = _CLOUD_RESPONSES if flavor == "cloud" else _SERVER_RESPONSES
    common: dict[str, Any] = {
        "methods": ["POST"],
        "tags": [tag],
        "include_in_schema": shown,
        "responses": responses,
        "openapi_extra": _RESULTS_DOC,
    }
    router.add_api_route(f"{base}", _xray_json(flavor), summary="Import Xray JSON results", **common)
    router.add_api_route(
        f"{base}/multipart",
        _xray_json(flavor),
        summary="Import Xray JSON results with the Test Execution's fields (multipart)",
        **common,
    )
    if flavor != "cloud":
        router.add_api_route(
            f"{base}/bundle", _bundle(flavor), summary="Import a zip of Cucumber JSON results", **common
        )
    router.add_api_route(f"{base}/{{format}}", _formatted(flavor), summary="Import a test runner's results", **common)
    router.add_api_route(
        f"{base}/{{format}}/multipart",
        _formatted(flavor),
        summary="Import a test runner's results with Jira fields (multipart)",
        **common,
    )


for _version in ("1.0", "2.0", "latest"):
    for _api in ("", "/api"):
        # 1.0 and 2.0 are on the API page; /latest and the /api/ forms are aliases clients use.
        _add_import_routes(
            f"/rest/raven/{_version}{_api}/import/execution",
            "server2" if _version == "2.0" else "server1",
            SERVER_TAG,
            shown=_api == "" and _version != "latest",
        )
for _version in ("v1", "v2"):
    _add_import_routes(f"/api/{_version}/import/execution", "cloud", CLOUD_TAG, shown=_version == "v2")


_MAX_CREDENTIALS = 64 * 1024


async def authenticate(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Trade `{"client_id", "client_secret"}` (JSON or form-encoded) for a bearer token: a JSON string.

    The client secret is an Assay API key; the client id is any name. The token (a signed JWT) is
    valid for 24 hours, or until its API key is revoked.
    """
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_CREDENTIALS:
            raise InvalidInputError("the request body is too large for credentials")
    client_id, client_secret = _credentials(body)
    if not client_secret:
        raise InvalidInputError(
            'client_secret is required: send {"client_id": "...", "client_secret": "<API key>"}', code="no_credentials"
        )
    with read_transaction(runtime.engine) as connection:
        token = issue_token(connection, secret_key(runtime.settings), client_id, client_secret)
    return JSONResponse(token)


def _credentials(body: bytes) -> tuple[str | None, str | None]:
    """client_id and client_secret from a JSON object or a form-encoded body (clients send either)."""
    text = body.decode("utf-8", "replace").strip().removeprefix("\ufeff")
    if text.startswith("{"):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise InvalidInputError(f"the body is not valid JSON: {error}", code="bad_credentials") from None
        if not isinstance(data, dict):
            raise InvalidInputError("the body must be a JSON object", code="bad_credentials")
        return _str(data.get("client_id")), _str(data.get("client_secret"))
    form = urllib.parse.parse_qs(text)
    return _str(form.get("client_id", [""])[-1]), _str(form.get("client_secret", [""])[-1])


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


_AUTH_DOC = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}},
                }
            },
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}},
                }
            },
        }
    }
}
for _version in ("v1", "v2"):
    router.add_api_route(
        f"/api/{_version}/authenticate",
        authenticate,
        methods=["POST"],
        tags=[CLOUD_TAG],
        summary="Get a bearer token (client_secret: an Assay API key)",
        include_in_schema=_version == "v2",
        openapi_extra=_AUTH_DOC,
        responses={
            200: {"description": "The token, as a JSON string."},
            400: {"description": '`{"error": "..."}`: no client_secret.'},
            401: {"description": '`{"error": "..."}`: the client_secret is not a valid API key.'},
        },
    )
