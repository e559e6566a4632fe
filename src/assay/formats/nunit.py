"""NUnit's XML result files, NUnit 2 and NUnit 3 formats.

- NUnit 2.x (root `<test-results>`): written by nunit-console 2.2 to 2.6, by nunit3-console with
  `format=nunit2`, and by NUnit-compatible tools (IEUnit writes lower-case `true` values in
  single quotes). Suites nest through `<results>`; a test-case has `result` (2.5+: Success,
  Failure, Error, Ignored, Skipped, NotRunnable, Inconclusive, Cancelled) or, in 2.2, only
  `executed` and `success`.
- NUnit 3.x (root `<test-run>`): nunit3-console, NUnitLite, the NUnit test logger. A test-case
  has `result` Passed/Failed/Skipped/Inconclusive/Warning and a `label` (Error, Invalid,
  Cancelled, Ignored, Explicit...).

Statuses: a failure is FAILED; Error (NUnit 2) and Failed with label Error/Invalid/Cancelled
(NUnit 3) are BROKEN; Ignored/Skipped/Explicit/NotRunnable are SKIPPED; Inconclusive and Warning
are UNKNOWN.

The `<test-suite>` tree becomes Containers classified by the suite's `type` (Assembly, Namespace,
TestSuite, TestFixture, ParameterizedMethod, Theory...); NUnit 2.2 writes no type, so it is
inferred. The tree already holds namespaces and fixtures, so results carry no `classname` for
smart restructuring to rebuild them a second time; NUnit 3's classname stays in `json_data`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._nunit_case import failure_message, read_attachments, read_label_part, test_case
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import (
    Root,
    basename,
    child_text,
    combine_date_time,
    element_text,
    parse_datetime,
    read_root,
    release,
    root_element,
    seconds_to_ms,
)
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta

_NUNIT3_ROOT = "test-run"
_NUNIT2_ROOT = "test-results"
# A lone <test-suite> is what NUnit's engine API returns for one assembly.
_SUITE = "test-suite"
_ROOTS = (_NUNIT3_ROOT, _NUNIT2_ROOT, _SUITE)

# The message NUnit writes on every suite above a failed test: not news about the suite itself.
_CHILD_FAILURE = "One or more child tests had errors"

# Suite children read into the suite's container when they end.
_SUITE_PARTS = frozenset(
    {"categories", "properties", "reason", "failure", "output", "attachments", "environment"}
)
# The elements whose end the reader is told of.
_REPORTED = ("{*}test-case", "{*}test-suite", *(f"{{*}}{part}" for part in sorted(_SUITE_PARTS)))

# <environment> attributes kept as report properties (user names are left out).
_ENVIRONMENT = ("nunit-version", "framework-version", "clr-version", "platform", "machine-name")


@dataclass
class _Open:
    """A `<test-suite>` being read."""

    element: etree._Element
    container: Container
    has_cases: bool = False


def sniff(head: bytes) -> float:
    """0.95 for a `<test-run>` or `<test-results>` root, 0.6 for a lone `<test-suite>`, else 0."""
    root = root_element(head)
    if root is None:
        return 0.0
    if root[0] in (_NUNIT3_ROOT, _NUNIT2_ROOT):
        return 0.95
    if root[0] == _SUITE and b"type=" in root[1]:
        return 0.6
    return 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream Containers (test suites), Results (test cases) and ReportMeta (run times, environment).

    Raises ParseError for malformed XML (with line and column) or a root other than
    `<test-run>`, `<test-results>` or `<test-suite>`.
    """
    root, stream = read_root(stream)
    nunit3 = _check_root(root)
    if root.name != _SUITE and (meta := _run_meta(root.attributes, nunit3)) is not None:
        yield meta
    stack: list[_Open] = []  # the suites opened and not yet ended, outermost first
    # Only the ends of test cases, suites and suite parts cross into Python; lxml builds the rest
    # into the tree under them. A suite's Container is opened (and yielded) when the first of these
    # ends inside it, or at its own end, which keeps document order.
    for _, element in iterparse(stream, events=("end",), tag=_REPORTED):
        tag = local(element.tag)
        if tag == "test-case":
            parent = element.getparent()
            if not stack or parent is not stack[-1].element:
                yield from _open_suites(parent, stack)
            holder = stack[-1] if stack else None
            if holder is not None and not holder.has_cases:
                holder.has_cases = True
                # NUnit 2.2 writes no suite types: the suite holding test cases is the fixture
                holder.container.classification = holder.container.classification or "TestFixture"
            yield test_case(element, holder.container if holder else None, nunit3)
            element.clear(keep_tail=False)  # release(), without looking up the parent again
            while element.getprevious() is not None:
                del parent[0]
        elif tag in _SUITE_PARTS:
            parent = element.getparent()
            parent_tag = local(parent.tag) if parent is not None else ""
            if parent_tag in (_SUITE, _NUNIT2_ROOT):
                yield from _open_suites(parent, stack)
                meta = _suite_part(tag, element, stack[-1].container if stack and parent_tag == _SUITE else None)
                if meta is not None:
                    yield meta
                release(element)
        elif tag == _SUITE:
            yield from _open_suites(element, stack)
            if stack and stack[-1].element is element:
                done = stack.pop()
                done.container.classification = done.container.classification or "Namespace"
                release(element)


FORMAT = Format(
    name="nunit",
    origin="nunit_xml",
    title="NUnit XML",
    sniff_fn=sniff,
    parse=parse,
    aliases=("nunit-xml", "nunit2", "nunit3"),
    filenames=("testresult.xml", "*.xml"),  # nunit3-console writes TestResult.xml
    mimetypes=("application/xml", "text/xml"),
    priority=0.5,
)


def _check_root(root: Root) -> bool:
    """Whether the file is NUnit 3; raises ParseError for a root NUnit does not write."""
    if root.name not in _ROOTS:
        raise ParseError(
            f"not an NUnit file: root element is <{root.name}>, expected <test-run> (NUnit 3) "
            "or <test-results> (NUnit 2)",
            line=root.line,
        )
    if root.name == _SUITE:
        # NUnit 2 suites say executed/success, NUnit 3 suites do not
        return root.attributes.get("executed") is None and root.attributes.get("success") is None
    return root.name == _NUNIT3_ROOT


def _open_suites(element: etree._Element | None, stack: list[_Open]) -> Iterator[Container]:
    """Open the `<test-suite>`s from `element` up that are not open yet, outermost first."""
    top = stack[-1].element if stack else None
    pending = []
    while element is not None and element is not top:
        if local(element.tag) == _SUITE:
            pending.append(element)
        element = element.getparent()
    for suite in reversed(pending):
        container = _open(suite, stack[-1].container if stack else None)
        stack.append(_Open(suite, container))
        yield container


def _run_meta(element: Mapping[str, str], nunit3: bool) -> ReportMeta | None:
    if nunit3:
        meta = ReportMeta(
            started_at=parse_datetime(element.get("start-time")),
            finished_at=parse_datetime(element.get("end-time")),
            duration=seconds_to_ms(element.get("duration")),
        )
        if element.get("engine-version"):
            meta.properties["engine-version"] = element.get("engine-version")
    else:
        meta = ReportMeta(started_at=combine_date_time(element.get("date"), element.get("time")))
    return meta if meta.started_at or meta.finished_at or meta.properties else None


def _open(element: etree._Element, parent: Container | None) -> Container:
    kind = (element.get("type") or "").strip() or None
    name = (element.get("name") or element.get("fullname") or "").strip()
    if kind is None and name.lower().endswith((".dll", ".exe")):
        kind = "Assembly"  # NUnit 2.2 and IEUnit write no types
    container = Container(
        title=name or kind or "(unnamed suite)",
        classification=kind,
        parent=parent,
        description=(element.get("description") or "").strip() or None,
        duration=seconds_to_ms(element.get("duration") if element.get("duration") else element.get("time")),
    )
    path = element.get("fullname") or name
    if kind == "Assembly" and path and basename(path) != path:
        # the assembly's path differs between machines; its file name does not
        container.title = basename(name) if name else basename(path)
        container.properties["path"] = path
    return container


def _suite_part(tag: str, element: etree._Element, container: Container | None) -> ReportMeta | None:
    """Read a suite's categories, properties, reason, failure, output, attachments or environment."""
    if tag == "environment":
        return _environment(element)
    if container is None:
        return None
    if tag in ("categories", "properties"):
        description = read_label_part(element, container.tags, container.properties)
        container.description = container.description or description
    elif tag == "reason":
        reason = child_text(element, "message") or element_text(element)
        if reason:
            container.properties["reason"] = reason
    elif tag == "failure":
        _suite_failure(container, element)
    elif tag == "output":
        output = element_text(element)
        if output:
            container.properties["output"] = output
    elif tag == "attachments":
        container.assets.extend(read_attachments(element))
    return None


def _suite_failure(container: Container, element: etree._Element) -> None:
    """A suite's own failure (OneTimeSetUp, TearDown, a bad fixture), not the echo of its children's."""
    suite = element.getparent()
    site = ((suite.get("site") if suite is not None else None) or "").strip()
    exception, message = failure_message(element)
    if site == "Child" or message == _CHILD_FAILURE or (message is None and exception is None):
        return
    failure = {
        "exception": exception,
        "message": message,
        "stack_trace": child_text(element, "stack-trace"),
        "site": site or None,
    }
    container.properties["failure"] = {key: value for key, value in failure.items() if value}


def _environment(element: etree._Element) -> ReportMeta:
    meta = ReportMeta(os=(element.get("os-version") or "").strip() or None)
    for attribute in _ENVIRONMENT:
        if element.get(attribute):
            meta.properties[attribute] = element.get(attribute)
    return meta
