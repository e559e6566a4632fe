"""go test -json: the newline-delimited test2json events of `go test -json` (Go 1.10-1.25), also
what `gotestsum --jsonfile` saves.

Each line is `{Time, Action, Package, Test, Elapsed, Output}` with Action one of start (Go 1.20+),
run, pause, cont, output, bench, pass, fail, skip, and attr (Go 1.25); Go 1.24+ adds build events
`{ImportPath, Action: build-output|build-fail, Output}` and a package-level fail's `FailedBuild`.
Read line by line: memory holds only the tests still running.

Each package becomes a Container ("Package", yielded with its first result), each test a Result;
subtests (`TestTotal/three`) are Results of their own, flat, with `json_data["parent"]`. A test's
output (without the `=== RUN`/`--- PASS` framing) is its stdout; a failed test's output is also its
backtrace, its first `file_test.go:12: message` (or `panic:`) line its description. A test that
panicked is BROKEN. A test with no pass/fail/skip (a panic elsewhere, `-timeout`) is BROKEN when
its package failed, UNKNOWN otherwise. A package that failed without a failing test (a build error,
a TestMain exit, a race report) gets one BROKEN result, "[build failed]" or "[package failed]".

Before Go 1.24 (and with `2>&1`) build errors arrive as plain text lines between the events
(`# pkg`, `pkg/x_test.go:6:18: undefined: y`, `FAIL\tpkg [build failed]`): they are read too.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from assay.errors import ParseError
from assay.formats import _json_input as j
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

__all__ = ["FORMAT", "parse", "sniff"]

BUILD_FAILED = "[build failed]"
PACKAGE_FAILED = "[package failed]"
_TERMINAL = {"pass": Status.PASSED, "fail": Status.FAILED, "skip": Status.SKIPPED}
# test2json's framing lines, which the result's fields already say.
_FRAMING = re.compile(r"^\s*(?:=== (?:RUN|PAUSE|CONT|NAME|ATTR)\s|--- (?:PASS|FAIL|SKIP|BENCH): )")
_LOCATION = re.compile(r"^\s*[\w./\\-]+\.go:\d+(?::\d+)?: ")
_PANIC = re.compile(r"^\s*panic: ")
_STRAY_FAIL = re.compile(r"^FAIL\s+(\S+)\s+\[(?:build|setup) failed\]")
_STRAY_HEADER = re.compile(r"^# (\S+)")
# Plain text before the first event (e.g. "go: downloading ...") is skipped, up to this many lines.
_MAX_LEADING_TEXT = 1000


# -- sniff ----------------------------------------------------------------------------------------

_EVENT = re.compile(
    rb'^\{\s*(?:"(?:Time|ImportPath)"\s*:\s*"[^"]*"\s*,\s*)?"Action"\s*:\s*"'
    rb'(?:start|run|pause|cont|output|bench|pass|fail|skip|attr|build-output|build-fail)"'
)


def sniff(head: bytes) -> float:
    """0.9 when the first JSON line of `head` is a test2json event ({"Time", "Action", ...})."""
    for line in head.removeprefix(b"\xef\xbb\xbf").splitlines()[:50]:
        line = line.strip()
        if line.startswith(b"{"):
            return 0.9 if _EVENT.match(line) else 0.0
    return 0.0


# -- parse ----------------------------------------------------------------------------------------

@dataclass
class _Test:
    name: str
    output: list[str] = field(default_factory=list)
    failed_subtests: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Package:
    name: str
    container: Container | None  # None for test2json run without -p: results sit at the top
    yielded: bool = False
    output: list[str] = field(default_factory=list)
    running: dict[str, _Test] = field(default_factory=dict)
    failures: int = 0


@dataclass
class _Run:
    packages: dict[str, _Package] = field(default_factory=dict)
    builds: dict[str, list[str]] = field(default_factory=dict)  # Go 1.24 build output by ImportPath
    stray: dict[str, list[str]] = field(default_factory=dict)  # plain-text build output by package
    stray_key: str | None = None
    first: str | None = None  # the first and last event's Time, as written
    last: str | None = None


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield each package's Container and its Results as their events arrive, then a ReportMeta.

    Raises ParseError for an empty stream, a stream with no test2json event, a line that starts
    as JSON but is not (a truncated file: the error names the line), or an event of the wrong
    shape.
    """
    run = _Run()
    seen_event = False
    held: list[Event] = []  # results from plain text, held until a JSON event proves the format
    leading = 0
    for number, raw in enumerate(stream, 1):
        line = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith(b"{"):
            events = list(_stray(run, stripped.decode("utf-8", errors="replace")))
            if seen_event:
                yield from events
                continue
            held.extend(events)
            leading += 1
            if leading > _MAX_LEADING_TEXT:
                raise ParseError(f"not go test -json output: no test2json event in the first {leading} lines")
            continue
        event = _load(stripped, number, seen_event)
        if not seen_event:
            seen_event = True
            yield from held
        yield from _event(run, event, number)
    if not seen_event:
        if leading == 0:
            raise ParseError("empty file: go test -json output was expected", code="empty_file")
        raise ParseError("not go test -json output: no test2json event found")
    yield from _finish(run)
    started, finished = j.iso_date(run.first), j.iso_date(run.last)
    if started is not None or finished is not None:
        yield ReportMeta(started_at=started, finished_at=finished)


def _load(line: bytes, number: int, seen_event: bool) -> dict[str, Any]:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        if not seen_event:  # e.g. a pretty-printed JSON document: not one event per line
            raise ParseError(
                f"not go test -json output: expected one JSON event per line ({error.msg})", line=number
            ) from None
        raise ParseError(f"not valid JSON (a truncated line?): {error.msg}", line=number, column=error.colno) from None
    if not isinstance(event, dict):
        raise ParseError(f"expected a test2json event object, got {j.show(event)}", line=number)
    for key in ("Action", "Package", "Test", "Output", "ImportPath", "Time", "FailedBuild"):
        if event.get(key) is not None and not isinstance(event[key], str):
            raise ParseError(f"{key}: expected a string, got {j.show(event[key])}", line=number, path=key)
    if not isinstance(event.get("Action"), str):
        raise ParseError('not a test2json event: no "Action"', line=number)
    return event


def _event(run: _Run, event: dict[str, Any], number: int) -> Iterator[Event]:
    when = event.get("Time")
    if when:  # parsed once at the end: dates cost more than the rest of an event
        run.first = run.first or when
        run.last = when
    action, output = event["Action"], event.get("Output")
    if event.get("ImportPath") is not None and action in ("build-output", "build-fail"):
        lines = run.builds.setdefault(event["ImportPath"], [])
        if output:
            lines.append(output)
        return
    package = _package(run, event.get("Package") or "")
    name = event.get("Test")
    if name:
        yield from _test_event(package, name, action, event)
    elif action in ("output", "bench") and output:
        package.output.append(output)
    elif action in ("pass", "skip", "fail"):
        if package.container is not None:
            package.container.duration = j.seconds_ms(event.get("Elapsed"))
        yield from _package_done(run, package, action == "fail", event.get("FailedBuild"))


def _package(run: _Run, name: str) -> _Package:
    if name not in run.packages:
        container = Container(title=name, classification="Package") if name else None
        run.packages[name] = _Package(name, container)
    return run.packages[name]


def _test_event(package: _Package, name: str, action: str, event: dict[str, Any]) -> Iterator[Event]:
    test = package.running.get(name)
    if action == "run" and test is None:
        package.running[name] = _Test(name)
    elif action in ("output", "bench") and event.get("Output"):
        if test is not None:
            test.output.append(event["Output"])
        else:  # output after the test ended (old Go attributes some lines late)
            package.output.append(event["Output"])
    elif action == "attr" and test is not None and isinstance(event.get("Key"), str):
        test.properties[event["Key"]] = event.get("Value")
    elif action in _TERMINAL:
        test = package.running.pop(name, None) or _Test(name)
        status = _TERMINAL[action]
        if status == Status.FAILED and "/" in name and (parent := package.running.get(name.rsplit("/", 1)[0])):
            parent.failed_subtests.append(name)
        yield from _emit(package, _result(test, status, package, event.get("Elapsed")))


def _emit(package: _Package, result: Result) -> Iterator[Event]:
    if not package.yielded and package.container is not None:
        package.yielded = True
        yield package.container
    if result.status in (Status.FAILED, Status.BROKEN):
        package.failures += 1
    yield result


def _result(test: _Test, status: Status, package: _Package, elapsed: Any, unfinished: str | None = None) -> Result:
    lines = [line for line in "".join(test.output).splitlines() if not _FRAMING.match(line)]
    text = textwrap.dedent("\n".join(lines)).strip("\n") or None
    panicked = any(_PANIC.match(line) for line in lines)
    if status == Status.FAILED and panicked:
        status = Status.BROKEN
    result = Result(
        title=test.name,
        status=status,
        container=package.container,
        duration=j.seconds_ms(elapsed),
        classname=package.name or None,
        stdout=text,
        properties=test.properties,
    )
    if "/" in test.name:
        result.json_data["parent"] = test.name.rsplit("/", 1)[0]
    if status in (Status.FAILED, Status.BROKEN):
        result.exception_backtrace = text
        result.exception_description = _description(lines, test, unfinished)
        if panicked:
            result.exception_name = "panic"
    elif unfinished:
        result.exception_description = unfinished
        result.exception_backtrace = text
    elif status == Status.SKIPPED:
        result.exception_description = next((line.strip() for line in lines if _LOCATION.match(line)), None)
    return result


def _description(lines: list[str], test: _Test, unfinished: str | None) -> str:
    for pattern in (_PANIC, _LOCATION):
        if found := next((line.strip() for line in lines if pattern.match(line)), None):
            return found
    if test.failed_subtests:
        return "failed subtests: " + ", ".join(name.rsplit("/", 1)[-1] for name in test.failed_subtests)
    if unfinished:
        return unfinished
    return f"--- FAIL: {test.name}"


def _package_done(run: _Run, package: _Package, failed: bool, failed_build: str | None) -> Iterator[Event]:
    """A package's end: tests still running did not finish; a failure no test explains gets a result."""
    for test in list(package.running.values()):
        status = Status.BROKEN if failed else Status.UNKNOWN
        yield from _emit(package, _result(test, status, package, None, "the test did not finish: its package failed"))
    package.running.clear()
    if failed and package.failures == 0:
        build = run.builds.get(failed_build or "", []) or run.stray.get(package.name, [])
        yield from _emit(package, _package_failure(package, build, bool(failed_build)))
    package.output.clear()


def _package_failure(package: _Package, build: list[str], failed_build: bool) -> Result:
    output = [line.rstrip("\n") for line in [*build, *package.output]]
    text = "\n".join(line for line in output if line).strip("\n") or None
    marked = any("[build failed]" in line or "[setup failed]" in line for line in output)
    is_build = failed_build or bool(build) or marked
    description = next((line.strip() for line in output if _LOCATION.match(line) or _PANIC.match(line)), None)
    description = description or next(
        (line.strip() for line in output if line.strip() and not line.startswith(("FAIL", "ok ", "# "))), None
    )
    title = BUILD_FAILED if is_build else PACKAGE_FAILED
    return Result(
        title=title,
        status=Status.BROKEN,
        container=package.container,
        classname=package.name or None,
        exception_description=description or f"FAIL {package.name} {title}",
        exception_backtrace=text,
    )


def _stray(run: _Run, line: str) -> Iterator[Event]:
    """A plain-text line between the events: build output printed outside test2json (Go < 1.24)."""
    if header := _STRAY_HEADER.match(line):
        run.stray_key = header.group(1)
        run.stray.setdefault(run.stray_key, []).append(line)
        return
    if failure := _STRAY_FAIL.match(line):
        package = _package(run, failure.group(1))
        if package.failures == 0:
            build = run.stray.get(package.name, [])
            package.output.append(line)
            yield from _emit(package, _package_failure(package, build, True))
            package.output.clear()
        run.stray_key = None
        return
    if run.stray_key is not None:
        run.stray[run.stray_key].append(line)


def _finish(run: _Run) -> Iterator[Event]:
    """The stream ended: tests of packages that never finished (a truncated log) are UNKNOWN."""
    for package in run.packages.values():
        for test in list(package.running.values()):
            yield from _emit(package, _result(test, Status.UNKNOWN, package, None, "the log ends before the test did"))
        package.running.clear()


FORMAT = Format(
    name="gotest",
    origin="gotest_json",
    title="go test -json",
    sniff_fn=sniff,
    parse=parse,
    aliases=("gotest_json", "go-test-json", "test2json"),
    filenames=("*.json", "*.jsonl", "*.ndjson", "*.out", "*.log"),
    mimetypes=("application/x-ndjson", "application/json"),
    priority=0.5,
)
