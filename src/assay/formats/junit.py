"""JUnit XML, in the dialects real tools write.

Covered producers (each has a corpus file or was checked against its published output):
Maven Surefire/Failsafe 2.x-3.x (flakyFailure/flakyError/rerunFailure/rerunError reruns), Gradle,
Ant junitreport (TESTS-TestSuites.xml), the JUnit 5 console launcher, pytest --junitxml (xfail as
`<skipped type="pytest.xfail">`, testcase `<properties>` from record_property), jest-junit,
karma-junit-reporter, mocha-junit-reporter, go-junit-report and gotestsum, PHPUnit (nested suites,
data sets), Bazel test.xml, googletest (status="notrun"/result="suppressed"), tst
(status="disabled"), swift test --xunit-output, Xcode repetitions as xcresult converters write
them (a `repetition` property on each run), and Xray/Testmo property conventions.

Shape: a root `<testsuites>` (its attributes become a ReportMeta) or a bare root `<testsuite>`;
every `<testsuite>`, at any depth, becomes a Container ("Suite"); every `<testcase>` a Result.
Header counts (tests=, failures=...) are never trusted: the elements are counted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any, cast

from lxml import etree

from assay.errors import ParseError, UnsafeInputError
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

# The only elements the parse loop is told about: everything else (a testcase's failure and output,
# a suite's properties) is read from the tree under them, without a Python round trip per element.
_EVENT_TAGS = ("{*}testcase", "{*}testsuite", "{*}testsuites")


@dataclass(slots=True)
class _Open:
    """A suite element being read: what it became, and the last of its children already read."""

    element: etree._Element
    container: Container | None  # None for the root <testsuites>: what it holds belongs to the report
    done: etree._Element | None = None


@dataclass
class _Reader:
    """One pass over the document, told only of testcases and suites as they end.

    A suite is opened (its Container yielded) when its first testcase ends, or at its own end if it
    has none; `stack` holds the open suites, outermost first. A suite's other children (properties,
    system-out, an error outside any testcase) are read when the next testcase or the suite ends,
    so events still come in document order.
    """

    stack: list[_Open] = field(default_factory=list)
    root_title: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def read(self, stream: _NonBlank) -> Iterator[Event]:
        frame: _Open | None = None  # the innermost open suite
        suite: _Open | None  # the suite of the testcase to read
        for _, element in _events(stream):
            previous = element.getprevious()
            # The hot loop of 100k-testcase files: a testcase right after the one read last (so in
            # the same suite) costs no call but read_case(), and frees that one.
            if frame is not None and previous is frame.done and previous is not None and element.tag == "testcase":
                del frame.element[0]
                suite = frame
            else:
                # a suite ends, or a testcase is the first of its suite, follows the suite's output,
                # properties or error, or is in no suite at all (then skipped)
                suite = yield from self._step(element)
                frame = self.stack[-1] if self.stack else None
                if suite is None:
                    continue
            suite.done = element
            yield read_case(element, suite.container)
        if self.started_at is not None:
            yield ReportMeta(started_at=self.started_at, finished_at=self.finished_at)

    def _step(self, element: etree._Element) -> Generator[Event, None, _Open | None]:
        """Any event but the common one; the suite of the testcase to read, if there is one."""
        name = local(element.tag)
        if name in _ROOTS:
            yield from self._close(element)
            return None
        if name != "testcase":
            return None  # an element the reader is told of only while the root is unknown (_events)
        suite = yield from self._enter(element.getparent())
        if suite is not None:
            # what came between the testcase read last and this one comes first
            yield from self._read_suite_children(suite, until=element)
            _drop_before(element)
        return suite

    # -- suites -----------------------------------------------------------------------------------
    def _enter(self, element: etree._Element) -> Generator[Event, None, _Open | None]:
        """Open `element` and the suites above it that are not open yet; the innermost open suite.

        None when `element` is not a suite in a chain of suites from the root: what it holds is part
        of another element (a testcase inside a testcase, a suite inside <properties>).
        """
        top = self.stack[-1].element if self.stack else None
        unopened: list[etree._Element] = []
        node: etree._Element | None = element
        while node is not top and node is not None:
            if local(node.tag) not in _ROOTS:
                return None
            unopened.append(node)
            node = node.getparent()
        for suite in reversed(unopened):
            yield from self._open(suite)
        return self.stack[-1]

    def _open(self, element: etree._Element) -> Iterator[Event]:
        outer = self.stack[-1] if self.stack else None
        if outer is not None:
            # what came before this suite in its parent comes first
            yield from self._read_suite_children(outer, until=element)
            _drop_before(element)
            outer.done = element
        if local(element.tag) == "testsuite":
            container = self._open_suite(element, outer.container if outer is not None else None)
            yield container
        elif outer is None:
            container = None
            self.root_title = element.get("name") or ""
            meta = self._root_meta(element)
            if meta is not None:
                yield meta
        else:
            # a <testsuites> nested in another is only a grouping: it adds no level
            container = outer.container
        self.stack.append(_Open(element, container))

    def _close(self, element: etree._Element) -> Iterator[Event]:
        """A suite ends: open it if no testcase did, read its last children, free it."""
        if not self.stack or self.stack[-1].element is not element:
            if (yield from self._enter(element)) is None:
                return
        yield from self._read_suite_children(self.stack.pop(), until=None)
        _release(element)

    def _open_suite(self, element: etree._Element, parent: Container | None) -> Container:
        attrib = element.attrib
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

    # -- the other children of a suite -----------------------------------------------------------
    def _read_suite_children(self, suite: _Open, until: etree._Element | None) -> Iterator[Event]:
        """The children of `suite` after the last one read, up to `until` (None: to the end)."""
        child = suite.done.getnext() if suite.done is not None else next(iter(suite.element), None)
        while child is not None and child is not until:
            yield from self._child(child, suite.container)
            child = child.getnext()

    def _child(self, element: etree._Element, suite: Container | None) -> Iterator[Event]:
        # suite is None for the root <testsuites>: what it holds directly belongs to the report.
        # Testcases and suites never reach here: each is read at its own end event.
        tag = local(element.tag)
        if tag == "properties":
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
    """Free a suite that has been read, and the siblings before it."""
    element.clear()
    _drop_before(element)


def _drop_before(element: etree._Element) -> None:
    """Free the siblings before `element`, all read by now: memory stays flat on huge files."""
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _events(stream: _NonBlank) -> Iterator[tuple[str, etree._Element]]:
    """End events of testcases and suites, once the root element is known to be JUnit's.

    Raises ParseError when it is not, before reading further than the file's first bytes.
    """
    source = cast("IO[bytes]", stream)  # iterparse only calls read()
    root = _root_name(stream.head)
    if root is None:
        # The first bytes hold no root start tag (a prolog of over 64 KiB): be told of every
        # element and check the root at the first one.
        return _root_checked(iterparse(source, events=("end",)))
    _check_root(root)
    return iterparse(source, events=("end",), tag=_EVENT_TAGS)


def _root_name(head: bytes) -> str | None:
    """The local name of the root element, as lxml reads it from the first bytes of the file.

    None when they end before the root's start tag, or are not well-formed up to it (reading the
    whole file then raises the same error).
    """
    try:
        for _, element in iterparse(io.BytesIO(head), events=("start",)):
            return local(element.tag)
    except UnsafeInputError:
        raise
    except ParseError:
        pass
    return None


def _root_checked(events: Iterator[tuple[str, etree._Element]]) -> Iterator[tuple[str, etree._Element]]:
    """`events`, once the tree of the first one shows a JUnit root element."""
    for event in events:
        _check_root(local(event[1].getroottree().getroot().tag))
        yield event
        break
    yield from events


def _check_root(name: str) -> None:
    if name not in _ROOTS:
        raise ParseError(f"not a JUnit XML file: root element is <{name}>, expected <testsuites> or <testsuite>")


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
        self.head = self._head  # kept whole, for _root_name()

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
    # Xcode's test repetitions (xcresult converters such as trainer write each run of a repeated
    # test as its own testcase, marked with a `repetition` property: "Repetition 2 of 3") are one
    # test: the last run decides its status, the earlier ones become its attempts, and a test that
    # failed before it passed is flaky. Testcases without the marker are never merged. (This loop
    # is here rather than in a generator of its own: one layer less for every event.)
    held: Result | None = None
    for event in _Reader().read(_NonBlank(stream)):
        if type(event) is Result and _REPETITION in event.properties:
            if held is not None and _same_test(held, event):
                event = _repeated(held, event)
            elif held is not None:
                yield held
            held = event
            continue
        if held is not None:
            yield held
            held = None
        yield event
    if held is not None:
        yield held


_REPETITION = "repetition"


def _same_test(one: Result, other: Result) -> bool:
    return one.container is other.container and one.classname == other.classname and one.title == other.title


def _repeated(earlier: Result, last: Result) -> Result:
    attempt: dict[str, Any] = {"status": earlier.status.label}
    for key, value in (("type", earlier.exception_name), ("message", earlier.exception_description),
                       ("stack_trace", earlier.exception_backtrace), ("duration", earlier.duration),
                       (_REPETITION, earlier.properties.get(_REPETITION))):
        if value is not None:
            attempt[key] = value
    last.attempts[:0] = [*earlier.attempts, attempt]
    if last.status is Status.PASSED and any(a["status"] != Status.PASSED.label for a in last.attempts):
        last.flaky = True
    return last


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
