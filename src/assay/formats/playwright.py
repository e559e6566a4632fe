"""Playwright JSON: the report of Playwright Test's `json` reporter (@playwright/test 1.x).

Shape: `{config: {version, projects: [{name}]...}, suites: [{title, file, line, specs, suites}],
errors: [{message, stack}], stats: {startTime, duration, expected, unexpected, flaky, skipped}}`;
a spec is `{title, ok, tags, file, line, tests: [...]}` with one test per project: `{projectName,
expectedStatus, status (expected|unexpected|flaky|skipped), annotations, results: [{status
(passed|failed|timedOut|skipped|interrupted), duration, retry, startTime, error: {message, stack},
errors, stdout, stderr: [{text}|{buffer}], attachments: [{name, contentType, path, body}], steps}]}`.

Each spec × project is one Result (its title gets " [project]" when the run has several
projects). The last result (the last retry) decides: a test that failed then passed is PASSED and
flaky, with the earlier tries in `attempts`; timedOut and interrupted are BROKEN; a test marked
test.fail() that fails is PASSED. Top-level files become "File" Containers, describe blocks
"Describe" Containers. Errors outside any test (`errors`: a file that fails to import, a failing
global setup) become BROKEN results titled "Global error". Messages lose their terminal colours.
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

MAX_DEPTH = 64
_RESULT_STATUSES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "timedOut": Status.BROKEN,
    "interrupted": Status.BROKEN,
    "skipped": Status.SKIPPED,
}
# Annotations Playwright itself adds; their description is a reason, not a property.
_REASONS = frozenset({"skip", "fixme", "fail", "slow"})


# -- sniff ----------------------------------------------------------------------------------------

_SUITES = re.compile(rb'"suites"\s*:\s*\[')
_SPECS = re.compile(rb'"specs"\s*:\s*\[')
_PW_KEYS = re.compile(rb'"(?:expectedStatus|projectName|projectId|rootDir|configFile)"\s*:')
_CONFIG_FIRST = re.compile(rb'^\{\s*"config"\s*:\s*\{')
_CONFIG_KEYS = re.compile(
    rb'"(?:configFile|rootDir|forbidOnly|fullyParallel|globalTimeout|preserveOutput|reportSlowTests)"\s*:'
)


def sniff(head: bytes) -> float:
    """0.9 for "suites" holding "specs" with a Playwright key (expectedStatus, projectName...), or for
    the reporter's leading "config" block with Playwright's config keys (it can fill a short head)."""
    text = j.json_head(head)
    if text is None:
        return 0.0
    if _SUITES.search(text) and _SPECS.search(text) and _PW_KEYS.search(text):
        return 0.9
    if _CONFIG_FIRST.match(text) and len(set(_CONFIG_KEYS.findall(text))) >= 3:
        return 0.9
    return 0.0


# -- parse ----------------------------------------------------------------------------------------

def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a ReportMeta, then the suite Containers and one Result per spec and project.

    Raises ParseError for invalid JSON, a document without a "suites" array, a field of the
    wrong shape (naming its JSON path, e.g. `suites[0].specs[2].tests[0].results`) or an
    attachment body that is not base64.
    """
    data = j.expect_object(j.load(stream.read(), "Playwright JSON"), "")
    if not isinstance(data.get("suites"), list):
        raise ParseError('not a Playwright JSON report: the document has no "suites" array')
    config = j.opt_object(data, "config", "")
    yield _meta(data, config)
    projects = {j.text(p.get("name"), j.join(at, "name")) for p, at in j.obj_list(config, "projects", "config")}
    several = len(projects) > 1
    for suite, where in j.obj_list(data, "suites", ""):
        yield from _suite(suite, where, None, 0, several)
    for index, (error, where) in enumerate(j.obj_list(data, "errors", "")):
        yield _global_error(error, where, index)


def _meta(data: dict[str, Any], config: dict[str, Any]) -> ReportMeta:
    stats = j.opt_object(data, "stats", "")
    properties: dict[str, Any] = {}
    if isinstance(config.get("version"), str):
        properties["playwright_version"] = config["version"]
    names = [p.get("name") for p, _ in j.obj_list(config, "projects", "config") if isinstance(p.get("name"), str)]
    if names:
        properties["projects"] = names
    shard = config.get("shard")
    if isinstance(shard, dict):
        properties["shard"] = f"{shard.get('current')}/{shard.get('total')}"
    return ReportMeta(
        started_at=j.iso_date(stats.get("startTime")),
        duration=j.milliseconds(stats.get("duration")),
        properties=properties,
    )


def _suite(suite: dict[str, Any], where: str, parent: Container | None, depth: int, several: bool) -> Iterator[Event]:
    if depth > MAX_DEPTH:
        raise ParseError(f"{where}: suites nested deeper than {MAX_DEPTH} levels", path=where)
    title = j.text(suite.get("title"), j.join(where, "title")) or j.text(suite.get("file"), j.join(where, "file"))
    container = parent
    if title:
        container = Container(title=title, classification="File" if depth == 0 else "Describe", parent=parent)
        yield container
    for spec, at in j.obj_list(suite, "specs", where):
        tests = j.obj_list(spec, "tests", at)
        names = {j.text(test.get("projectName"), j.join(test_at, "projectName")) for test, test_at in tests}
        for test, test_at in tests:
            yield _result(spec, at, test, test_at, container, several or len(names) > 1)
    for child, at in j.obj_list(suite, "suites", where):
        yield from _suite(child, at, container, depth + 1, several)


def _result(
    spec: dict[str, Any], spec_at: str, test: dict[str, Any], where: str, container: Container | None, suffix: bool
) -> Result:
    title = j.text(spec.get("title"), j.join(spec_at, "title")) or "(untitled)"
    project = j.text(test.get("projectName"), j.join(where, "projectName"))
    runs = j.obj_list(test, "results", where)
    last, last_at = runs[-1] if runs else ({}, where)
    status = _status(test, where, runs)
    result = Result(
        title=f"{title} [{project}]" if suffix and project else title,
        status=status,
        container=container,
        duration=j.milliseconds(last.get("duration")),
        classname=j.text(spec.get("file"), j.join(spec_at, "file")),
        tags=[(j.text(tag, j.join(j.join(spec_at, "tags"), i)) or "").removeprefix("@")
              for i, tag in enumerate(j.opt_list(spec, "tags", spec_at))],
        stdout=_output(last, "stdout", last_at),
        stderr=_output(last, "stderr", last_at),
        steps=_steps(last, last_at, 0),
        flaky=test.get("status") == "flaky",
    )
    _error(result, last, last_at)
    _annotations(result, test, where)
    for key in ("projectName", "expectedStatus", "status"):
        if isinstance(test.get(key), str):
            result.json_data[key] = test[key]
    for key in ("line", "column"):
        if isinstance(spec.get(key), int):
            result.json_data[key] = spec[key]
    if isinstance(last.get("startTime"), str):
        result.json_data["startTime"] = last["startTime"]
    result.attempts = [_attempt(run, at) for run, at in runs[:-1]]
    for run, at in runs:
        result.assets.extend(_attachments(run, at))
    return result


def _status(test: dict[str, Any], where: str, runs: list[tuple[dict[str, Any], str]]) -> Status:
    outcome = j.text(test.get("status"), j.join(where, "status"))
    if outcome == "skipped":
        return Status.SKIPPED
    if outcome == "flaky":
        return Status.PASSED
    last = j.text(runs[-1][0].get("status"), j.join(runs[-1][1], "status")) if runs else None
    expected = j.text(test.get("expectedStatus"), j.join(where, "expectedStatus")) or "passed"
    if outcome == "expected" or (outcome is None and last == expected):
        return Status.SKIPPED if last == "skipped" else Status.PASSED
    if last is None:
        return Status.UNKNOWN
    if last == "passed" and expected == "failed":
        return Status.FAILED  # test.fail() that passed
    return _RESULT_STATUSES.get(last, Status.UNKNOWN)


def _error(result: Result, run: dict[str, Any], where: str) -> None:
    """The last try's error; `errors` (all of them, soft assertions included) go to the backtrace."""
    error = run.get("error")
    errors = [e for e, _ in j.obj_list(run, "errors", where)]
    if error is None and errors:
        error = errors[0]
    if error is None:
        return
    error = j.expect_object(error, j.join(where, "error"))
    message = j.strip_ansi(j.text(error.get("message"), j.join(where, "error.message")))
    stack = j.strip_ansi(j.text(error.get("stack"), j.join(where, "error.stack")))
    result.exception_name, result.exception_description = j.describe_error(message, stack)
    traces = [stack or message or ""]
    for extra in errors[1:]:
        traces.append(j.strip_ansi(j.text(extra.get("stack") or extra.get("message"), j.join(where, "errors"))) or "")
    result.exception_backtrace = "\n\n".join(t for t in traces if t) or None


def _annotations(result: Result, test: dict[str, Any], where: str) -> None:
    for item, at in j.obj_list(test, "annotations", where):
        kind = j.text(item.get("type"), j.join(at, "type"))
        description = j.text(item.get("description"), j.join(at, "description"))
        if not kind:
            continue
        if kind in _REASONS:
            if description and result.status == Status.SKIPPED and not result.exception_description:
                result.exception_description = description
            result.json_data.setdefault("annotations", []).append({"type": kind, "description": description})
            continue
        previous = result.properties.get(kind)
        if previous is None:
            result.properties[kind] = description
        else:
            earlier = previous if isinstance(previous, list) else [previous]
            result.properties[kind] = [*earlier, description]


def _output(run: dict[str, Any], key: str, where: str) -> str | None:
    """stdout/stderr: chunks of `{text}` or `{buffer}` (base64 bytes a test wrote)."""
    chunks = []
    for index, item in enumerate(j.opt_list(run, key, where)):
        at = j.join(j.join(where, key), index)
        if isinstance(item, str):
            chunks.append(item)
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            chunks.append(item["text"])
        elif isinstance(item, dict) and "buffer" in item:
            chunks.append(j.b64decode(item["buffer"], j.join(at, "buffer")).decode("utf-8", errors="replace"))
        else:
            raise j.fail(at, "{text} or {buffer}", item)
    return j.strip_ansi("".join(chunks)) or None


def _attempt(run: dict[str, Any], where: str) -> dict[str, Any]:
    attempt: dict[str, Any] = {"status": j.text(run.get("status"), j.join(where, "status")) or "unknown"}
    if isinstance(run.get("retry"), int):
        attempt["retry"] = run["retry"]
    duration = j.milliseconds(run.get("duration"))
    if duration is not None:
        attempt["duration"] = duration
    error = run.get("error")
    if isinstance(error, dict):
        message = j.strip_ansi(j.text(error.get("message"), j.join(where, "error.message")))
        if message:
            attempt["message"] = message
    return attempt


def _attachments(run: dict[str, Any], where: str) -> list[Asset]:
    assets = []
    retry = run.get("retry")
    for item, at in j.obj_list(run, "attachments", where):
        name = j.text(item.get("name"), j.join(at, "name")) or "attachment"
        path = j.text(item.get("path"), j.join(at, "path"))
        mime = j.text(item.get("contentType"), j.join(at, "contentType"))
        tag = name if not retry else f"{name} (retry {retry})"
        if path:
            assets.append(Asset(name=j.basename(path), path=path, mime_type=mime, tag=tag))
        elif item.get("body") is not None:
            assets.append(Asset(name=name, data=j.b64decode(item["body"], j.join(at, "body")), mime_type=mime, tag=tag))
    return assets


def _steps(owner: dict[str, Any], where: str, depth: int) -> list[Step]:
    """test.step() blocks ({title, duration, error, steps}) of newer reporters."""
    if depth > MAX_DEPTH:
        return []
    steps = []
    for item, at in j.obj_list(owner, "steps", where):
        error = item.get("error")
        message = None
        if isinstance(error, dict):
            message = j.strip_ansi(j.text(error.get("message"), j.join(at, "error.message")))
        steps.append(Step(
            title=j.text(item.get("title"), j.join(at, "title")) or "step",
            status=Status.FAILED if error else Status.PASSED,
            duration=j.milliseconds(item.get("duration")),
            error=message,
            steps=_steps(item, at, depth + 1),
        ))
    return steps


def _global_error(error: dict[str, Any], where: str, index: int) -> Result:
    message = j.strip_ansi(j.text(error.get("message"), j.join(where, "message")))
    stack = j.strip_ansi(j.text(error.get("stack"), j.join(where, "stack")))
    name, description = j.describe_error(message, stack)
    return Result(
        title="Global error" if index == 0 else f"Global error {index + 1}",
        status=Status.BROKEN,
        exception_name=name,
        exception_description=description,
        exception_backtrace=stack or message,
    )


FORMAT = Format(
    name="playwright",
    origin="playwright_json",
    title="Playwright JSON",
    sniff_fn=sniff,
    parse=parse,
    aliases=("playwright_json", "playwright-json"),
    filenames=("*.json",),
    mimetypes=("application/json",),
    priority=0.5,
)
