"""Mocha JSON: mocha's built-in `--reporter json`, and mochawesome's JSON (the report Cypress users keep).

mocha `--reporter json` (mocha 3-11, and Cypress run through it): `{stats: {suites, tests, passes,
pending, failures, start, end, duration}, tests, passes, failures, pending}`; each test is
`{title, fullTitle, file, duration, currentRetry, speed, err: {message, stack, name, code, actual,
expected}}`. `tests` lists every test that ran (pending ones too); a test's status is its
membership of `failures` or `pending`. Hook failures ('"before all" hook for "x"') appear in
`failures` only, and become BROKEN results. The suite nesting is not in the file: each test sits in
a Container for its file, then one for its suite path (the fullTitle before the title).

mochawesome 4-8 (`{stats, results: [suite], meta}`), and 1-3 (`{stats, suites: {suite}}`): a suite
is `{title, file, fullFile, root, tests, suites, beforeHooks, afterHooks}`; a test is `{title,
fullTitle, state, pass, fail, pending, skipped, isHook, duration, err: {message, estack, diff},
context, code, uuid}`. Root suites (title "") become a "File" Container when they name a file
(Cypress: one root per spec) and are skipped otherwise; nested suites become "Suite" Containers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import IO, Any

import orjson

from assay.errors import ParseError
from assay.formats import _json_input as j
from assay.formats.registry import Format
from assay.model import Asset, Container, Event, ReportMeta, Result, Status

__all__ = ["FORMAT", "parse", "sniff"]

# Suites nest; real files stay far shallower.
MAX_DEPTH = 64
# mocha's timeout error (an error outside an assertion): "Error: Timeout of 2000ms exceeded. ..."
_TIMEOUT = re.compile(r"Timeout of \d+ms exceeded")
_MEDIA = re.compile(r"\.(?:png|jpe?g|gif|webp|bmp|svg|mp4|webm|avi|mov|html?|txt|log|json|zip)$", re.I)


# -- sniff ----------------------------------------------------------------------------------------

_STATS = re.compile(rb'"stats"\s*:\s*\{')
_MOCHA_LISTS = re.compile(rb'"(?:tests|passes|failures|pending)"\s*:\s*\[')
_FULL_TITLE = re.compile(rb'"fullTitle"\s*:')
# mochawesome's stats carry testsRegistered/passPercent (2.x-8.x); 1.x nests one "suites" object.
_AWESOME = re.compile(rb'"(?:testsRegistered|passPercent|rootSuite)"\s*:|"suites"\s*:\s*\{')
# Playwright's report also has "stats" and "suites"; these keys are its own.
_PLAYWRIGHT = re.compile(rb'"(?:specs|expectedStatus|projectName)"\s*:')


def sniff(head: bytes) -> float:
    """0.9 for mocha's JSON or mochawesome's: a "stats" object, then tests with "fullTitle" (or mochawesome keys)."""
    text = j.json_head(head)
    if text is None or not _STATS.search(text) or _PLAYWRIGHT.search(text):
        return 0.0
    if _AWESOME.search(text):
        return 0.9
    if _MOCHA_LISTS.search(text) and (_FULL_TITLE.search(text) or b'"passes"' in text):
        return 0.9
    return 0.0


# -- parse ----------------------------------------------------------------------------------------

def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a ReportMeta, then Containers and Results of either shape (mocha json, mochawesome).

    Raises ParseError for invalid JSON, a document of neither shape, or a field of the wrong
    shape (naming its JSON path, e.g. `results[0].suites[1].tests[2].err`).
    """
    data = j.expect_object(j.load(stream.read(), "Mocha JSON"), "")
    if isinstance(data.get("results"), list) or isinstance(data.get("suites"), dict) or "rootSuite" in data:
        yield _meta(data)
        yield from _mochawesome(data)
    elif any(isinstance(data.get(key), list) for key in ("tests", "passes", "failures", "pending")):
        yield _meta(data)
        yield from _mocha_json(data)
    else:
        raise ParseError(
            'not a Mocha JSON file: expected mocha\'s "tests"/"failures" arrays or mochawesome\'s "results"'
        )


def _meta(data: dict[str, Any]) -> ReportMeta:
    stats = j.opt_object(data, "stats", "")
    properties: dict[str, Any] = {}
    meta = data.get("meta")
    if isinstance(meta, dict):
        for tool in ("mocha", "mochawesome", "marge"):
            version = meta.get(tool, {}).get("version") if isinstance(meta.get(tool), dict) else None
            if isinstance(version, str):
                properties[f"{tool}_version"] = version
    return ReportMeta(
        title=j.text(data.get("reportTitle"), "reportTitle"),
        started_at=j.iso_date(stats.get("start")),
        finished_at=j.iso_date(stats.get("end")),
        duration=j.milliseconds(stats.get("duration")),
        properties=properties,
    )


def _failure(result: Result, err: Any, where: str, stack_key: str) -> None:
    """Fill the exception fields from mocha's `err` ({message, stack|estack, name, actual, expected})."""
    if not isinstance(err, dict):
        if err is not None:
            raise j.fail(where, "an object", err)
        return
    message = j.text(err.get("message"), j.join(where, "message"))
    stack = j.text(err.get(stack_key), j.join(where, stack_key))
    name = j.text(err.get("name"), j.join(where, "name"))
    if not (message or stack):
        return
    result.exception_name = name or j.error_name(message, stack)
    description = message.strip() if message else j.first_line(stack)
    # mochawesome prefixes the message with the error's name ("AssertionError: expected ...").
    if description and result.exception_name and description.startswith(f"{result.exception_name}: "):
        description = description[len(result.exception_name) + 2:]
    result.exception_description = description
    result.exception_backtrace = stack
    for key in ("actual", "expected", "diff"):
        if isinstance(err.get(key), str):
            result.json_data[key] = err[key]
    if _TIMEOUT.search(message or stack or ""):
        result.status = Status.BROKEN


# -- mocha --reporter json ------------------------------------------------------------------------

def _key(test: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """What identifies a test across mocha's lists (they hold copies, not references)."""
    return j.text(test.get("fullTitle"), j.join(where, "fullTitle")), j.text(test.get("file"), j.join(where, "file"))


def _mocha_json(data: dict[str, Any]) -> Iterator[Event]:
    failures = j.obj_list(data, "failures", "")
    pending = j.obj_list(data, "pending", "")
    if isinstance(data.get("tests"), list):
        tests = j.obj_list(data, "tests", "")
    else:  # Some derived reporters (mocha-annotated) leave `tests` out.
        tests = j.obj_list(data, "passes", "") + failures + pending
    failed = Counter(_key(test, at) for test, at in failures)
    skipped = Counter(_key(test, at) for test, at in pending)
    containers: dict[tuple[str, ...], Container] = {}
    for test, where in tests:
        key = _key(test, where)
        if failed[key] > 0:
            failed[key] -= 1
            status = Status.FAILED
        elif skipped[key] > 0:
            skipped[key] -= 1
            status = Status.SKIPPED
        else:
            status = Status.PASSED
        yield from _mocha_test(test, where, status, containers)
    # What is left of `failures` did not run as a test: a hook failed.
    for test, where in failures:
        key = _key(test, where)
        if failed[key] > 0:
            failed[key] -= 1
            yield from _mocha_test(test, where, Status.BROKEN, containers)


def _mocha_test(
    test: dict[str, Any], where: str, status: Status, containers: dict[tuple[str, ...], Container]
) -> Iterator[Event]:
    title = j.text(test.get("title"), j.join(where, "title")) or "(untitled)"
    full = j.text(test.get("fullTitle"), j.join(where, "fullTitle")) or title
    file = j.text(test.get("file"), j.join(where, "file"))
    suite = full[: -len(title)].strip() if full.endswith(title) else ""
    path = tuple(part for part in (file, suite) if part)
    for depth in range(1, len(path) + 1):
        key = path[:depth]
        if key not in containers:
            kind = "File" if file and depth == 1 else "Suite"
            containers[key] = Container(title=key[-1], classification=kind, parent=containers.get(key[:-1]))
            yield containers[key]
    result = Result(
        title=title,
        status=status,
        container=containers.get(path),
        duration=j.milliseconds(test.get("duration")),
        classname=suite or None,
    )
    if status in (Status.FAILED, Status.BROKEN):
        _failure(result, test.get("err"), j.join(where, "err"), "stack")
    retry = test.get("currentRetry")
    if isinstance(retry, int) and not isinstance(retry, bool) and retry > 0:
        result.json_data["currentRetry"] = retry
        result.attempts = [{"status": "failed"} for _ in range(retry)]
        result.flaky = status == Status.PASSED
    yield result


# -- mochawesome ----------------------------------------------------------------------------------

def _mochawesome(data: dict[str, Any]) -> Iterator[Event]:
    if isinstance(data.get("results"), list):
        roots = j.obj_list(data, "results", "")
    elif isinstance(data.get("suites"), dict):  # mochawesome 1-3: one root suite object
        roots = [(data["suites"], "suites")]
    else:  # mochawesome 8: `rootSuite`
        roots = [(j.expect_object(data.get("rootSuite"), "rootSuite"), "rootSuite")]
    files: dict[str, Container] = {}
    for suite, where in roots:
        yield from _suite(suite, where, None, 0, files)


def _file_of(suite: dict[str, Any], where: str) -> str | None:
    return j.text(suite.get("file"), j.join(where, "file")) or j.text(suite.get("fullFile"), j.join(where, "fullFile"))


def _suite(
    suite: dict[str, Any], where: str, parent: Container | None, depth: int, files: dict[str, Container]
) -> Iterator[Event]:
    """A suite's Container (if it has a title), its tests, failed hooks, then its child suites.

    Root suites (title "") have no Container of their own. Cypress writes one root per spec,
    naming the file: it becomes a "File" Container. A root naming no file (a plain mocha run of
    several files) puts each top-level suite under a "File" Container for the suite's own file.
    """
    if depth > MAX_DEPTH:
        raise ParseError(f"{where}: suites nested deeper than {MAX_DEPTH} levels", path=where)
    title = j.text(suite.get("title"), j.join(where, "title")) or ""
    container = parent
    if depth == 1 and parent is None and (file := _file_of(suite, where)):
        if file not in files:
            files[file] = Container(title=file, classification="File")
            yield files[file]
        container = files[file]
    if title.strip():
        container = Container(title=title, classification="Suite", parent=container)
        yield container
    elif depth == 0 and (file := _file_of(suite, where)):
        container = Container(title=file, classification="File", parent=parent)
        yield container
    hooks = set()
    for test, at in j.obj_list(suite, "tests", where):
        result = _awesome_test(test, at, container)
        if result is not None:
            if test.get("isHook"):
                hooks.add(_identity(test))
            yield result
    for key in ("beforeHooks", "afterHooks", "hooks"):
        for hook, at in j.obj_list(suite, key, where):
            failed = hook.get("state") == "failed" or hook.get("fail") is True
            if failed and _identity(hook) not in hooks:
                yield _hook(hook, at, container)
    for child, at in j.obj_list(suite, "suites", where):
        yield from _suite(child, at, container, depth + 1, files)


def _identity(test: dict[str, Any]) -> str:
    """A hook's uuid (it appears both among a suite's tests and its hooks), else its title."""
    for key in ("uuid", "title"):
        if isinstance(test.get(key), str) and test[key]:
            return f"{key}:{test[key]}"
    return f"id:{id(test)}"


def _awesome_status(test: dict[str, Any]) -> Status:
    state = test.get("state") or test.get("status")
    if state == "failed" or test.get("fail") is True:
        return Status.FAILED
    if state == "passed" or test.get("pass") is True:
        return Status.PASSED
    if state in ("pending", "skipped") or test.get("pending") is True or test.get("skipped") is True:
        return Status.SKIPPED
    return Status.UNKNOWN


def _awesome_test(test: dict[str, Any], where: str, container: Container | None) -> Result | None:
    if test.get("isHook") and _awesome_status(test) != Status.FAILED:
        return None  # a hook that passed is not a test
    if test.get("isHook"):
        return _hook(test, where, container)
    title = j.text(test.get("title"), j.join(where, "title")) or "(untitled)"
    result = Result(
        title=title,
        status=_awesome_status(test),
        container=container,
        duration=j.milliseconds(test.get("duration")),
        classname=_suite_path(j.text(test.get("fullTitle"), j.join(where, "fullTitle")), title),
    )
    if result.status == Status.FAILED:
        _failure(result, test.get("err"), j.join(where, "err"), "estack")
        if test.get("timedOut") is True:
            result.status = Status.BROKEN
    if test.get("skipped") is True and test.get("state") is None:
        result.json_data["skipped_by"] = "a failed hook"
    if test.get("code"):
        result.json_data["code"] = test["code"]
    _context(result, test.get("context"))
    return result


def _hook(hook: dict[str, Any], where: str, container: Container | None) -> Result:
    """A failed before/after hook: an error outside any test's assertion."""
    title = j.text(hook.get("title"), j.join(where, "title")) or "hook"
    result = Result(
        title=title, status=Status.BROKEN, container=container, duration=j.milliseconds(hook.get("duration"))
    )
    stack_key = "estack" if isinstance(hook.get("err"), dict) and "estack" in hook["err"] else "stack"
    _failure(result, hook.get("err"), j.join(where, "err"), stack_key)
    result.status = Status.BROKEN
    return result


def _suite_path(full: str | None, title: str) -> str | None:
    if not full or not full.endswith(title):
        return None
    return full[: -len(title)].strip() or None


def _context(result: Result, context: Any) -> None:
    """mochawesome's addContext: a JSON-encoded string, {title, value} or a list of those.

    Values naming a file (a screenshot path, a video URL) become path Assets.
    """
    if context in (None, ""):
        return
    if isinstance(context, str):
        try:
            context = orjson.loads(context)
        except orjson.JSONDecodeError:
            pass
    result.json_data["context"] = context
    items = context if isinstance(context, list) else [context]
    for item in items:
        title, value = None, item
        if isinstance(item, dict):
            title, value = item.get("title"), item.get("value")
        if isinstance(value, str) and "\n" not in value and _MEDIA.search(value.split("?", 1)[0]):
            tag = title if isinstance(title, str) else None
            result.assets.append(Asset(name=j.basename(value), path=value, tag=tag))


FORMAT = Format(
    name="mocha",
    origin="mocha_json",
    title="Mocha JSON / mochawesome",
    sniff_fn=sniff,
    parse=parse,
    aliases=("mocha_json", "mocha-json", "mochawesome"),
    filenames=("*.json",),
    mimetypes=("application/json",),
    priority=0.5,
)
