"""JUnit XML, in the dialects real tools write.

Covered producers (each has a corpus file or was checked against its published output):
Maven Surefire/Failsafe 2.x-3.x (flakyFailure/flakyError/rerunFailure/rerunError reruns), Gradle,
Ant junitreport (TESTS-TestSuites.xml), the JUnit 5 console launcher, pytest --junitxml (xfail as
`<skipped type="pytest.xfail">`, testcase `<properties>` from record_property), jest-junit,
karma-junit-reporter, mocha-junit-reporter, go-junit-report and gotestsum, PHPUnit (nested suites,
data sets), Bazel test.xml, googletest (status="notrun"/result="suppressed"), tst
(status="disabled"), swift test --xunit-output, and Xray/Testmo property conventions.

Shape: a root `<testsuites>` (its attributes become a ReportMeta) or a bare root `<testsuite>`;
every `<testsuite>`, at any depth, becomes a Container ("Suite"); every `<testcase>` a Result.
Header counts (tests=, failures=...) are never trusted: the elements are counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._junit_case import (
    attachments_in,
    duration_ms,
    first_line,
    parse_timestamp,
    read_case,
    read_properties,
    text_of,
)
from assay.formats._xml import iterparse, local
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

__all__ = ["FORMAT", "parse", "sniff"]

_ROOTS = ("testsuites", "testsuite")
# Suite attributes that are counts or fields, not properties (counts are recomputed anyway).
_SUITE_FIELDS = frozenset({"name", "tests", "failures", "errors", "skipped", "disabled", "ignored", "time"})
# Report-level properties that the writer uses for the report's own fields.
_REPORT_FIELDS = ("build", "os", "platform")


# -- sniff ----------------------------------------------------------------------------------------

_PROLOG = re.compile(
    r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def _decode_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", errors="ignore")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff")


def root_element(head: bytes) -> str | None:
    """The local name of the first element in `head`, past the prolog; None if there is none."""
    text = _decode_head(head)
    position = 0
    while match := _PROLOG.match(text, position):
        position = match.end()
    tag = _TAG.match(text, position)
    return tag.group(1) if tag else None


def sniff(head: bytes) -> float:
    """0.9 when the root element is `<testsuites>` or `<testsuite>`; 0 otherwise.

    NUnit's `<test-suite>`/`<test-run>`, xUnit.net's `<assemblies>` and TestNG's
    `<testng-results>` are other formats.
    """
    try:
        return 0.9 if root_element(head) in _ROOTS else 0.0
    except Exception:  # a sniffer never raises
        return 0.0


# -- parse ----------------------------------------------------------------------------------------


@dataclass
class _Reader:
    """One pass over the document; `stack` holds the open suites (None for the root <testsuites>)."""

    stack: list[Container | None] = field(default_factory=list)
    seen_root: bool = False
    root_title: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def read(self, stream: IO[bytes]) -> Iterator[Event]:
        # The hot loop of 100k-testcase files: locals only, one call per testcase, and each tag's
        # local name worked out once.
        depth = 0  # > 0 while inside a non-suite child of the current suite (a testcase...)
        stack = self.stack
        names: dict[str, str] = {}
        for event, element in iterparse(stream):
            if depth:
                if event == "start":
                    depth += 1
                    continue
                depth -= 1
                if depth:
                    continue
                if element.tag == "testcase":
                    yield read_case(element, stack[-1])
                else:
                    yield from self._child(element)
                # _release(element), inlined and without clear(): the element goes with its next
                # sibling, and the last child of a suite goes with the suite's own clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
            elif event == "end":
                # only suites reach here: every other element is consumed through `depth`
                stack.pop()
                _release(element)
            else:
                tag = element.tag
                if tag == "testcase" and stack:  # the common case, settled without a lookup
                    depth = 1
                    continue
                name = names.get(tag)
                if name is None:
                    name = names[tag] = local(tag)
                if name in _ROOTS or not self.seen_root:
                    yield from self._start(element)
                else:
                    depth = 1
        if self.started_at is not None:
            yield ReportMeta(started_at=self.started_at, finished_at=self.finished_at)

    # -- suites -----------------------------------------------------------------------------------
    def _start(self, element: etree._Element) -> Iterator[Event]:
        tag = local(element.tag)
        if not self.seen_root:
            if tag not in _ROOTS:
                raise ParseError(
                    f"not a JUnit XML file: root element is <{tag}>, expected <testsuites> or <testsuite>"
                )
            self.seen_root = True
        if tag == "testsuite":
            container = self._open_suite(element)
            self.stack.append(container)
            yield container
        elif tag == "testsuites":
            if not self.stack:
                self.root_title = element.get("name") or ""
                meta = self._root_meta(element)
                if meta is not None:
                    yield meta
            # a <testsuites> nested in another is only a grouping: it adds no level
            self.stack.append(self.stack[-1] if self.stack else None)

    def _open_suite(self, element: etree._Element) -> Container:
        attrib = element.attrib
        parent = self.stack[-1] if self.stack else None
        container = Container(
            title=attrib.get("name") or attrib.get("package") or "(unnamed)",
            classification="Suite",
            parent=parent,
            duration=duration_ms(attrib.get("time")),
        )
        # Ant/Surefire: timestamp, hostname, package, id; PHPUnit: file, assertions
        container.properties.update(_extra_attributes(element))
        self._note_time(attrib.get("timestamp"), container.duration)
        return container

    def _root_meta(self, element: etree._Element) -> ReportMeta | None:
        attrib = element.attrib
        meta = ReportMeta(title=attrib.get("name") or None, duration=duration_ms(attrib.get("time")))
        # googletest writes ad-hoc RecordProperty() values as root attributes
        meta.properties.update(_extra_attributes(element))
        self._note_time(attrib.get("timestamp"), meta.duration)
        if meta.title is None and meta.duration is None and not meta.properties:
            return None
        return meta

    def _note_time(self, timestamp: str | None, duration: int | None) -> None:
        started = parse_timestamp(timestamp)
        if started is None:
            return
        if self.started_at is None or started < self.started_at:
            self.started_at = started
        finished = started + timedelta(milliseconds=duration or 0)
        if self.finished_at is None or finished > self.finished_at:
            self.finished_at = finished

    # -- direct children of a suite ---------------------------------------------------------------
    def _child(self, element: etree._Element) -> Iterator[Event]:
        tag = local(element.tag)
        # None for the root <testsuites>: what it holds directly belongs to the report
        suite = self.stack[-1]
        if tag == "testcase":
            yield read_case(element, suite)
        elif tag == "properties":
            if suite is not None:
                suite.assets.extend(read_properties(element, suite.properties))
            else:
                yield _report_properties(element)
        elif tag in ("system-out", "system-err"):
            text = text_of(element)
            if text is None:
                return
            if suite is not None:
                suite.properties[tag] = text
                # junit-attachments: markers in a suite's output attach files to the whole suite
                suite.assets.extend(attachments_in(text))
            else:
                yield ReportMeta(properties={tag: text})
        elif tag in ("error", "failure"):
            yield self._suite_outcome(element, suite, Status.BROKEN if tag == "error" else Status.FAILED)

    def _suite_outcome(self, element: etree._Element, suite: Container | None, status: Status) -> Result:
        # An error outside any testcase (a class that failed to load, a crashed fixture). Jenkins
        # junit-plugin turns it into a testcase; so do we, so the error counts.
        owner = suite.title if suite is not None else (self.root_title or "report")
        kind = "suite error" if status is Status.BROKEN else "suite failure"
        text = text_of(element)
        return Result(
            title=f"{owner} ({kind})",
            status=status,
            container=suite,
            exception_name=element.get("type") or None,
            exception_description=element.get("message") or first_line(text),
            exception_backtrace=text,
        )


def _extra_attributes(element: etree._Element) -> dict[str, Any]:
    """A suite's attributes that are neither counts nor fields (namespaced ones, xsi:..., left out)."""
    return {
        str(key): str(value)
        for key, value in element.items()
        if key not in _SUITE_FIELDS and str(key)[:1] != "{"
    }


def _report_properties(element: etree._Element) -> ReportMeta:
    meta = ReportMeta()
    meta.assets.extend(read_properties(element, meta.properties))
    for name in _REPORT_FIELDS:
        if isinstance(meta.properties.get(name), str):
            setattr(meta, name, meta.properties.pop(name))
    if isinstance(meta.properties.get("tags"), str):
        meta.tags = [tag.strip() for tag in meta.properties.pop("tags").split(",") if tag.strip()]
    return meta


def _release(element: etree._Element) -> None:
    """Free a processed element and the siblings before it: memory stays flat on huge files."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


class _NonBlank:
    """Reads through `stream`, but first tells a blank file (only whitespace) from malformed XML."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._head = stream.read(64 * 1024)
        if not self._head.lstrip(b"\xef\xbb\xbf").strip():
            more = stream.read(1)
            if not more:
                raise ParseError("the file is empty or holds no XML element", code="empty_file")
            self._head += more

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size is None or size < 0:
            size = len(self._head)
        chunk, self._head = self._head[:size], self._head[size:]
        return chunk


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream a JUnit XML file as events: Containers as suites open, Results as testcases close.

    Raises ParseError for malformed XML (with line and column), an empty file or a root element
    that is not `<testsuites>`/`<testsuite>`; UnsafeInputError for DTD entity tricks.
    """
    yield from _Reader().read(_NonBlank(stream))  # type: ignore[arg-type]


FORMAT = Format(
    name="junit",
    origin="junit_xml",
    title="JUnit XML",
    sniff_fn=sniff,
    parse=parse,
    aliases=("junit_xml", "xunit_junit", "surefire", "jest-junit", "gotestsum", "gtest", "googletest"),
    filenames=("test-*.xml", "tests-*.xml", "*junit*.xml", "*.xml"),
    mimetypes=("application/xml", "text/xml", "application/junit+xml"),
    priority=0.5,
)
