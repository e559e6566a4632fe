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
    TestParts,
    TreeReader,
    cap,
    exception_name,
    fail_message,
    outcome_of,
    read_status,
    status_and_duration,
    stripped_text,
)
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import read_root, taken
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
        # the regex tries every closing tag: only run it where the word is (lower() + `in` are C loops)
        if b"teardown" in window.lower() and _SUITE_TEARDOWN.search(window):
            return True
        tail = window[-4096:]
    return False


def _written_by_robot(root: Mapping[str, str]) -> bool:
    """Robot's ExecutionResult only applies suite teardowns to outputs `generated_by_robot`: Rebot
    writes final statuses already."""
    generator = (root.get("generator") or "robot").split()
    return bool(generator) and generator[0].upper() == "ROBOT"


@dataclass(frozen=True)
class _Teardown:
    status: Status  # FAILED or SKIPPED
    message: str


def _is_fixture(element: etree._Element, kind: str) -> bool:
    """`<kw type="teardown">` (RF < 7, any case) or RF 7's `<teardown>` element."""
    tag = element.tag
    return tag == kind or (tag == "kw" and (element.get("type") or "").lower() == kind)


def _suite_teardowns(stream: IO[bytes]) -> dict[int, _Teardown]:
    """Suites (every `<suite>`, numbered in document order) whose teardown failed or skipped.

    Only suites and tests cross into Python; a suite's other children are looked at (then freed)
    when a test or child suite of it comes along, or when it ends.
    """
    found: dict[int, _Teardown] = {}
    open_suites: list[int] = []
    seen = 0
    for event, element in iterparse(stream, events=("start", "end"), tag=("suite", "test")):
        parent = element.getparent()
        in_suite = parent is not None and parent.tag == "suite" and bool(open_suites)
        if event == "start":
            if element.tag == "suite":
                if in_suite:
                    _note_teardowns(parent, element, open_suites[-1], found)
                open_suites.append(seen)
                seen += 1
            continue
        if element.tag == "suite":
            _note_teardowns(element, None, open_suites.pop(), found)
            _release(element)
        elif in_suite:
            _note_teardowns(parent, element, open_suites[-1], found)
            element.clear()
    return found


def _note_teardowns(
    suite: etree._Element, upto: etree._Element | None, number: int, found: dict[int, _Teardown]
) -> None:
    """Note a failed or skipped teardown among the suite's children before `upto`, then free them."""
    for child in taken(suite, upto):
        if _is_fixture(child, "teardown"):
            outcome = outcome_of(child)
            if outcome.raw in ("FAIL", "SKIP"):
                found[number] = _Teardown(outcome.status, fail_message(child) or "")


def _apply_teardowns(result: Result, teardowns: tuple[_Teardown, ...]) -> None:
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

_ROOT_PROPERTIES = ("generator", "generated", "schemaversion", "rpa")  # the root's, kept on the report

# Only these cross into Python (a `<suite>` in any namespace, as before); everything else is read
# from the tree under them.
_STRUCTURE = ("{*}suite", "test", "errors")


@dataclass
class _Suite:
    element: etree._Element
    container: Container
    teardowns: tuple[_Teardown, ...]  # its own failed/skipped teardown and its parents', innermost first


@dataclass
class _Reader:
    teardowns: dict[int, _Teardown]
    meta: ReportMeta
    stack: list[_Suite] = field(default_factory=list)
    suites: int = 0
    done: etree._Element | None = None  # the last test read: cleared, but still in the tree

    def read(self, stream: IO[bytes]) -> Iterator[Event]:
        # End events only: a suite is opened (its Container yielded) when the first test or suite
        # in it ends, or at its own end; that keeps parents first and the document's order.
        for _event, element in iterparse(stream, events=("end",), tag=_STRUCTURE):
            tag = element.tag
            if tag == "test":
                parent = element.getparent()
                if not (self.stack and parent is self.stack[-1].element):
                    opened = self._open_up_to(parent)
                    if opened is None:
                        continue  # inside a test or keyword: read with it
                    yield from opened
                if (previous := element.getprevious()) is not None:
                    if previous.getprevious() is None and previous is self.done:
                        del parent[0]  # the usual case: only the last test, read already, is left
                    else:
                        self._settle(parent, element)
                yield self._test(element)
                element.clear()
                self.done = element
            elif tag == "errors":
                if element.getparent().getparent() is None:  # the root's own
                    self._errors(element)
            elif (opened := self._open_up_to(element)) is not None:  # a suite
                yield from opened
                self._settle(element, None)
                self.stack.pop()
                _release(element)
        yield self.meta

    def _open_up_to(self, node: etree._Element) -> list[Container] | None:
        """Open the suites from the innermost open one down to `node` (a suite, or the root), outermost
        first; None when `node` is not where suites and tests live (it is inside a test or keyword)."""
        innermost = self.stack[-1].element if self.stack else None
        waiting = []
        while node is not innermost:
            parent = node.getparent()
            if parent is None:  # the root
                if innermost is not None:
                    return None
                break
            if local(node.tag) != "suite":
                return None
            waiting.append(node)
            node = parent
        return [self._open_suite(suite) for suite in reversed(waiting)]

    def _settle(self, parent: etree._Element, upto: etree._Element | None) -> None:
        """Read the open suite's own children before `upto` (all with None): its doc, metadata,
        fixtures and status; then free them. At the root there is nothing to read, only to free."""
        suite = self.stack[-1] if self.stack else None
        for child in taken(parent, upto):
            if suite is not None:
                self._suite_child(child, suite)

    def _open_suite(self, element: etree._Element) -> Container:
        self._settle(element.getparent(), element)
        outer = self.stack[-1] if self.stack else None
        parent = outer.container if outer else None
        properties = {"source": element.get("source")} if element.get("source") else {}
        container = Container(
            title=element.get("name") or "(unnamed suite)", classification="Suite", parent=parent,
            properties=properties,
        )
        teardowns = outer.teardowns if outer else ()
        if (own := self.teardowns.get(self.suites)) is not None:
            teardowns = (own, *teardowns)
        self.stack.append(_Suite(element, container, teardowns))
        self.suites += 1
        if parent is None and self.meta.title is None:
            self.meta.title = container.title
        return container

    def _suite_child(self, element: etree._Element, suite: _Suite) -> None:
        """A suite's own child other than a test or suite (those are read as they come)."""
        tag = element.tag
        if tag == "status":
            self._suite_status(read_status(element), suite)
        elif tag == "doc":
            suite.container.description = _stripped(element)
        elif tag == "meta":  # RF 4+
            suite.container.properties[element.get("name") or "meta"] = element.text or ""
        elif tag == "metadata":  # RF < 4
            for item in element.iterchildren("item"):
                suite.container.properties[item.get("name") or "item"] = item.text or ""
        elif tag != "test" and local(tag) != "suite":
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

    def _test(self, element: etree._Element) -> Result:
        suite = self.stack[-1] if self.stack else None
        parts = TestParts(element)
        tree = TreeReader()
        steps = tree.steps_of(parts.candidates)
        state, duration, message = Status.UNKNOWN, None, None
        json_data: dict[str, Any] = {}
        for name in ("id", "line"):
            if value := element.get(name):
                json_data[name] = value
        if parts.timeout is not None and (timeout := parts.timeout.get("value")):
            json_data["timeout"] = timeout
        if (status := parts.status) is not None:
            state, duration = status_and_duration(status)
            message = stripped_text(status)
            if status.get("critical") == "no":  # RF < 4 non-critical tests
                json_data["critical"] = False
        result = Result(
            title=element.get("name") or "(unnamed test)",
            status=state,
            container=suite.container if suite else None,
            duration=duration,
            description=_stripped(parts.doc),
            exception_description=message,
            exception_name=exception_name(message),
            exception_backtrace=tree.traceback,
            tags=parts.tags,
            steps=steps,
            json_data=json_data,
        )
        if suite is not None and suite.teardowns:
            _apply_teardowns(result, suite.teardowns)
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
        # the root first: a wrong one is refused before any pass (they are told only of suites and tests)
        root, _ = read_root(source)
        if root.name != "robot":
            raise ParseError(f"not a Robot Framework output.xml: root element is <{root.name}>, expected <robot>")
        source.seek(start)
        teardowns: dict[int, _Teardown] = {}
        if _written_by_robot(root.attributes) and _has_suite_teardown(source):
            source.seek(start)
            teardowns = _suite_teardowns(source)
        source.seek(start)
        properties = {name: value for name in _ROOT_PROPERTIES if (value := root.attributes.get(name))}
        meta = ReportMeta(properties=properties)
        yield from _Reader(teardowns, meta).read(source)
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
