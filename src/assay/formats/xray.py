"""Xray JSON: the import format of Xray (test management for Jira), Cloud and Server/Data Center.

Shape: `{testExecutionKey?, info?: {project, summary, description, version, revision, user,
startDate, finishDate, testPlanKey, testEnvironments}, tests: [...]}`; each test is `{testKey?,
testInfo?: {summary, type|testType, projectKey, steps: [{action, data, result}], labels,
definition...}, start, finish, comment, status, evidence|evidences: [{data, filename, contentType}],
steps: [{status, comment, actualResult, evidence|evidences, defects}], examples: [status...],
iterations: [{name, parameters, log, status, steps}], defects, customFields}`.

Statuses: Server/DC writes PASS/FAIL/TODO/EXECUTING/ABORTED, Cloud PASSED/FAILED/TODO/EXECUTING;
anything else is a custom status (UNKNOWN). The status as written is kept in
`json_data["xray_status"]`. The test's own status counts, not its steps or iterations (Xray
lets the importer state it). The payload is written by scripts and CI plugins (the official
samples in Xray-App/xray-code-snippets, cypress-xray-plugin), not by a test runner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _json_input as j
from assay.formats.registry import Format
from assay.model import Asset, Container, Event, ReportMeta, Result, Status, Step

__all__ = ["FORMAT", "parse", "sniff"]

_STATUSES = {
    "PASS": Status.PASSED,
    "PASSED": Status.PASSED,
    "FAIL": Status.FAILED,
    "FAILED": Status.FAILED,
    "TODO": Status.UNKNOWN,
    "EXECUTING": Status.UNKNOWN,
    "ABORTED": Status.BROKEN,
    # Not Xray's own statuses, but custom ones many instances define (and pytest plugins send).
    "SKIP": Status.SKIPPED,
    "SKIPPED": Status.SKIPPED,
}
_INFO_PROPERTIES = ("project", "version", "revision", "user", "testPlanKey", "testEnvironments")
# Test fields read into the Result; every other field of a test is kept in json_data.
_TEST_FIELDS = frozenset({
    "testKey", "testInfo", "start", "finish", "comment", "status", "evidence", "evidences", "steps",
    "iterations",
})


# -- sniff ----------------------------------------------------------------------------------------

_TESTS = re.compile(rb'"tests"\s*:\s*\[')
_XRAY_KEYS = re.compile(rb'"(?:testExecutionKey|testKey|testInfo|info)"\s*:')
# Keys of the other JSON formats that also have "tests" (pytest-json-report, mocha, CTRF, Calliope).
_FOREIGN = re.compile(rb'"(?:nodeid|fullTitle|reportFormat|containers|numTotalTests|specs|collectors)"\s*:')


def sniff(head: bytes) -> float:
    """0.9 for an object with a "tests" array and an Xray key (testExecutionKey, info, testKey, testInfo)."""
    text = j.json_head(head)
    if text is None or not _TESTS.search(text) or not _XRAY_KEYS.search(text) or _FOREIGN.search(text):
        return 0.0
    return 0.9


# -- parse ----------------------------------------------------------------------------------------

def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a ReportMeta (from `info` and `testExecutionKey`), then one Result per test.

    Results sit at the top unless testInfo names a folder. Raises ParseError for invalid JSON,
    a document without a "tests" array, a field of the wrong shape (naming its JSON path, e.g.
    `tests[2].steps[0]`) or evidence that is not base64.
    """
    data = j.expect_object(j.load(stream.read(), "Xray JSON"), "")
    if not isinstance(data.get("tests"), list):
        raise ParseError('not an Xray JSON file: the document has no "tests" array')
    meta = _meta(data)
    if meta is not None:
        yield meta
    folders: dict[tuple[str, ...], Container] = {}
    for index, (test, where) in enumerate(j.obj_list(data, "tests", "")):
        result = _result(test, where, index)
        folder = _folder(j.opt_object(test, "testInfo", where), j.join(where, "testInfo"))
        if folder:
            yield from _open_folders(folder, folders)
            result.container = folders[folder]
        yield result


def _meta(data: dict[str, Any]) -> ReportMeta | None:
    info = j.opt_object(data, "info", "")
    key = j.text(data.get("testExecutionKey"), "testExecutionKey")
    if not info and key is None:
        return None
    properties: dict[str, Any] = {}
    if key:
        properties["testExecutionKey"] = key
    for name in _INFO_PROPERTIES:
        value = info.get(name)
        if value not in (None, "", []):
            properties[name] = value
    return ReportMeta(
        title=j.text(info.get("summary"), "info.summary"),
        description=j.text(info.get("description"), "info.description"),
        started_at=j.iso_date(info.get("startDate")),
        finished_at=j.iso_date(info.get("finishDate")),
        properties=properties,
    )


def _status_of(value: Any, where: str) -> tuple[Status, str | None]:
    """(Assay status, the Xray status name as written); a missing status is UNKNOWN."""
    name = j.text(value, where)
    if name is None or not name.strip():
        return Status.UNKNOWN, None
    return _STATUSES.get(name.strip().upper(), Status.UNKNOWN), name


def _result(test: dict[str, Any], where: str, index: int) -> Result:
    info = j.opt_object(test, "testInfo", where)
    info_where = j.join(where, "testInfo")
    key = j.text(test.get("testKey"), j.join(where, "testKey"))
    summary = j.text(info.get("summary"), j.join(info_where, "summary"))
    status, xray_status = _status_of(test.get("status"), j.join(where, "status"))
    definitions = j.obj_list(info, "steps", info_where)
    start, finish = test.get("start"), test.get("finish")
    result = Result(
        title=summary or key or f"test {index + 1}",
        status=status,
        test_key=key,
        description=j.text(test.get("comment"), j.join(where, "comment")),
        duration=_duration(start, finish),
        steps=_steps(test, where, definitions) + _iterations(test, where, definitions),
        assets=_evidence(test, where),
        tags=_labels(info, info_where),
    )
    extra: dict[str, Any] = {k: v for k, v in test.items() if k not in _TEST_FIELDS and v is not None}
    if xray_status is not None:
        extra["xray_status"] = xray_status
    for name in ("start", "finish"):
        if isinstance(test.get(name), str):
            extra[name] = test[name]
    if info:
        extra["testInfo"] = info
    if test.get("iterations"):
        extra["iterations"] = [_iteration_summary(item) for item in test["iterations"]]
    result.json_data = extra
    _failure(result)
    if result.exception_description is None and result.status in (Status.FAILED, Status.BROKEN):
        result.exception_description = result.description  # "Execution failed. Example #5 FAIL."
    return result


def _duration(start: Any, finish: Any) -> int | None:
    begun, ended = j.iso_date(start), j.iso_date(finish)
    if begun is None or ended is None or ended < begun:
        return None
    return round((ended - begun).total_seconds() * 1000)


def _labels(info: dict[str, Any], where: str) -> list[str]:
    labels = info.get("labels")
    if labels is None:
        return []
    if isinstance(labels, str):  # Some payloads give one label as a string.
        return [labels]
    if not isinstance(labels, list):
        raise j.fail(j.join(where, "labels"), "an array of labels", labels)
    return [j.text(label, j.join(j.join(where, "labels"), i)) or "" for i, label in enumerate(labels)]


def _evidence(obj: dict[str, Any], where: str) -> list[Asset]:
    """Xray Server/DC calls the list `evidences`, Xray Cloud `evidence`; both may appear."""
    assets = []
    for key in ("evidences", "evidence"):
        for item, at in j.obj_list(obj, key, where):
            name = j.text(item.get("filename"), j.join(at, "filename")) or "evidence"
            mime = j.text(item.get("contentType"), j.join(at, "contentType"))
            assets.append(Asset(name=name, data=j.b64decode(item.get("data"), j.join(at, "data")), mime_type=mime))
    return assets


# testInfo's step definitions ({action, data, result}) with their JSON paths, by position.
Definitions = list[tuple[dict[str, Any], str]]


def _steps(obj: dict[str, Any], where: str, definitions: Definitions) -> list[Step]:
    steps = []
    for position, (item, at) in enumerate(j.obj_list(obj, "steps", where)):
        definition = definitions[position] if position < len(definitions) else ({}, "")
        steps.append(_step(item, at, position, definition))
    return steps


def _step(item: dict[str, Any], where: str, position: int, defined: tuple[dict[str, Any], str]) -> Step:
    definition, definition_where = defined
    status, xray_status = _status_of(item.get("status"), j.join(where, "status"))
    comment = j.text(item.get("comment"), j.join(where, "comment"))
    data: dict[str, Any] = {}
    for source, key, name in (
        (definition, "data", "data"),
        (definition, "result", "expectedResult"),
        (item, "actualResult", "actualResult"),
        (item, "defects", "defects"),
    ):
        if source.get(key) not in (None, "", []):
            data[name] = source[key]
    if xray_status is not None:
        data["xray_status"] = xray_status
    error = None
    if comment and status in (Status.FAILED, Status.BROKEN):
        error = comment
    elif comment:
        data["comment"] = comment
    action = j.text(definition.get("action"), j.join(definition_where, "action"))
    return Step(
        title=action or f"Step {position + 1}",
        status=status,
        error=error,
        data=data or None,
        assets=_evidence(item, where),
    )


def _iterations(test: dict[str, Any], where: str, definitions: Definitions) -> list[Step]:
    """Data-driven runs: one Step per iteration, holding its own step results."""
    steps = []
    for position, (item, at) in enumerate(j.obj_list(test, "iterations", where)):
        status, _ = _status_of(item.get("status"), j.join(at, "status"))
        log = j.text(item.get("log"), j.join(at, "log"))
        parameters = _parameters(item, at)
        data: dict[str, Any] = {}
        if parameters:
            data["parameters"] = parameters
        if log:
            data["log"] = log
        steps.append(Step(
            title=j.text(item.get("name"), j.join(at, "name")) or f"Iteration {position + 1}",
            status=status,
            error=log if status in (Status.FAILED, Status.BROKEN) else None,
            data=data or None,
            steps=_steps(item, at, definitions),
        ))
    return steps


def _parameters(item: dict[str, Any], where: str) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    for row, at in j.obj_list(item, "parameters", where):
        name = j.text(row.get("name"), j.join(at, "name"))
        if name is not None:
            parameters[name] = row.get("value")
    return parameters


def _iteration_summary(item: Any) -> Any:
    """An iteration for json_data: without its step results (those are Steps, evidence included)."""
    if not isinstance(item, dict):
        return item
    return {k: v for k, v in item.items() if k != "steps"}


def _failure(result: Result) -> None:
    """A failed test's message: the first failed step's (or iteration's) comment, actual result or title."""
    if result.status not in (Status.FAILED, Status.BROKEN):
        return
    steps = result.steps
    while failed := next((s for s in steps if s.status in (Status.FAILED, Status.BROKEN)), None):
        message = failed.error or (failed.data or {}).get("actualResult")
        if isinstance(message, str) and message:
            result.exception_description = message
            return
        if not any(s.status in (Status.FAILED, Status.BROKEN) for s in failed.steps):
            result.exception_description = failed.title
            return
        steps = failed.steps


# -- folders --------------------------------------------------------------------------------------

def _folder(info: dict[str, Any], where: str) -> tuple[str, ...]:
    """testInfo's repository folder (`folder` or `path`, "/"-separated), as its parts."""
    for key in ("folder", "path"):
        value = j.text(info.get(key), j.join(where, key))
        if value:
            return tuple(part for part in value.replace("\\", "/").split("/") if part.strip())
    return ()


def _open_folders(folder: tuple[str, ...], folders: dict[tuple[str, ...], Container]) -> Iterator[Container]:
    for depth in range(1, len(folder) + 1):
        key = folder[:depth]
        if key not in folders:
            parent = folders.get(folder[: depth - 1])
            folders[key] = Container(title=key[-1], classification="Folder", parent=parent)
            yield folders[key]


FORMAT = Format(
    name="xray",
    origin="xray_json",
    title="Xray JSON",
    sniff_fn=sniff,
    parse=parse,
    aliases=("xray_json", "xray-json"),
    filenames=("*.json",),
    mimetypes=("application/json",),
    priority=0.5,
)
