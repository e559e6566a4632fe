"""Where Assay's errors become JSON answers: status from assay/http_status.py, body shape per API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assay.errors import AssayError, AuthenticationError, InvalidInputError
from assay.http_status import status_for

logger = logging.getLogger("assay.api")

def error_body(error: AssayError, request: Request | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error.as_dict()}
    # Import endpoints answer in Calliope's import shape even when they fail before a job exists.
    if request is not None and getattr(request.state, "import_api", False):
        body = {"import_id": getattr(request.state, "import_id", None), "import_status": 1, **body}
    return body


# Compatible APIs whose clients expect their own error answers, by path prefix: (error, status) -> (status, body).
ErrorShape = Callable[[AssayError, int], tuple[int, dict[str, Any]]]
_SHAPES: list[tuple[str, ErrorShape]] = []


def register_error_shape(prefix: str, shape: ErrorShape) -> None:
    """Errors on paths under `prefix` answer as `shape` says (e.g. Xray's `{"error": "..."}`)."""
    if (prefix, shape) not in _SHAPES:
        _SHAPES.append((prefix, shape))


def _shaped(request: Request | None, error: AssayError, status: int) -> JSONResponse | None:
    path = request.url.path if request is not None else ""
    for prefix, shape in _SHAPES:
        if path.startswith(prefix):
            code, body = shape(error, status)
            return JSONResponse(body, status_code=code)
    return None


def error_response(error: AssayError, request: Request | None = None) -> JSONResponse:
    if (shaped := _shaped(request, error, status_for(error))) is not None:
        return shaped
    headers = {"WWW-Authenticate": 'ApiKey header="x-api-key"'} if isinstance(error, AuthenticationError) else None
    return JSONResponse(error_body(error, request), status_code=status_for(error), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssayError)
    async def _assay_error(request: Request, error: AssayError) -> JSONResponse:
        return error_response(error, request)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in item.get('loc', ()) if p != 'body')}: {item.get('msg')}"
            for item in error.errors()
        ]
        wrapped = InvalidInputError("invalid request: " + "; ".join(problems), code="invalid_request")
        return error_response(wrapped, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # A bug, not bad input: say so plainly (the traceback goes to the server log), in the same shape.
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        wrapped = AssayError(f"internal error ({type(error).__name__}); see the server log", code="internal_error")
        if (shaped := _shaped(request, wrapped, 500)) is not None:
            return shaped
        return JSONResponse(error_body(wrapped, request), status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        if (shaped := _shaped(request, AssayError(str(error.detail), code=code), error.status_code)) is not None:
            return shaped
        return JSONResponse(
            {"error": {"code": code, "message": str(error.detail)}},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )
