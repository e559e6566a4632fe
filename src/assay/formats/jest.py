"""Jest JSON: the aggregated results `jest --json` writes (Jest 24-30; Vitest's `--reporter=json`
and Bun's `bun test --reporter=json` write the same shape).

Shape: `{numTotalTests, numFailedTests..., startTime, success, wasInterrupted, testResults: [{name
(the test file's path), status, message, startTime, endTime, assertionResults: [{ancestorTitles,
title, fullName, status, duration, failureMessages, location, invocations, retryReasons}]}]}`.

Each test file becomes a Container ("File"), each `describe` block in `ancestorTitles` a nested
Container ("Describe"), each assertion result a Result. A file whose suite failed to run (a
syntax error, a missing module: status "failed", no assertion results, a `message`) becomes one
BROKEN result, so the failure is counted; so does a file that failed outside its tests (an
afterAll hook) while every test passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _json_input as j
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

__all__ = ["FORMAT", "parse", "sniff"]

_STATUSES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "pending": Status.SKIPPED,
    "skipped": Status.SKIPPED,
    "todo": Status.SKIPPED,
    "disabled": Status.SKIPPED,
}
SUITE_FAILED = "Test suite failed to run"
# Jest's suite-level message header: "  ● Test suite failed to run" / "  ● Cart › adds".
_BULLET = re.compile(r"^\s*●\s")


# -- sniff ----------------------------------------------------------------------------------------

_JEST_KEYS = re.compile(rb'"(?:numTotalTests|numTotalTestSuites|numFailedTestSuites)"\s*:')
_RESULTS = re.compile(rb'"(?:testResults|assertionResults)"\s*:\s*\[')


def sniff(head: bytes) -> float:
    """0.9 for an object with Jest's counters and testResults/assertionResults; 0.6 for assertionResults alone."""
    text = j.json_head(head)
    if text is None or not _RESULTS.search(text):
        return 0.0
    if _JEST_KEYS.search(text):
        return 0.9
    return 0.6 if b'"assertionResults"' in text else 0.0


# -- parse ----------------------------------------------------------------------------------------

def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a ReportMeta, then per test file its Container, its describe Containers and Results.

    Raises ParseError for invalid JSON, a document without "testResults", or a field of the
    wrong shape (naming its JSON path, e.g. `testResults[1].assertionResults[0].ancestorTitles`).
    """
    data = j.expect_object(j.load(stream.read(), "Jest JSON"), "")
    if not isinstance(data.get("testResults"), list):
        raise ParseError('not a Jest JSON file: the document has no "testResults" array')
    yield _meta(data)
    for index, (file, where) in enumerate(j.obj_list(data, "testResults", "")):
        yield from _file(file, where, index)


def _meta(data: dict[str, Any]) -> ReportMeta:
    properties: dict[str, Any] = {}
    for key in ("success", "wasInterrupted"):
        if isinstance(data.get(key), bool):
            properties[key] = data[key]
    return ReportMeta(started_at=j.epoch_ms(data.get("startTime")), properties=properties)


def _file(file: dict[str, Any], where: str, index: int) -> Iterator[Event]:
    name = j.text(file.get("name"), j.join(where, "name")) or f"test file {index + 1}"
    started, ended = file.get("startTime"), file.get("endTime")
    duration = None
    if isinstance(started, int | float) and isinstance(ended, int | float):
        duration = j.milliseconds(ended - started)
    container = Container(title=name, classification="File", duration=duration)
    yield container
    describes: dict[tuple[str, ...], Container] = {}
    failed = False
    for test, at in j.obj_list(file, "assertionResults", where):
        parent = container
        ancestors = _ancestors(test, at)
        for depth in range(1, len(ancestors) + 1):
            key = ancestors[:depth]
            if key not in describes:
                describes[key] = Container(title=key[-1], classification="Describe", parent=parent)
                yield describes[key]
            parent = describes[key]
        result = _result(test, at, parent)
        failed = failed or result.status in (Status.FAILED, Status.BROKEN)
        yield result
    message = j.strip_ansi(j.text(file.get("message"), j.join(where, "message")))
    status = j.text(file.get("status"), j.join(where, "status"))
    if status == "failed" and message and message.strip() and not failed:
        yield _suite_failure(message, container)


def _ancestors(test: dict[str, Any], where: str) -> tuple[str, ...]:
    at = j.join(where, "ancestorTitles")
    titles = j.opt_list(test, "ancestorTitles", where)
    # vitest writes the file level as an empty title ("ancestorTitles": ["", "cart"]): no container for it
    texts = (j.text(title, j.join(at, i)) for i, title in enumerate(titles))
    return tuple(text for text in texts if text and text.strip())


def _result(test: dict[str, Any], where: str, container: Container) -> Result:
    title = j.text(test.get("title"), j.join(where, "title")) or j.text(test.get("fullName"), where) or "(untitled)"
    raw = j.text(test.get("status"), j.join(where, "status"))
    status = _STATUSES.get((raw or "").lower(), Status.UNKNOWN)
    messages = [j.strip_ansi(j.text(m, j.join(j.join(where, "failureMessages"), i))) or ""
                for i, m in enumerate(j.opt_list(test, "failureMessages", where))]
    result = Result(
        title=title,
        status=status,
        container=container,
        duration=j.milliseconds(test.get("duration")),
        classname=j.text(test.get("fullName"), j.join(where, "fullName")),
    )
    if messages:
        trace = "\n\n".join(m for m in messages if m)
        result.exception_backtrace = trace or None
        result.exception_name, result.exception_description = j.describe_error(_message(messages[-1]), trace)
    if raw and raw.lower() not in ("passed", "failed"):
        result.json_data["jest_status"] = raw
    location = test.get("location")
    if isinstance(location, dict):
        result.json_data["location"] = location
    _retries(result, test, where)
    return result


def _message(trace: str) -> str | None:
    """A failure message without its stack: the lines before the first `    at ...` frame."""
    lines: list[str] = []
    for line in trace.splitlines():
        if line.lstrip().startswith("at ") and lines:
            break
        lines.append(line)
    return "\n".join(lines).strip() or None


def _retries(result: Result, test: dict[str, Any], where: str) -> None:
    """jest.retryTimes: `invocations` counts the runs; `retryReasons` (Jest 29+) holds earlier failures."""
    reasons = [j.strip_ansi(j.text(r, j.join(j.join(where, "retryReasons"), i)))
               for i, r in enumerate(j.opt_list(test, "retryReasons", where))]
    invocations = test.get("invocations")
    runs = invocations if isinstance(invocations, int) and not isinstance(invocations, bool) else 1
    earlier = max(runs - 1, len(reasons))
    if earlier <= 0:
        return
    result.attempts = [
        {"status": "failed", **({"message": _message(reasons[i] or "")} if i < len(reasons) else {})}
        for i in range(earlier)
    ]
    result.flaky = result.status == Status.PASSED


def _suite_failure(message: str, container: Container) -> Result:
    lines = [line for line in message.splitlines() if line.strip() and not _BULLET.match(line)]
    name, description = j.describe_error(lines[0] if lines else SUITE_FAILED)
    return Result(
        title=SUITE_FAILED,
        status=Status.BROKEN,
        container=container,
        exception_name=name,
        exception_description=description,
        exception_backtrace=message.strip("\n"),
    )


FORMAT = Format(
    name="jest",
    origin="jest_json",
    title="Jest JSON",
    sniff_fn=sniff,
    parse=parse,
    aliases=("jest_json", "jest-json", "vitest"),
    filenames=("*.json",),
    mimetypes=("application/json",),
    priority=0.5,
)
