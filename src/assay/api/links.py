"""Absolute links the API hands out (report pages, asset downloads)."""

from __future__ import annotations

from starlette.requests import Request

from assay.services.runtime import Runtime


def base_url(request: Request, runtime: Runtime) -> str:
    configured = runtime.settings.base_url.rstrip("/")
    return configured or str(request.base_url).rstrip("/")


def report_url(request: Request, runtime: Runtime, report_id: str) -> str:
    return f"{base_url(request, runtime)}/reports/{report_id}"


def asset_url(request: Request, runtime: Runtime, asset_id: str) -> str:
    return f"{base_url(request, runtime)}/api/v2/asset/{asset_id}"
