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
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._blank import nonblank
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import (
    clean_text,
    element_text,
    read_root,
    release,
    root_element,
    seconds_to_ms,
)
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status, Step

_ROOTS = ("Catch2TestRun", "Catch")
_TAG = re.compile(r"\[([^\]]*)\]")
_BROKEN_TAGS = ("Exception", "FatalErrorCondition")
_RUN_PROPERTIES = ("rng-seed", "catch2-version", "xml-format-version", "filters")
# `Status.PASSED` is a slow lookup through the Enum class (~0.2 us), made several times per test case
_PASSED, _FAILED, _BROKEN, _SKIPPED = Status.PASSED, Status.FAILED, Status.BROKEN, Status.SKIPPED


class _Scan:
    """What the elements of a test case (or section) say, gathered while walking them."""

    # A plain class: a dataclass's field factories cost half as much again, twice per test case.
    __slots__ = ("broken", "failed", "skipped", "failures", "infos", "warnings", "steps", "overall", "overalls")

    def __init__(self) -> None:
        self.broken = self.failed = self.skipped = False
        self.failures: list[tuple[str, str | None, str]] = []  # (kind, message, text)
        self.infos: list[str] = []  # INFO() messages waiting for their assertion
        self.warnings: list[str] = []
        self.steps: list[Step] = []
        self.overall: etree._Element | None = None  # the first <OverallResult> (of a TestCase)
        self.overalls: etree._Element | None = None  # the first <OverallResults> (of a Section)

    def absorb(self, other: _Scan) -> None:
        self.broken |= other.broken
        self.failed |= other.failed
        self.skipped |= other.skipped
        self.failures.extend(other.failures)
        self.warnings.extend(other.warnings)


def sniff(head: bytes) -> float:
    """0.95 for a `<Catch2TestRun>` root, 0.9 for Catch 1/2's `<Catch>` root, else 0."""
    root = root_element(head)
    if root is None:
        return 0.0
    return {"Catch2TestRun": 0.95, "Catch": 0.9}.get(root[0], 0.0)


# The only elements the parse is told of (see `_xml.iterparse`): the rest of a test case is read
# from the tree at its end. A benchmark is read at its own end and handed to the test case around it.
_EVENT_TAGS = ("{*}TestCase", "{*}Group", "{*}BenchmarkResults")


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream the run's Container, a "File" Container per source file, and a Result per test case.

    Raises ParseError for malformed XML (with line and column) or a root other than
    `<Catch2TestRun>`/`<Catch>`.
    """
    root, stream = read_root(nonblank(stream))
    if root.name not in _ROOTS:
        raise ParseError(
            f"not a Catch2 XML file: root element is <{root.name}>, expected <Catch2TestRun> or <Catch>",
            line=root.line,
        )
    yield _run_meta(root.attributes)
    suite: Container | None = None
    if root.name == "Catch2TestRun":
        suite = Container(title=root.attributes.get("name") or "Catch2 test run", classification="Suite")
        yield suite
    files: dict[str, Container] = {}
    opened: set[etree._Element] = set()  # the root and the Groups (or other wrappers) already seen
    benchmarks: list[tuple[etree._Element, dict[str, Any]]] = []  # read since the last test case
    # Only end events, and only of the elements above: each Group is announced just before the first
    # test inside it (or at its end when it has none), so parents still come first and everything
    # keeps document order.
    for _, element in iterparse(stream, events=("end",), tag=_EVENT_TAGS):
        tag = local(element.tag)
        if tag == "BenchmarkResults":
            benchmarks.append((element, _benchmark(element)))
            continue
        if element.getparent() not in opened:  # (most test cases sit right in an announced one)
            ancestors = _unopened_ancestors(element, opened)
            if ancestors is None:
                continue  # a TestCase or Group inside a TestCase is not one of ours
            for ancestor in reversed(ancestors):
                opened.add(ancestor)
                if local(ancestor.tag) == "Group":
                    suite = _group(ancestor)
                    yield suite
        if tag == "Group":
            if element not in opened:
                opened.add(element)
                suite = _group(element)
                yield suite
            release(element)
            continue
        # one read of the test case's attributes: lxml's get() walks them anew at every call
        attributes = dict(element.items())
        holder = suite
        filename = (attributes.get("filename") or "").strip()
        if filename:
            holder = files.get(filename)
            if holder is None:
                holder = files[filename] = Container(title=filename, classification="File", parent=suite)
                yield holder
        inside = _inside(element, benchmarks) if benchmarks else []
        benchmarks.clear()
        yield _test_case(element, attributes, holder, inside)
        release(element)


def _group(element: etree._Element) -> Container:
    return Container(title=element.get("name") or "Catch test run", classification="Suite")


def _unopened_ancestors(element: etree._Element, opened: set[etree._Element]) -> list[etree._Element] | None:
    """The ancestors of `element` not announced yet, innermost first; None when one is a TestCase.

    (An announced element has no TestCase above it: most tests sit right in one.)
    """
    ancestors = []
    parent = element.getparent()
    while parent is not None and parent not in opened:
        if local(parent.tag) == "TestCase":
            return None
        ancestors.append(parent)
        parent = parent.getparent()
    return ancestors


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


def _run_meta(attributes: Mapping[str, str]) -> ReportMeta:
    meta = ReportMeta(title=(attributes.get("name") or "").strip() or None)
    for name in _RUN_PROPERTIES:
        value = (attributes.get(name) or "").strip()
        if value:
            meta.properties[f"catch2.{name}"] = value
    return meta


def _test_case(
    element: etree._Element,
    attributes: Mapping[str, str],
    container: Container | None,
    benchmarks: list[dict[str, Any]],
) -> Result:
    scan = _Scan()
    _walk(element, scan)
    overall = scan.overall
    if overall is None:
        success, skips, duration = "", "0", None
    else:
        get = overall.get
        success, skips, duration = get("success") or "", get("skips") or "0", get("durationInSeconds")
    status = _status(scan, success.strip().lower(), skips.strip())
    result = Result(
        title=(attributes.get("name") or "").strip() or "(unnamed test case)",
        status=status,
        container=container,
        duration=seconds_to_ms(duration),
        description=(attributes.get("description") or "").strip() or None,
        tags=_tags(attributes.get("tags")),
        steps=scan.steps,
    )
    if overall is not None and len(overall):
        stdout, stderr = _child(overall, "StdOut"), _child(overall, "StdErr")
        result.stdout = element_text(stdout) if stdout is not None else None
        result.stderr = element_text(stderr) if stderr is not None else None
    if scan.failures:
        _read_failures(result, scan)
    data = result.json_data
    for name in ("filename", "line"):
        if attributes.get(name):
            data[name] = attributes[name]
    if scan.warnings:
        data["warnings"] = scan.warnings
    if status is _PASSED and (scan.failed or scan.broken):
        data["expected_failures"] = len(scan.failures)  # [!shouldfail] / [!mayfail]
    if benchmarks:
        data["benchmarks"] = benchmarks
    return result


def _status(scan: _Scan, success: str, skips: str) -> Status:
    """A test case's status from its scan and its <OverallResult success skips> ("" and "0" when absent)."""
    skipped = scan.skipped or (skips.isdigit() and int(skips) > 0)
    if success == "true":
        return _SKIPPED if skipped and not (scan.failed or scan.broken) else _PASSED
    if scan.broken:
        return _BROKEN
    if scan.failed or success == "false":
        return _FAILED
    return _SKIPPED if skipped else _PASSED


_TAGS: dict[str, list[str]] = {}  # tags="[a][b]" -> its tags: a file repeats a few tag sets many times


def _tags(text: str | None) -> list[str]:
    """`[a][b]` -> ["a", "b"], blank and repeated tags left out (a fresh list each time)."""
    if not text:
        return []
    found = _TAGS.get(text)
    if found is None:
        found = []
        for tag in _TAG.findall(text):
            tag = tag.strip()
            if tag and tag not in found:
                found.append(tag)
        if len(_TAGS) < 1024:
            _TAGS[text] = found
    return list(found)


def _walk(element: etree._Element, scan: _Scan) -> None:
    """Gather assertions, messages and sections below `element` (a TestCase or Section) into `scan`."""
    for node in element:
        tag = local(node.tag)
        if tag == "OverallResult":
            scan.overall = node if scan.overall is None else scan.overall
        elif tag == "OverallResults":
            scan.overalls = node if scan.overalls is None else scan.overalls
        elif tag == "Section":
            scan.steps.append(_section(node, scan))
        elif tag == "Expression":
            _expression(node, scan)
        elif tag in _BROKEN_TAGS or tag == "Failure":
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
    if results is None:
        failures, skipped, duration = "0", "", None
    else:
        get = results.get
        failures, skipped, duration = get("failures") or "0", get("skipped") or "", get("durationInSeconds")
    failures = failures.strip()
    if scan.broken:
        status = _BROKEN
    elif scan.failed or (failures.isdigit() and int(failures) > 0):
        status = _FAILED
    elif scan.skipped or skipped.lower() == "true":
        status = _SKIPPED
    else:
        status = _PASSED
    get = node.get
    data = {name: value for name in ("filename", "line", "description") if (value := get(name))}
    step = Step(
        title=(get("name") or "").strip() or "(unnamed section)",
        status=status,
        duration=seconds_to_ms(duration),
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
        if isinstance(inner.tag, str) and local(inner.tag) in _BROKEN_TAGS:
            _failure(local(inner.tag), inner, scan, node, infos)
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
    if not scan.failures or result.status in (_PASSED, _SKIPPED):
        return
    wanted = _BROKEN_TAGS if result.status is _BROKEN else None
    kind, message, _ = next(
        (failure for failure in scan.failures if wanted is None or failure[0] in wanted), scan.failures[0]
    )
    result.exception_name = {"Failure": "FAIL"}.get(kind, kind)
    result.exception_description = message
    result.exception_backtrace = "\n\n".join(text for _, _, text in scan.failures)


def _benchmark(node: etree._Element) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": node.get("name")}
    mean = _child(node, "mean")
    if mean is not None and mean.get("value"):
        entry["mean_ns"] = mean.get("value")
    return entry


def _inside(test_case: etree._Element, benchmarks: list[tuple[etree._Element, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The benchmarks read below `test_case`, in document order (the others sat outside any test case)."""
    found = []
    for node, entry in benchmarks:
        above = node.getparent()
        while above is not None and above is not test_case:
            above = above.getparent()
        if above is not None:
            found.append(entry)
    return found


def _child_text(node: etree._Element, name: str) -> str | None:
    found = _child(node, name)
    return element_text(found) if found is not None else None


def _child(node: etree._Element, name: str) -> etree._Element | None:
    """`child()` with the remembered local names."""
    for found in node:
        if local(found.tag) == name:
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
