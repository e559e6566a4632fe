"""Xray-compatible imports: a Test Execution is a report with its key, a Test is a catalog Test, a
Test Run is the results of one Test in one report.

`import_execution` chooses where the results go (the Test Execution a key names, or a new one in
the project the request names), then runs the one import orchestrator (services.imports.run_import)
with the Xray layout (services._xray_layout), which links Tests, merges into an existing execution
and applies the execution's fields, all in the import's transaction.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, select

from assay.errors import AssayError, ConflictError, InvalidInputError, NotFoundError
from assay.services._xray_info import ExecutionInfo, fields_for_tests, from_info_part, from_params
from assay.services._xray_layout import XrayLayout
from assay.services.api_keys import ApiKey
from assay.services.catalog import ISSUE_KEY
from assay.services.imports import ImportRequest, UploadedFile, run_import
from assay.services.projects import DEFAULT_PROJECT_KEY, create_profile, get_project
from assay.services.runtime import Runtime
from assay.store import read_transaction, tables, write_transaction

# The formats of Xray's `import/execution/{format}` endpoints, by their names in Xray's paths.
FORMATS = ("cucumber", "behave", "junit", "testng", "nunit", "xunit", "robot")

__all__ = ["FORMATS", "XrayExecution", "XrayImport", "import_execution"]


@dataclass
class XrayImport:
    """One import request of the Xray API, as its endpoint received it."""

    format: str  # "xray" (Xray JSON), one of FORMATS, or "bundle" (a zip or JSON of Cucumber results)
    files: list[UploadedFile]
    params: dict[str, str] = field(default_factory=dict)  # query: projectKey, testExecKey, testPlanKey...
    info: str | None = None  # multipart `info`: Jira fields of a new Test Execution
    test_info: str | None = None  # multipart `testInfo`: Jira fields of the Tests the import creates


@dataclass
class XrayExecution:
    """What an import did: the Test Execution it wrote and the Tests it linked (and created)."""

    import_id: str
    report_id: str
    key: str
    tests: list[dict[str, Any]]
    created: list[str]
    added_to_existing: bool


def import_execution(runtime: Runtime, request: XrayImport, api_key: ApiKey) -> XrayExecution:
    """Import an Xray request's results.

    Raises InvalidInputError for no results, a bad info part, an unknown project, an unknown
    testExecutionKey / testKey, evidence that is not base64 or a file that is not of its format
    (the failure is kept as a failed import job whenever the project could be told), and nothing
    is stored.
    """
    if not request.files:
        raise InvalidInputError(
            "no execution results were provided: send them as the request body or as a multipart part "
            "named file, result or results",
            code="no_file",
        )
    fmt = "cucumber" if request.format == "bundle" else request.format
    info = from_params(request.params)
    info.merge(from_info_part(request.info))
    new_test_fields = fields_for_tests(request.test_info)
    first_test_key = None
    if fmt == "xray":
        header = _xray_header(request.files[0])
        if info.execution_key is None:
            info.execution_key = _text(header.get("testExecutionKey"))
        header_info = header.get("info")
        if info.project is None and isinstance(header_info, dict):
            info.project = _text(header_info.get("project"))
        first_test_key = _first_test_key(header.get("tests"))
    with read_transaction(runtime.engine) as connection:
        project_id, profile_id = _target(connection, info, first_test_key, api_key)
    if profile_id is None:
        profile_id = _default_profile(runtime, project_id)
    layout = XrayLayout(fmt, project_id, info, api_key.may_reach, new_test_fields)
    outcome = run_import(
        runtime,
        ImportRequest(profile_id=profile_id, files=request.files, format=fmt, api="xray", layout=layout),
        api_key,
    )
    if not outcome.ok:
        assert outcome.error is not None
        raise outcome.error
    assert outcome.report is not None
    return XrayExecution(
        import_id=outcome.import_id,
        report_id=outcome.report["id"],
        key=outcome.report["key"],
        tests=layout.tests,
        created=layout.created,
        added_to_existing=outcome.report["id"] != outcome.import_id,
    )


def _text(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def _xray_header(upload: UploadedFile) -> dict[str, Any]:
    """The Xray JSON document's top-level fields, to know where it goes before it is imported.

    Anything unreadable gives {}: the xray format then reports the precise problem.
    """
    try:
        data = orjson.loads(upload.path.read_bytes().removeprefix(codecs.BOM_UTF8))
    except (orjson.JSONDecodeError, OSError):
        return {}
    return data if isinstance(data, dict) else {}


def _first_test_key(tests: Any) -> str | None:
    for test in tests if isinstance(tests, list) else []:
        if isinstance(test, dict) and (key := _text(test.get("testKey"))):
            return key
    return None


def _target(
    connection: Connection, info: ExecutionInfo, first_test_key: str | None, api_key: ApiKey
) -> tuple[int, int | None]:
    """(project id, profile id or None) the import goes to; an unknown execution key leaves it to the layout.

    The project: the Test Execution's, else the one named (projectKey, info's project, by key or
    numeric id), else the first Test key's, else the API key's, else the default project DEMO.
    """
    if info.execution_key:
        row = connection.execute(
            select(tables.report.c.project_id, tables.report.c.profile_id).where(
                tables.report.c.key == info.execution_key.upper()
            )
        ).first()
        if row is not None and api_key.may_reach(row.project_id):
            return row.project_id, row.profile_id
    project = _named_project(connection, info.project, api_key)
    if project is None and first_test_key and (match := ISSUE_KEY.match(first_test_key.upper())):
        project = _named_project(connection, match.group(1), api_key, required=False)
    if project is None and api_key.project_id is not None:
        project = get_project(connection, api_key.project_id)
    if project is None:
        project = _named_project(connection, DEFAULT_PROJECT_KEY, api_key, required=False)
    if project is None:
        raise InvalidInputError("projectKey is required: name the project of the Test Execution", code="no_project")
    profile = connection.execute(
        select(tables.profile.c.id).where(tables.profile.c.project_id == project["id"]).order_by(tables.profile.c.id)
    ).first()
    return project["id"], profile.id if profile else None


def _named_project(
    connection: Connection, name: str | None, api_key: ApiKey, required: bool = True
) -> dict[str, Any] | None:
    if not name:
        return None
    try:
        project = get_project(connection, name.strip())
    except NotFoundError:
        project = None
    if project is None or not api_key.may_reach(project["id"]):
        if required:
            raise InvalidInputError(f"project {name} does not exist", code="unknown_project")
        return None
    return project


def _default_profile(runtime: Runtime, project_id: int) -> int:
    """A project made through the API may have no profile yet: Xray imports go to one named Default."""
    try:
        with write_transaction(runtime.engine) as connection:
            return int(create_profile(connection, project_id, "Default")["id"])
    except ConflictError:  # another import made it first
        with read_transaction(runtime.engine) as connection:
            row = connection.execute(
                select(tables.profile.c.id)
                .where(tables.profile.c.project_id == project_id)
                .order_by(tables.profile.c.id)
            ).first()
        if row is None:
            raise AssayError("could not choose a profile for the Xray import", code="internal_error") from None
        return int(row.id)
