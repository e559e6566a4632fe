"""Catch2's XML reporter (`-r xml`): Catch2 v3 `<Catch2TestRun>` and Catch 1.x/2.x `<Catch>`.

The tree is the run (v3: `<Catch2TestRun name>`; v2: its `<Group name>`), classified "Suite",
then one "File" Container per source file the test cases were declared in. Each `<TestCase name
tags filename line>` is a Result:

- an `<Exception>` or `<FatalErrorCondition>` (a crash, a signal) anywhere in it -> broken;
- else a failed `<Expression success="false">` or `<Failure>` (FAIL()) -> failed;
- else `skips` > 0 or a `<Skip>` (v3's SKIP()) -> skipped;
- `<OverallResult success="true">` wins over failed expressions inside: Catch2 writes those for
  [!shouldfail] and [!mayfail] tests, which pass by failing (counted in json_data).

`<Section>`s become Steps (nested as written, with their own status and duration). The failure
text is the expression as Catch2 prints it: `file:line: REQUIRE( a == b )` with its expansion and
the INFO() messages captured before it; the first one is the exception description, all of them
the backtrace. Tags `[a][b]` become tags, `<StdOut>`/`<StdErr>` the result's output.

Catch2's JUnit reporter (`-r junit`) writes JUnit XML, which the junit format reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._blank import nonblank
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import (
    clean_text,
    element_text,
    release,
    root_element,
    seconds_to_ms,
)
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status, Step

_ROOTS = ("Catch2TestRun", "Catch")
_TAG = re.compile(r"\[([^\]]*)\]")
_BROKEN = ("Exception", "FatalErrorCondition")
_RUN_PROPERTIES = ("rng-seed", "catch2-version", "xml-format-version", "filters")


@dataclass(slots=True)
class _Scan:
    """What the elements of a test case (or section) say, gathered while walking them."""

    broken: bool = False
    failed: bool = False
    skipped: bool = False
    failures: list[tuple[str, str | None, str]] = field(default_factory=list)  # (kind, message, text)
    infos: list[str] = field(default_factory=list)  # INFO() messages waiting for their assertion
    warnings: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    overall: etree._Element | None = None  # the first <OverallResult> (of a TestCase)
    overalls: etree._Element | None = None  # the first <OverallResults> (of a Section)

    def absorb(self, other: _Scan) -> None:
        self.broken |= other.broken
        self.failed |= other.failed
        self.skipped |= other.skipped
        self.failures.extend(other.failures)
        self.warnings.extend(other.warnings)


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: object) -> str:
    """`local(tag)`, remembered per tag string: a file repeats a few tags a million times."""
    try:
        return _LOCAL_NAMES[tag]  # type: ignore[index]
    except (KeyError, TypeError):
        name = local(tag)
        if isinstance(tag, str) and len(_LOCAL_NAMES) < 512:
            _LOCAL_NAMES[tag] = name
        return name


def sniff(head: bytes) -> float:
    """0.95 for a `<Catch2TestRun>` root, 0.9 for Catch 1/2's `<Catch>` root, else 0."""
    root = root_element(head)
    if root is None:
        return 0.0
    return {"Catch2TestRun": 0.95, "Catch": 0.9}.get(root[0], 0.0)


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream the run's Container, a "File" Container per source file, and a Result per test case.

    Raises ParseError for malformed XML (with line and column) or a root other than
    `<Catch2TestRun>`/`<Catch>`.
    """
    suite: Container | None = None
    files: dict[str, Container] = {}
    opened: set[etree._Element] = set()  # the root and the Groups already announced
    # Only end events (half the work of start and end): the root is checked at the first one, and
    # each Group is announced just before the first test inside it (or at its end when it has none),
    # so parents still come first and everything keeps document order.
    for _, element in iterparse(nonblank(stream), events=("end",)):
        if not opened:  # the first event: check the root before anything else
            root = element
            while (above := root.getparent()) is not None:
                root = above
            for event in _open(root, opened):
                if isinstance(event, Container):
                    suite = event
                yield event
        tag = _local(element.tag)
        if tag != "TestCase" and tag != "Group":
            continue
        # Its ancestors, innermost first; a TestCase or Group inside a TestCase is not one of ours.
        # (An announced element has no TestCase above it: most tests sit right in one.)
        ancestors = []
        parent = element.getparent()
        nested = False
        while parent is not None and parent not in opened:
            if _local(parent.tag) == "TestCase":
                nested = True
                break
            ancestors.append(parent)
            parent = parent.getparent()
        if nested:
            continue
        if tag == "Group":
            ancestors.insert(0, element)
        for ancestor in reversed(ancestors):
            if ancestor not in opened:
                for event in _open(ancestor, opened):
                    suite = event if isinstance(event, Container) else suite
                    yield event
        if tag == "Group":
            release(element)
            continue
        holder = suite
        filename = (element.get("filename") or "").strip()
        if filename:
            holder = files.get(filename)
            if holder is None:
                holder = files[filename] = Container(title=filename, classification="File", parent=suite)
                yield holder
        yield _test_case(element, holder)
        release(element)


def _open(element: etree._Element, opened: set[etree._Element]) -> Iterator[Event]:
    """The events of the root (after checking it) or of a Group, at the first sight of them."""
    opened.add(element)
    tag = _local(element.tag)
    if element.getparent() is None:
        if tag not in _ROOTS:
            raise ParseError(
                f"not a Catch2 XML file: root element is <{tag}>, expected <Catch2TestRun> or <Catch>",
                line=element.sourceline,
            )
        yield _run_meta(element)
        if tag == "Catch2TestRun":
            yield Container(title=element.get("name") or "Catch2 test run", classification="Suite")
    elif tag == "Group":
        yield Container(title=element.get("name") or "Catch test run", classification="Suite")


FORMAT = Format(
    name="catch2",
    origin="catch2_xml",
    title="Catch2 XML",
    sniff_fn=sniff,
    parse=parse,
    aliases=("catch2-xml", "catch", "catch-xml"),
    filenames=("*.xml",),
    mimetypes=("application/xml", "text/xml"),
    priority=0.5,
)


def _run_meta(root: etree._Element) -> ReportMeta:
    meta = ReportMeta(title=(root.get("name") or "").strip() or None)
    for name in _RUN_PROPERTIES:
        value = (root.get(name) or "").strip()
        if value:
            meta.properties[f"catch2.{name}"] = value
    return meta


def _test_case(element: etree._Element, container: Container | None) -> Result:
    scan = _Scan()
    _walk(element, scan)
    overall = scan.overall
    # one read of each element's attributes: lxml's get() walks them anew at every call
    attributes = dict(element.items())
    result = Result(
        title=(attributes.get("name") or "").strip() or "(unnamed test case)",
        status=_status(scan, overall),
        container=container,
        description=(attributes.get("description") or "").strip() or None,
    )
    tags = result.tags
    for tag in _TAG.findall(attributes.get("tags") or ""):
        tag = tag.strip()  # add_tag(), inline: this runs for every tag of every test
        if tag and tag not in tags:
            tags.append(tag)
    result.steps = scan.steps
    if overall is not None:
        result.duration = seconds_to_ms(overall.get("durationInSeconds"))
        if len(overall):
            stdout, stderr = _child(overall, "StdOut"), _child(overall, "StdErr")
            result.stdout = element_text(stdout) if stdout is not None else None
            result.stderr = element_text(stderr) if stderr is not None else None
    if scan.failures:
        _read_failures(result, scan)
    data: dict[str, Any] = {}
    for name in ("filename", "line"):
        if attributes.get(name):
            data[name] = attributes[name]
    if scan.warnings:
        data["warnings"] = scan.warnings
    if result.status is Status.PASSED and (scan.failed or scan.broken):
        data["expected_failures"] = len(scan.failures)  # [!shouldfail] / [!mayfail]
    benchmarks = _benchmarks(element)
    if benchmarks:
        data["benchmarks"] = benchmarks
    result.json_data = data
    return result


def _status(scan: _Scan, overall: etree._Element | None) -> Status:
    skips = (overall.get("skips") or "0").strip() if overall is not None else "0"
    skipped = scan.skipped or (skips.isdigit() and int(skips) > 0)
    success = (overall.get("success") or "").strip().lower() if overall is not None else ""
    if success == "true":
        return Status.SKIPPED if skipped and not (scan.failed or scan.broken) else Status.PASSED
    if scan.broken:
        return Status.BROKEN
    if scan.failed or success == "false":
        return Status.FAILED
    return Status.SKIPPED if skipped else Status.PASSED


def _walk(element: etree._Element, scan: _Scan) -> None:
    """Gather assertions, messages and sections below `element` (a TestCase or Section) into `scan`."""
    for node in element:
        tag = _local(node.tag)
        if tag == "OverallResult":
            scan.overall = node if scan.overall is None else scan.overall
        elif tag == "OverallResults":
            scan.overalls = node if scan.overalls is None else scan.overalls
        elif tag == "Section":
            scan.steps.append(_section(node, scan))
        elif tag == "Expression":
            _expression(node, scan)
        elif tag in _BROKEN or tag == "Failure":
            _failure(tag, node, scan, None)
        elif tag == "Skip":
            scan.skipped = True
        elif tag == "Info":
            scan.infos.append(element_text(node) or "")
        elif tag == "Warning":
            scan.warnings.append(element_text(node) or "")


def _section(node: etree._Element, parent: _Scan) -> Step:
    scan = _Scan()
    _walk(node, scan)
    results = scan.overalls
    failures = (results.get("failures") or "0").strip() if results is not None else "0"
    if scan.broken:
        status = Status.BROKEN
    elif scan.failed or (failures.isdigit() and int(failures) > 0):
        status = Status.FAILED
    elif scan.skipped or (results is not None and (results.get("skipped") or "").lower() == "true"):
        status = Status.SKIPPED
    else:
        status = Status.PASSED
    get = node.get
    data = {name: value for name in ("filename", "line", "description") if (value := get(name))}
    step = Step(
        title=(get("name") or "").strip() or "(unnamed section)",
        status=status,
        duration=seconds_to_ms(results.get("durationInSeconds")) if results is not None else None,
        error=scan.failures[0][2] if scan.failures else None,
        data=data or None,
        steps=scan.steps,
    )
    if scan.broken or scan.failed or scan.skipped or scan.failures or scan.warnings:
        parent.absorb(scan)
    return step


def _expression(node: etree._Element, scan: _Scan) -> None:
    infos, scan.infos = scan.infos, []
    # An expression that threw carries the <Exception> (or fatal condition) inside it.
    for inner in node:
        if isinstance(inner.tag, str) and _local(inner.tag) in _BROKEN:
            _failure(_local(inner.tag), inner, scan, node, infos)
            return
    if (node.get("success") or "").strip().lower() != "false":
        return
    scan.failed = True
    original, expanded = _child_text(node, "Original"), _child_text(node, "Expanded")
    macro = (node.get("type") or "").strip() or "CHECK"
    lines = [f"{_where(node)}{macro}( {original or ''} )"]
    if expanded and expanded != original:
        lines += ["with expansion:", _indent(expanded)]
    lines += _with_messages(infos)
    scan.failures.append((macro, expanded or original, "\n".join(lines)))


def _failure(
    tag: str, node: etree._Element, scan: _Scan, expression: etree._Element | None, infos: list[str] | None = None
) -> None:
    """FAIL(), an unexpected exception, or a fatal error condition (signal, crash)."""
    if infos is None:
        infos, scan.infos = scan.infos, []
    message = element_text(node)
    if tag == "Failure":
        scan.failed = True
        head = "explicitly failed" + (" with message:" if message else "")
    else:
        scan.broken = True
        head = "fatal error condition" if tag == "FatalErrorCondition" else "unexpected exception"
        head += " with message:" if message else ""
    lines = [f"{_where(node)}{head}"]
    if message:
        lines.append(_indent(message))
    if expression is not None:
        original = _child_text(expression, "Original")
        if original:
            lines.append(f"expression was: {(expression.get('type') or 'CHECK').strip()}( {original} )")
    lines += _with_messages(infos)
    scan.failures.append((tag, message, "\n".join(lines)))


def _read_failures(result: Result, scan: _Scan) -> None:
    if not scan.failures or result.status in (Status.PASSED, Status.SKIPPED):
        return
    wanted = _BROKEN if result.status is Status.BROKEN else None
    kind, message, _ = next(
        (failure for failure in scan.failures if wanted is None or failure[0] in wanted), scan.failures[0]
    )
    result.exception_name = {"Failure": "FAIL"}.get(kind, kind)
    result.exception_description = message
    result.exception_backtrace = "\n\n".join(text for _, _, text in scan.failures)


def _benchmarks(element: etree._Element) -> list[dict[str, Any]]:
    found = []
    for node in element.iter("{*}BenchmarkResults", "BenchmarkResults"):
        entry: dict[str, Any] = {"name": node.get("name")}
        mean = _child(node, "mean")
        if mean is not None and mean.get("value"):
            entry["mean_ns"] = mean.get("value")
        found.append(entry)
    return found


def _child_text(node: etree._Element, name: str) -> str | None:
    found = _child(node, name)
    return element_text(found) if found is not None else None


def _child(node: etree._Element, name: str) -> etree._Element | None:
    """`child()` with the remembered local names."""
    for found in node:
        if _local(found.tag) == name:
            return found
    return None


def _where(node: etree._Element) -> str:
    filename = (node.get("filename") or "").strip()
    if not filename:
        return ""
    line = (node.get("line") or "").strip()
    return f"{filename}:{line}: " if line else f"{filename}: "


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in (clean_text(text) or "").splitlines())


def _with_messages(infos: list[str]) -> list[str]:
    messages = [info for info in infos if info]
    if not messages:
        return []
    return [f"with message{'s' if len(messages) > 1 else ''}:", *(_indent(message) for message in messages)]
