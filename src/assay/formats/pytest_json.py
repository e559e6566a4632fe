"""pytest-json-report: the report of the pytest plugin `pytest --json-report` (pytest-json-report
0.8-1.5).

Shape: `{created, duration, exitcode, root, environment, summary, collectors: [{nodeid, outcome,
longrepr, result}], tests: [{nodeid, lineno, keywords, outcome, setup|call|teardown: {duration,
outcome, longrepr, crash: {path, lineno, message}, traceback, stdout, stderr, log}, metadata,
user_properties}], warnings}`. `created` is written when the session finishes.

A nodeid `tests/test_cart.py::TestCart::test_total[2-6]` gives a "Module" Container for the file,
a "Class" Container per class and the Result title `test_total[2-6]`. Outcomes: passed, failed,
skipped, xfailed (SKIPPED, as pytest's JUnit XML has it), xpassed (PASSED), error (BROKEN: a
fixture or teardown failed). The duration is setup + call + teardown; the failing phase's
`longrepr` is the backtrace and its `crash.message` the description. A collector that failed (a
module that does not import) becomes a BROKEN result "[collection error]" in its module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _json_input as j
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

__all__ = ["FORMAT", "parse", "sniff"]

COLLECTION_ERROR = "[collection error]"
_OUTCOMES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "xfailed": Status.SKIPPED,
    "xpassed": Status.PASSED,
    "error": Status.BROKEN,
}
_PHASES = ("setup", "call", "teardown")
# A skip's longrepr is the repr of (path, line, reason): "('tests/t.py', 47, 'Skipped: why')".
_SKIP_REPR = re.compile(r"""^\(['"].*['"], \d+, ['"](.*)['"]\)$""", re.DOTALL)
_IDENTIFIER = re.compile(r"^[A-Za-z_][\w.]*$")


# -- sniff ----------------------------------------------------------------------------------------

_NODEID = re.compile(rb'"nodeid"\s*:')
_REPORT_KEYS = re.compile(rb'"(?:created|exitcode|collectors)"\s*:')
# The report opens with these, in this order; a large "environment" can push "nodeid" out of the head.
_OPENING = re.compile(rb'^\{\s*"created"\s*:\s*[\d.eE+-]+\s*,\s*"duration"\s*:\s*[\d.eE+-]+\s*,\s*"exitcode"\s*:')
_TESTS = re.compile(rb'"tests"\s*:\s*\[')


def sniff(head: bytes) -> float:
    """0.9 for pytest-json-report's opening keys (created, duration, exitcode) or its keys with "nodeid"s."""
    text = j.json_head(head)
    if text is None:
        return 0.0
    if _OPENING.match(text):
        return 0.9
    if not _NODEID.search(text):
        return 0.0
    if _REPORT_KEYS.search(text):
        return 0.9
    return 0.6 if _TESTS.search(text) and b'"outcome"' in text else 0.0


# -- parse ----------------------------------------------------------------------------------------

def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a ReportMeta, then Module/Class Containers (once each) and one Result per test.

    Raises ParseError for invalid JSON, a document without a "tests" array, or a field of the
    wrong shape (naming its JSON path, e.g. `tests[4].call.crash`).
    """
    data = j.expect_object(j.load(stream.read(), "pytest-json-report"), "")
    if not isinstance(data.get("tests"), list):
        if "summary" in data and "created" in data:
            raise ParseError('a pytest-json-report summary without "tests" (written with --json-report-summary)')
        raise ParseError('not a pytest-json-report file: the document has no "tests" array')
    yield _meta(data)
    containers: dict[tuple[str, ...], Container] = {}
    for collector, where in j.obj_list(data, "collectors", ""):
        if collector.get("outcome") == "failed":
            # A collector's node id names a module or a class: each part is a Container.
            nodeid = j.text(collector.get("nodeid"), j.join(where, "nodeid")) or ""
            path = tuple(part for part in nodeid.split("::") if part)
            yield from _open(path, containers)
            yield _collection_error(collector, where, containers.get(path))
    for test, where in j.obj_list(data, "tests", ""):
        test_id = j.text(test.get("nodeid"), j.join(where, "nodeid"))
        if not test_id:
            raise j.fail(j.join(where, "nodeid"), "a pytest node id", test.get("nodeid"))
        path, title = _split(test_id)
        yield from _open(path, containers)
        yield _result(test, where, title, containers.get(path), path)


def _meta(data: dict[str, Any]) -> ReportMeta:
    environment = j.opt_object(data, "environment", "")
    created = j.epoch_ms(data["created"] * 1000) if isinstance(data.get("created"), int | float) else None
    duration = j.seconds_ms(data.get("duration"))
    properties: dict[str, Any] = {}
    for key in ("exitcode", "root"):
        if data.get(key) is not None:
            properties[key] = data[key]
    for key, value in environment.items():
        if isinstance(value, str | int | float | bool):
            properties[key] = value
    warnings = [w for w, _ in j.obj_list(data, "warnings", "")]
    if warnings:
        properties["warnings"] = [
            f"{w.get('category', 'Warning')}: {w.get('message', '')}".strip() for w in warnings[:100]
        ]
    return ReportMeta(
        started_at=created - timedelta(milliseconds=duration) if created and duration is not None else None,
        finished_at=created,
        duration=duration,
        properties=properties,
        os=j.text(environment.get("Platform"), "environment.Platform"),
    )


def _split(nodeid: str) -> tuple[tuple[str, ...], str]:
    """`tests/t.py::TestC::test_y[a::b]` -> (("tests/t.py", "TestC"), "test_y[a::b]").

    Only the part before the parameters is split: a parameter id may hold "::".
    """
    bracket = nodeid.find("[")
    head, params = (nodeid, "") if bracket < 0 else (nodeid[:bracket], nodeid[bracket:])
    parts = head.split("::")
    return tuple(parts[:-1]), parts[-1] + params


def _open(path: tuple[str, ...], containers: dict[tuple[str, ...], Container]) -> Iterator[Container]:
    for depth in range(1, len(path) + 1):
        key = path[:depth]
        if key not in containers:
            kind = "Module" if depth == 1 else "Class"
            containers[key] = Container(title=key[-1], classification=kind, parent=containers.get(key[:-1]))
            yield containers[key]


def _classname(path: tuple[str, ...]) -> str | None:
    """pytest's JUnit classname for the same test: `tests.test_cart.TestCart`."""
    if not path:
        return None
    module = path[0].removesuffix(".py").replace("\\", "/").replace("/", ".")
    return ".".join((module, *path[1:]))


def _result(test: dict[str, Any], where: str, title: str, container: Container | None, path: tuple[str, ...]) -> Result:
    outcome = j.text(test.get("outcome"), j.join(where, "outcome")) or ""
    phases = {name: j.opt_object(test, name, where) for name in _PHASES}
    durations = [j.seconds_ms(phase.get("duration")) for phase in phases.values() if phase]
    known = [d for d in durations if d is not None]
    result = Result(
        title=title,
        status=_OUTCOMES.get(outcome, Status.UNKNOWN),
        container=container,
        duration=sum(known) if known else None,
        classname=_classname(path),
        stdout=_joined(phases, "stdout", where),
        stderr=_joined(phases, "stderr", where),
        properties=_properties(test, where),
    )
    if outcome not in ("passed", "failed", "skipped", "error"):
        result.json_data["outcome"] = outcome
    if isinstance(test.get("lineno"), int):
        result.json_data["lineno"] = test["lineno"]
    log = [
        _log_line(record)
        for name, phase in phases.items()
        for record in j.opt_list(phase, "log", j.join(where, name))
        if isinstance(record, dict)
    ]
    if log:
        result.json_data["log"] = log
    if outcome != "passed":
        _failure(result, phases, where)
    return result


def _log_line(record: dict[str, Any]) -> str:
    """A captured logging record ({levelname, name, msg, ...}) as one line."""
    return f"{record.get('levelname', '')} {record.get('name', '')}: {record.get('msg', '')}".strip()


def _properties(test: dict[str, Any], where: str) -> dict[str, Any]:
    """`metadata` (the json_metadata fixture) and `user_properties` (record_property)."""
    properties = dict(j.opt_object(test, "metadata", where))
    for item, _ in j.obj_list(test, "user_properties", where):
        properties.update(item)
    return properties


def _joined(phases: dict[str, dict[str, Any]], key: str, where: str) -> str | None:
    parts = [j.text(phase.get(key), j.join(j.join(where, name), key)) for name, phase in phases.items()]
    return "".join(part for part in parts if part) or None


def _failure(result: Result, phases: dict[str, dict[str, Any]], where: str) -> None:
    """The phase that decided the outcome: the first one not passed (a skip's reason, a failure's crash)."""
    for name in _PHASES:
        phase = phases[name]
        if not phase or phase.get("outcome") in (None, "passed"):
            continue
        at = j.join(where, name)
        crash = j.opt_object(phase, "crash", at)
        longrepr = j.text(phase.get("longrepr"), j.join(at, "longrepr"))
        message = j.text(crash.get("message"), j.join(j.join(at, "crash"), "message"))
        if result.status == Status.SKIPPED and longrepr and (match := _SKIP_REPR.match(longrepr.strip())):
            result.exception_description = match.group(1)
            return
        result.exception_backtrace = longrepr
        result.exception_name = name_ = _exception_name(phase, at, message)
        if message and name_ and message.startswith(f"{name_}: "):
            message = message[len(name_) + 2:]
        result.exception_description = message
        if name != "call":
            result.json_data["failed_phase"] = name
        return


def _exception_name(phase: dict[str, Any], where: str, message: str | None) -> str | None:
    """The last traceback entry names the exception ("AssertionError"); else the crash message's prefix."""
    entries = [entry for entry, _ in j.obj_list(phase, "traceback", where)]
    last = entries[-1].get("message") if entries else None
    if isinstance(last, str) and _IDENTIFIER.match(last):
        return last
    prefix = message.split(":", 1)[0] if message else ""
    return j.error_name(message) or (prefix if _IDENTIFIER.match(prefix) else None)


def _collection_error(collector: dict[str, Any], where: str, container: Container | None) -> Result:
    longrepr = j.text(collector.get("longrepr"), j.join(where, "longrepr"))
    lines = [line for line in (longrepr or "").splitlines() if line.startswith("E ")]
    name, description = j.describe_error(lines[-1][1:].strip() if lines else j.first_line(longrepr))
    return Result(
        title=COLLECTION_ERROR,
        status=Status.BROKEN,
        container=container,
        exception_name=name,
        exception_description=description,
        exception_backtrace=longrepr,
    )


FORMAT = Format(
    name="pytest_json",
    origin="pytest_json",
    title="pytest-json-report",
    sniff_fn=sniff,
    parse=parse,
    aliases=("pytest-json", "pytest-json-report", "pytest_json_report"),
    filenames=("*.json",),
    mimetypes=("application/json",),
    priority=0.5,
)
