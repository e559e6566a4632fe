"""CTRF JSON: the Common Test Report Format (ctrf.io), spec 0.0.x and 1.0.

Written by the ctrf-io reporters (jest-, playwright-, cypress-, mocha-, wdio-ctrf-json-reporter,
go-ctrf-json-reporter, junit-to-ctrf...) and others. Shape: `{reportFormat: "CTRF", specVersion,
reportId, timestamp, generatedBy, results: {tool: {name, version}, summary: {tests, passed...,
start, stop}, tests: [...], environment: {reportName, appName, buildName, buildNumber, osPlatform
...}, extra}}`; a test is `{name, status (passed|failed|skipped|pending|other), duration (ms),
start, stop, suite, message, trace, snippet, rawStatus, tags, labels, type, filePath, line,
retries, flaky, retryAttempts, stdout, stderr, browser, device, screenshot (base64), parameters,
steps: [{name, status}], attachments: [{name, contentType, path}], extra}`.

`suite` is an array of suite names (spec 1.0) or one string joined with " > " (the 0.0.x
reporters: "cart.test.js > Cart > add"); either becomes nested Containers ("Suite").
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
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "pending": Status.SKIPPED,
    "other": Status.UNKNOWN,
}
# rawStatus values (the runner's own word) that mean an error outside an assertion.
_BROKEN_RAW = frozenset({"timedout", "interrupted", "error", "broken", "crashed"})
# Test fields read into the Result; the rest of a test is kept in json_data.
_TEST_FIELDS = frozenset({
    "name", "status", "duration", "suite", "message", "trace", "tags", "labels", "retries", "flaky",
    "retryAttempts", "stdout", "stderr", "screenshot", "steps", "attachments", "id",
})
_ENV_BUILD = ("buildNumber", "buildName", "buildId")
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)?;base64,")


# -- sniff ----------------------------------------------------------------------------------------

_CTRF_MARK = re.compile(rb'"reportFormat"\s*:\s*"CTRF"')
_RESULTS = re.compile(rb'"results"\s*:\s*\{')
_TOOL = re.compile(rb'"tool"\s*:\s*\{')


def sniff(head: bytes) -> float:
    """0.95 with `"reportFormat": "CTRF"`; 0.9 for a "results" object holding a "tool" object."""
    text = j.json_head(head)
    if text is None:
        return 0.0
    if _CTRF_MARK.search(text):
        return 0.95
    results = _RESULTS.search(text)
    return 0.9 if results and _TOOL.search(text, results.end()) else 0.0


# -- parse ----------------------------------------------------------------------------------------

def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a ReportMeta, then each test's suite Containers (once) and its Result.

    Raises ParseError for invalid JSON, a document without a "results" object holding a
    "tests" array, a field of the wrong shape (naming its JSON path) or a screenshot that is
    not base64.
    """
    data = j.expect_object(j.load(stream.read(), "CTRF JSON"), "")
    if not isinstance(data.get("results"), dict):
        raise ParseError('not a CTRF file: the document has no "results" object')
    results = data["results"]
    if not isinstance(results.get("tests"), list):
        raise ParseError('not a CTRF file: "results" has no "tests" array', path="results.tests")
    yield _meta(data, results)
    suites: dict[tuple[str, ...], Container] = {}
    for index, (test, where) in enumerate(j.obj_list(results, "tests", "results")):
        path = _suite(test.get("suite"), j.join(where, "suite"))
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in suites:
                suites[key] = Container(title=key[-1], classification="Suite", parent=suites.get(key[:-1]))
                yield suites[key]
        yield _result(test, where, index, suites.get(path))


def _meta(data: dict[str, Any], results: dict[str, Any]) -> ReportMeta:
    tool = j.opt_object(results, "tool", "results")
    summary = j.opt_object(results, "summary", "results")
    environment = j.opt_object(results, "environment", "results")
    properties: dict[str, Any] = {}
    for key in ("reportId", "specVersion", "generatedBy", "timestamp", "runId"):
        if isinstance(data.get(key), str):
            properties[key] = data[key]
    if tool.get("name") is not None:
        properties["tool"] = j.text(tool.get("name"), "results.tool.name")
    if tool.get("version") is not None:
        properties["tool_version"] = j.text(tool.get("version"), "results.tool.version")
    properties.update({k: v for k, v in environment.items() if v is not None and k != "reportName"})
    build = next((environment[k] for k in _ENV_BUILD if environment.get(k) not in (None, "")), None)
    started, stopped = j.epoch_ms(summary.get("start")), j.epoch_ms(summary.get("stop"))
    duration = j.milliseconds(summary.get("duration"))
    if duration is None and started and stopped and stopped >= started:
        duration = round((stopped - started).total_seconds() * 1000)
    return ReportMeta(
        title=j.text(environment.get("reportName"), "results.environment.reportName"),
        started_at=started,
        finished_at=stopped,
        duration=duration,
        properties=properties,
        build=j.text(build, "results.environment.build"),
        os=j.text(environment.get("osPlatform"), "results.environment.osPlatform"),
    )


def _suite(value: Any, where: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(" > ") if part.strip())
    if isinstance(value, list):
        return tuple(j.text(part, j.join(where, i)) or "" for i, part in enumerate(value) if part not in (None, ""))
    raise j.fail(where, "an array of suite names or a string", value)


def _status(test: dict[str, Any], where: str) -> Status:
    raw = (j.text(test.get("status"), j.join(where, "status")) or "").strip().lower()
    status = _STATUSES.get(raw, Status.UNKNOWN)
    runner = (j.text(test.get("rawStatus"), j.join(where, "rawStatus")) or "").strip().lower()
    if status == Status.FAILED and runner in _BROKEN_RAW:
        return Status.BROKEN
    return status


def _result(test: dict[str, Any], where: str, index: int, container: Container | None) -> Result:
    message = j.text(test.get("message"), j.join(where, "message"))
    trace = j.text(test.get("trace"), j.join(where, "trace"))
    status = _status(test, where)
    name, description = j.describe_error(message, trace) if message or trace else (None, None)
    result = Result(
        title=j.text(test.get("name"), j.join(where, "name")) or f"test {index + 1}",
        status=status,
        container=container,
        duration=j.milliseconds(test.get("duration")),
        exception_name=name,
        exception_description=description,
        exception_backtrace=trace,
        stdout=j.text(test.get("stdout"), j.join(where, "stdout")),
        stderr=j.text(test.get("stderr"), j.join(where, "stderr")),
        tags=[(j.text(tag, j.join(j.join(where, "tags"), i)) or "").removeprefix("@")
              for i, tag in enumerate(j.opt_list(test, "tags", where))],
        properties=j.opt_object(test, "labels", where),
        flaky=test.get("flaky") is True,
        steps=_steps(test, where),
        assets=_assets(test, where),
        json_data={k: v for k, v in test.items() if k not in _TEST_FIELDS and v is not None},
    )
    result.attempts = _attempts(test, where, status)
    retries = test.get("retries")
    if isinstance(retries, int) and not isinstance(retries, bool) and retries > 0:
        result.json_data["retries"] = retries
        if not result.attempts:  # the 0.0.x reporters count retries but do not describe them
            result.attempts = [{"status": "failed"} for _ in range(retries)]
    return result


def _attempts(test: dict[str, Any], where: str, status: Status) -> list[dict[str, Any]]:
    """Earlier tries (spec 1.0 `retryAttempts`); the last try, the one the test reports, is left out."""
    tries = j.obj_list(test, "retryAttempts", where)
    if tries:
        last = tries[-1][0]
        if _STATUSES.get(str(last.get("status", "")).lower()) == status:
            tries = tries[:-1]
    attempts = []
    for item, at in tries:
        attempt: dict[str, Any] = {"status": j.text(item.get("status"), j.join(at, "status")) or "unknown"}
        for key in ("message", "trace", "duration", "attempt"):
            if item.get(key) is not None:
                attempt[key] = item[key]
        attempts.append(attempt)
    return attempts


def _steps(test: dict[str, Any], where: str) -> list[Step]:
    steps = []
    for position, (item, at) in enumerate(j.obj_list(test, "steps", where)):
        raw = (j.text(item.get("status"), j.join(at, "status")) or "").lower()
        extra = item.get("extra")
        steps.append(Step(
            title=j.text(item.get("name"), j.join(at, "name")) or f"Step {position + 1}",
            status=_STATUSES.get(raw, Status.UNKNOWN),
            data=extra if isinstance(extra, dict) and extra else None,
        ))
    return steps


def _assets(test: dict[str, Any], where: str) -> list[Asset]:
    assets = []
    for item, at in j.obj_list(test, "attachments", where):
        path = j.text(item.get("path"), j.join(at, "path"))
        name = j.text(item.get("name"), j.join(at, "name"))
        if not path:
            continue  # an attachment with no file behind it has nothing to keep
        assets.append(Asset(
            name=j.basename(path) if path else name or "attachment",
            path=path,
            mime_type=j.text(item.get("contentType"), j.join(at, "contentType")),
            tag=name if path else None,
        ))
    screenshot = test.get("screenshot")
    if screenshot:
        mime = "image/png"
        # Some reporters write a data URI ("data:image/jpeg;base64,...") rather than bare base64.
        if isinstance(screenshot, str) and (match := _DATA_URI.match(screenshot)):
            mime, screenshot = match.group(1) or mime, screenshot[match.end():]
        data = j.b64decode(screenshot, j.join(where, "screenshot"))
        extension = mime.rsplit("/", 1)[-1]
        assets.append(Asset(name=f"screenshot.{extension}", data=data, mime_type=mime, tag="screenshot"))
    return assets


FORMAT = Format(
    name="ctrf",
    origin="ctrf_json",
    title="CTRF JSON",
    sniff_fn=sniff,
    parse=parse,
    aliases=("ctrf_json", "ctrf-json"),
    filenames=("*ctrf*.json", "*.json"),
    mimetypes=("application/json",),
    priority=0.5,
)
