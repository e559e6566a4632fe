"""Robot Framework output.xml, from RF 2.6 to RF 7 (schemaversion 2 to 5), robot and rebot outputs.

Shape: a root `<robot generator generated rpa schemaversion>` holding one root `<suite>`, then
`<statistics>` and `<errors>`. Every `<suite name source>` (nested at any depth) becomes a
Container ("Suite": its `<doc>` the description, its metadata the properties); every `<test>` a
Result whose keywords and control structures (`<kw>`, `<for>`/`<iter>`, `<if>`/`<branch>`,
`<try>`, `<while>`, RF 7 `<setup>`/`<teardown>`...) become a tree of Steps; see `_robot_steps`.
`<errors>` goes to the report's properties.

A failed suite teardown fails every test of the suite, as Robot's own statistics and log show it;
but `robot` writes the tests' raw statuses and the teardown only comes after them. So the file is
read twice: a first pass finds the suites whose teardown failed (or skipped), the second streams
the tree and applies them. `rebot` writes final statuses already, so its outputs skip that work.
"""

from __future__ import annotations

import codecs
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._robot_steps import (
    Outcome,
    TreeReader,
    cap,
    exception_name,
    fail_message,
    outcome_of,
    read_status,
    tags_of,
)
from assay.formats._xml import iterparse, local
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

__all__ = ["FORMAT", "parse", "sniff"]

_FIXTURE_KINDS = ("setup", "teardown")
# Robot's own wording (robot.result.suiteteardownfailed), so messages read as in log.html
_TEARDOWN_FAILED = "Parent suite teardown failed:\n"
_ALSO_TEARDOWN_FAILED = "\n\nAlso parent suite teardown failed:\n"
_TEARDOWN_SKIPPED = "Skipped in parent suite teardown:\n"

# -- sniff ----------------------------------------------------------------------------------------

_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(rb"<robot\b([^>]*)>", re.IGNORECASE)
_GENERATOR = re.compile(rb"""\bgenerator\s*=\s*["'](?:Robot|Rebot)\b""", re.IGNORECASE)


def sniff(head: bytes) -> float:
    """0.9 for a root `<robot>` written by Robot/Rebot (or holding a `<suite>`), 0.5 for a bare `<robot>`."""
    try:
        text = head.removeprefix(codecs.BOM_UTF8)
        prolog = _PROLOG.match(text)
        root = _ROOT.match(text, prolog.end() if prolog else 0)
        if root is None:
            return 0.0
        if _GENERATOR.search(root.group(1)) or b"<suite" in text[root.end() : root.end() + 4096]:
            return 0.9
        return 0.5
    except Exception:  # a sniffer never raises
        return 0.0


# -- first pass: suite teardowns ------------------------------------------------------------------

# A suite's own teardown comes right after its last test or child suite (RF 2.6 to 7): only such
# teardowns can change a test's status. A file without one needs no first pass.
_SUITE_TEARDOWN = re.compile(
    rb"""</(?:test|suite)>\s*<(?:kw\b[^>]*\btype\s*=\s*["']teardown["']|teardown\b)""", re.IGNORECASE
)
_SCAN_CHUNK = 1 << 20


def _has_suite_teardown(stream: IO[bytes]) -> bool:
    """A byte scan (fast) for a suite-level teardown anywhere in the file."""
    tail = b""
    while chunk := stream.read(_SCAN_CHUNK):
        window = tail + chunk
        if _SUITE_TEARDOWN.search(window):
            return True
        tail = window[-4096:]
    return False


@dataclass(frozen=True)
class _Teardown:
    status: Status  # FAILED or SKIPPED
    message: str


def _is_fixture(element: etree._Element, kind: str) -> bool:
    """`<kw type="teardown">` (RF < 7, any case) or RF 7's `<teardown>` element."""
    tag = element.tag
    return tag == kind or (tag == "kw" and (element.get("type") or "").lower() == kind)


def _suite_teardowns(stream: IO[bytes]) -> dict[int, _Teardown]:
    """Suites (numbered in document order) whose teardown failed or skipped; {} for rebot outputs."""
    found: dict[int, _Teardown] = {}
    open_suites: list[int] = []
    seen = 0
    root_checked = False
    for event, element in iterparse(stream):
        tag = element.tag
        if event == "start":
            if not root_checked:
                root_checked = True
                generator = (element.get("generator") or "robot").split()
                # Not output.xml (the second pass says so), or written by Rebot, whose statuses are
                # final: Robot's ExecutionResult only applies them to outputs `generated_by_robot`.
                if tag != "robot" or not generator or generator[0].upper() != "ROBOT":
                    return {}
            elif tag == "suite":
                open_suites.append(seen)
                seen += 1
            continue
        parent = element.getparent()
        if tag == "suite":
            open_suites.pop()
            _release(element)
        elif parent is not None and parent.tag == "suite" and open_suites:
            if _is_fixture(element, "teardown"):
                outcome = outcome_of(element)
                if outcome.raw in ("FAIL", "SKIP"):
                    found[open_suites[-1]] = _Teardown(outcome.status, fail_message(element) or "")
            _release(element)
    return found


def _apply_teardowns(result: Result, teardowns: list[_Teardown]) -> None:
    """Robot's SuiteTeardownFailed visitor, innermost suite first (its end_suite order)."""
    message = result.exception_description or ""
    for teardown in teardowns:
        if teardown.status is Status.FAILED:
            if result.status is not Status.SKIPPED:
                result.status = Status.FAILED
            message += (_ALSO_TEARDOWN_FAILED if message else _TEARDOWN_FAILED) + teardown.message
        else:
            result.status = Status.SKIPPED
            earlier = f"\n\nEarlier message:\n{message}" if message else ""
            message = f"{_TEARDOWN_SKIPPED}{teardown.message}{earlier}"
    result.exception_description = message or None


# -- second pass: the tree ------------------------------------------------------------------------


@dataclass
class _Suite:
    container: Container
    teardown: _Teardown | None


@dataclass
class _Reader:
    teardowns: dict[int, _Teardown]
    stack: list[_Suite] = field(default_factory=list)
    depth: int = 0  # > 0 while inside a child element consumed whole (a test, a keyword, <errors>)
    seen_root: bool = False
    suites: int = 0
    meta: ReportMeta = field(default_factory=ReportMeta)

    def read(self, stream: IO[bytes]) -> Iterator[Event]:
        for event, element in iterparse(stream):
            if self.depth:
                if event == "start":
                    self.depth += 1
                    continue
                self.depth -= 1
                if self.depth == 0:
                    yield from self._child(element)
                    _release(element)
                continue
            if event == "start":
                yield from self._start(element)
            elif element.tag == "suite":
                self.stack.pop()
                _release(element)
        if self.seen_root:
            yield self.meta

    def _start(self, element: etree._Element) -> Iterator[Event]:
        tag = local(element.tag)
        if not self.seen_root:
            if tag != "robot":
                raise ParseError(
                    f"not a Robot Framework output.xml: root element is <{tag}>, expected <robot>"
                )
            self.seen_root = True
            self._root_attributes(element)
            return
        if tag != "suite":
            self.depth = 1
            return
        parent = self.stack[-1].container if self.stack else None
        properties = {"source": element.get("source")} if element.get("source") else {}
        container = Container(
            title=element.get("name") or "(unnamed suite)", classification="Suite", parent=parent,
            properties=properties,
        )
        self.stack.append(_Suite(container, self.teardowns.get(self.suites)))
        self.suites += 1
        if parent is None and self.meta.title is None:
            self.meta.title = container.title
        yield container

    def _root_attributes(self, element: etree._Element) -> None:
        for name in ("generator", "generated", "schemaversion", "rpa"):
            if value := element.get(name):
                self.meta.properties[name] = value

    def _child(self, element: etree._Element) -> Iterator[Event]:
        """A complete direct child of a suite (or of the root)."""
        tag = element.tag
        suite = self.stack[-1] if self.stack else None
        if tag == "test":
            yield self._test(element, suite)
        elif tag == "errors" and suite is None:
            self._errors(element)
        elif suite is None:
            return  # <statistics>: Robot's counts, recomputed from the tests
        elif tag == "status":
            self._suite_status(read_status(element), suite)
        elif tag == "doc":
            suite.container.description = _stripped(element)
        elif tag == "meta":  # RF 4+
            suite.container.properties[element.get("name") or "meta"] = element.text or ""
        elif tag == "metadata":  # RF < 4
            for item in element.iterchildren("item"):
                suite.container.properties[item.get("name") or "item"] = item.text or ""
        else:
            for kind in _FIXTURE_KINDS:
                if _is_fixture(element, kind):
                    self._suite_fixture(element, kind, suite.container)

    def _suite_fixture(self, element: etree._Element, kind: str, container: Container) -> None:
        # A suite has no step list: keep why its setup/teardown failed, and the screenshots it took
        # (`Run Keyword If Any Tests Failed  Capture Page Screenshot` is a common suite teardown).
        container.assets.extend(TreeReader().screenshots_in(element))
        outcome = outcome_of(element)
        if outcome.raw in ("FAIL", "SKIP"):
            container.properties[f"suite {kind} {outcome.raw.lower()}"] = fail_message(element) or ""

    def _suite_status(self, outcome: Outcome, suite: _Suite) -> None:
        suite.container.duration = outcome.duration
        if outcome.message:
            suite.container.properties["message"] = outcome.message
        if len(self.stack) == 1:
            self.meta.started_at = outcome.started_at
            self.meta.finished_at = outcome.finished_at
            self.meta.duration = outcome.duration

    def _test(self, element: etree._Element, suite: _Suite | None) -> Result:
        outcome = outcome_of(element)
        tree = TreeReader()
        steps = tree.steps(element)
        result = Result(
            title=element.get("name") or "(unnamed test)",
            status=outcome.status,
            container=suite.container if suite else None,
            duration=outcome.duration,
            description=_stripped(element.find("doc")),
            exception_description=outcome.message,
            exception_name=exception_name(outcome.message),
            exception_backtrace=tree.traceback,
            tags=tags_of(element),
            steps=steps,
        )
        teardowns = [frame.teardown for frame in reversed(self.stack) if frame.teardown is not None]
        if teardowns:
            _apply_teardowns(result, teardowns)
        for name in ("id", "line"):
            if value := element.get(name):
                result.json_data[name] = value
        if (timeout := element.find("timeout")) is not None and timeout.get("value"):
            result.json_data["timeout"] = timeout.get("value")
        status = element.find("status")
        if status is not None and status.get("critical") == "no":  # RF < 4 non-critical tests
            result.json_data["critical"] = False
        return result

    def _errors(self, element: etree._Element) -> None:
        errors = []
        for msg in element.iterchildren("msg"):
            entry = {"level": (msg.get("level") or "ERROR").upper(), "message": cap(msg.text or "")}
            if moment := msg.get("time") or msg.get("timestamp"):
                entry["time"] = moment
            errors.append(entry)
        if errors:
            self.meta.properties["errors"] = errors


def _stripped(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return (element.text or "").strip() or None


def _release(element: etree._Element) -> None:
    """Free a processed element and the siblings before it: memory stays flat on huge files."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _seekable(stream: IO[bytes]) -> tuple[IO[bytes], IO[bytes] | None]:
    """The stream itself when it can seek, else a temporary copy (returned second, to close)."""
    try:
        if stream.seekable():
            return stream, None
    except (AttributeError, OSError, ValueError):
        pass
    spool = tempfile.TemporaryFile()
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool, spool


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream an output.xml as events: a Container per suite as it opens, a Result per test as it
    closes (with its keyword tree as Steps), and a ReportMeta (times, generator, `errors`) at the end.

    Raises ParseError for an empty file, malformed XML (with line and column) or a root element
    other than `<robot>`; UnsafeInputError for DTD entity tricks.
    """
    source, spool = _seekable(stream)
    try:
        start = source.tell()
        head = source.read(64 * 1024)
        if not head.removeprefix(codecs.BOM_UTF8).strip() and not source.read(1):
            raise ParseError("the file is empty or holds no XML element", code="empty_file")
        source.seek(start)
        teardowns: dict[int, _Teardown] = {}
        if _has_suite_teardown(source):
            source.seek(start)
            teardowns = _suite_teardowns(source)
        source.seek(start)
        yield from _Reader(teardowns).read(source)
    finally:
        if spool is not None:
            spool.close()


FORMAT = Format(
    name="robot",
    origin="robot_xml",
    title="Robot Framework output.xml",
    sniff_fn=sniff,
    parse=parse,
    aliases=("robot_xml", "robotframework", "robot-framework", "rebot"),
    filenames=("output.xml", "output-*.xml", "*output*.xml", "*.xml"),
    mimetypes=("application/xml", "text/xml"),
    priority=0.5,
)
