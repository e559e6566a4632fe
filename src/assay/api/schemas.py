"""Pydantic schemas of the native API and of the Calliope-compatible answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Counts(BaseModel):
    count_total: int = 0
    count_passed: int = 0
    count_failed: int = 0
    count_broken: int = 0
    count_skipped: int = 0
    count_unknown: int = 0


class ImportedReport(Counts):
    id: str
    key: str = Field(description="The report's key, e.g. DEMO-12 (an Xray test execution / QMetry test cycle).")
    url: str = Field(description="The report's web page.")
    origin: str = Field(description="The format the results came in, e.g. junit_xml.")


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable error code, e.g. parse_error, unknown_format, empty_report.")
    message: str = Field(description="What went wrong, with line and column for XML.")

    model_config = {"extra": "allow"}


class ImportResponse(BaseModel):
    import_id: str | None = Field(description="The import job; its log: GET /api/v2/import/{import_id}.")
    import_status: int = Field(description="0: imported; 1: failed (see error).")
    report: ImportedReport | None = None
    error: ErrorDetail | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ReportRead(Counts):
    id: str
    key: str | None
    url: str
    profile_id: int | None
    import_id: str | None
    import_status: int
    date: datetime | None
    origin: str | None
    title: str | None
    build: str | None
    os: str | None
    platform: str | None
    tags: list[str]
    created_at: datetime | None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class ProjectCreate(BaseModel):
    key: str = Field(description="Upper-case key that prefixes report and test keys, e.g. DEMO.")
    name: str
    description: str | None = None


class ProjectRead(BaseModel):
    id: int
    key: str
    name: str
    description: str | None = None
    created_at: datetime


class ProfileCreate(BaseModel):
    name: str = Field(description='A stream of comparable reports, e.g. "Android nightly".')


class ProfileRead(BaseModel):
    id: int
    project_id: int
    name: str
    created_at: datetime


class ImportJobRead(BaseModel):
    id: str
    import_status: int | None = Field(description="0 success, 1 failed, None while running.")
    status: str = Field(description="queued, running, success or failed.")
    stage: str | None
    api: str
    profile_id: int | None
    requested_format: str | None
    detected_format: str | None = None
    options: dict[str, Any]
    files: list[dict[str, Any]]
    log: list[dict[str, Any]]
    error_code: str | None
    error: dict[str, Any] | None
    report_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
