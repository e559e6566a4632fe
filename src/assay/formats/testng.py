"""TestNG's XML report: `testng-results.xml`, written by `org.testng.reporters.XMLReporter`.

Covers TestNG 5.x to 7.x, including the reporter's options (split class/package names, the
`groups` attribute, result attributes, short or full stack traces).

The tree `<suite>` > `<test>` > `<class>` becomes Containers classified "Suite", "Test" and
"Class"; each `<test-method>` is a Result, except configuration methods (`is-config="true"`:
@BeforeMethod, @AfterClass...), which are not tests. A failed configuration method is what makes
TestNG skip the tests after it, so its failure is kept on its class container under
`properties["config-failures"]`.

A test's title is its method name with its data-provider parameters: `test(1, "a")`. Groups are
tags, `<reporter-output>` lines (Reporter.log) are its stdout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import (
    Root,
    add_property,
    add_tag,
    child,
    child_text,
    children,
    element_text,
    int_ms,
    parse_datetime,
    read_root,
    release,
    root_element,
)
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

_ROOT = "testng-results"

_STATUSES = {
    "PASS": Status.PASSED,
    "FAIL": Status.FAILED,
    "SKIP": Status.SKIPPED,
    # failed, but within the @Test(successPercentage=...) TestNG accepts: TestNG counts it a pass
    "SUCCESS_PERCENTAGE_FAILURE": Status.PASSED,
}

# Container elements, the element each one must sit in, and their classification.
_CONTAINERS = {
    "suite": (_ROOT, "Suite"),
    "test": ("suite", "Test"),
    "class": ("test", "Class"),
}

# The elements that cross into Python (in any namespace); the others are read from the tree under them.
# Not `<reporter-output>`: every test method has one. The run's own (Reporter.log lines written
# outside tests) is read when the suite after it opens, or at the end of the run.
_NAMED = ("{*}test-method", "{*}class", "{*}test", "{*}suite", "{*}groups", f"{{*}}{_ROOT}")

# test-method attributes kept as Result properties (what the test declares about itself).
_PROPERTY_ATTRIBUTES = (
    "retried",
    "data-provider",
    "depends-on-methods",
    "depends-on-groups",
    "test-instance-name",
)
_PROPERTY_SET = frozenset(_PROPERTY_ATTRIBUTES)


def sniff(head: bytes) -> float:
    """0.95 when the root element is `<testng-results>`, else 0."""
    root = root_element(head)
    return 0.95 if root is not None and root[0] == _ROOT else 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream Containers (suite, test, class), Results (test methods) and ReportMeta (run times).

    Raises ParseError for malformed XML (with line and column) or a root other than
    `<testng-results>`.
    """
    # Open containers, innermost last: (element, container, class name for its results).
    stack: list[tuple[etree._Element, Container, str | None]] = []
    groups: dict[tuple[str, str], list[str]] = {}  # (class, method) -> groups, for the open suite
    # the root is read first: the parse below is told only of the elements it reads
    root, stream = read_root(stream)
    _check_root(root)
    # Only end events (half the work of start and end), and only of the elements named here (the
    # others never cross into Python): a container is opened lazily, at the first end event of
    # interest inside it (or at its own end), which keeps parents first and the order.
    for _, element in iterparse(stream, events=("end",), tag=_NAMED):
        tag = _local(element.tag)
        if tag == "test-method":
            pass
        elif tag == "groups":
            if _parent_tag(element) != "suite":
                continue
        elif tag == _ROOT:
            yield from _run_output(element, None)
            continue
        elif not (tag in _CONTAINERS and _CONTAINERS[tag][0] == _parent_tag(element)):
            continue
        parent = element.getparent()
        if tag in _CONTAINERS or not (stack and stack[-1][0] is parent):
            for opened in _open_ancestors(element, stack):
                yield opened
                if isinstance(opened, Container) and opened.classification == "Suite":
                    groups = {}
        if tag == "test-method":
            holder, classname = (stack[-1][1], stack[-1][2]) if stack else (None, None)
            result = _test_method(element, holder, classname, groups)
            if result is None:
                continue  # a configuration method: freed with the next element released after it
            yield result
        elif tag == "groups":
            groups = _suite_groups(element)
        else:
            stack.pop()
        release(element)


def _open_ancestors(
    element: etree._Element, stack: list[tuple[etree._Element, Container, str | None]]
) -> Iterator[Event]:
    """Open the containers around `element` (itself included) not yet opened, outermost first."""
    waiting = []
    node: etree._Element | None = element
    innermost = stack[-1][0] if stack else None
    while node is not None and node is not innermost:
        parent = node.getparent()
        tag = _local(node.tag)
        if tag in _CONTAINERS and parent is not None and _CONTAINERS[tag][0] == _local(parent.tag):
            waiting.append((tag, node))
        node = parent
    for tag, node in reversed(waiting):
        if tag == "suite":
            yield from _run_output(node.getparent(), node)
        container, classname = _open(tag, node, stack[-1][1] if stack else None)
        stack.append((node, container, classname))
        yield container
        if tag == "suite":
            meta = _suite_meta(node)
            if meta.started_at or meta.finished_at:
                yield meta


def _run_output(run: etree._Element, upto: etree._Element | None) -> Iterator[ReportMeta]:
    """The run's `<reporter-output>` among its children before `upto` (all with None), which are
    then freed: Reporter.log lines written outside tests go to the report."""
    while True:
        try:
            child = run[0]  # not len(run): lxml counts children one by one
        except IndexError:
            return
        if child is upto:
            return
        if _local(child.tag) == "reporter-output" and (output := _reporter_output(child)):
            yield ReportMeta(properties={"reporter-output": output})
        del run[0]


FORMAT = Format(
    name="testng",
    origin="testng_xml",
    title="TestNG XML",
    sniff_fn=sniff,
    parse=parse,
    aliases=("testng-xml", "testng-results"),
    filenames=("testng-results.xml", "*.xml"),
    mimetypes=("application/xml", "text/xml"),
    priority=0.5,
)


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


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """`children()` with the remembered local names (and a slice, built in C, to go through)."""
    return [node for node in element[:] if _local(node.tag) == name]


def _parent_tag(element: etree._Element) -> str:
    parent = element.getparent()
    return _local(parent.tag) if parent is not None else ""


def _check_root(root: Root) -> None:
    if root.name != _ROOT:
        raise ParseError(
            f"not a TestNG file: root element is <{root.name}>, expected <{_ROOT}>", line=root.line
        )


def _open(tag: str, element: etree._Element, parent: Container | None) -> tuple[Container, str | None]:
    """The Container for a suite, test or class start tag, and the class name its methods get."""
    classification = _CONTAINERS[tag][1]
    name = (element.get("name") or "").strip()
    classname: str | None = None
    if tag == "class":
        # XMLReporter's splitClassAndPackageNames writes name="Test" package="com.acme"
        package = (element.get("package") or "").strip()
        if package and package != "[default]":
            name = f"{package}.{name}"
        classname = name or None
    container = Container(
        title=name or f"(unnamed {classification.lower()})",
        classification=classification,
        parent=parent,
        duration=int_ms(element.get("duration-ms")),
    )
    if element.get("url"):
        # file fragmentation: the suite's results were written to another file
        container.properties["url"] = element.get("url")
    return container, classname


def _suite_meta(element: etree._Element) -> ReportMeta:
    return ReportMeta(
        started_at=parse_datetime(element.get("started-at")),
        finished_at=parse_datetime(element.get("finished-at")),
    )


def _suite_groups(element: etree._Element) -> dict[tuple[str, str], list[str]]:
    """`<groups><group name><method name class/>`: which groups each (class, method) belongs to."""
    found: dict[tuple[str, str], list[str]] = {}
    for group in children(element, "group"):
        name = (group.get("name") or "").strip()
        if not name:
            continue
        for method in children(group, "method"):
            key = ((method.get("class") or "").strip(), (method.get("name") or "").strip())
            add_tag(found.setdefault(key, []), name)
    return found


def _test_method(
    element: etree._Element,
    container: Container | None,
    classname: str | None,
    groups: dict[tuple[str, str], list[str]],
) -> Result | None:
    """A Result for a test method; None for a configuration method (noted when it failed)."""
    flag = element.get("is-config")
    if flag and flag.strip().lower() == "true":
        if (element.get("status") or "").strip().upper() == "FAIL" and container is not None:
            _note_config_failure(container, element, _method_name(element.get))
        return None
    # lxml's get() walks the attributes anew at every call: read them all once
    attributes_of = dict(element.items())
    get = attributes_of.get
    name = _method_name(get)
    raw_status = (get("status") or "").strip().upper()
    # one pass over the method's children (most have two or three; a slice is built in C)
    params: list[str] = []
    output = exception = attributes = None
    for node in element[:]:
        name_of = _local(node.tag)
        if name_of == "params":
            params += [_param_value(param) for param in _children(node, "param")]
        elif name_of == "reporter-output":
            output = node if output is None else output
        elif name_of == "exception":
            exception = node if exception is None else exception
        elif name_of == "attributes":
            attributes = node if attributes is None else attributes
    result = Result(
        title=f"{name}({', '.join(params)})" if params else name,
        status=_STATUSES.get(raw_status, Status.UNKNOWN),
        container=container,
        duration=int_ms(get("duration-ms")),
        description=(get("description") or "").strip() or None,
        classname=classname,
        stdout=_reporter_output(output),
    )
    if exception is not None:
        _read_exception(result, exception)
    if not _PROPERTY_SET.isdisjoint(attributes_of):  # most methods declare none of them
        for attribute in _PROPERTY_ATTRIBUTES:
            value = (get(attribute) or "").strip()
            # ITest's test name; TestNG 6 writes the class name there when the test sets none
            if value and not (attribute == "test-instance-name" and value == classname):
                result.properties[attribute] = value
    if attributes is not None:
        _read_attributes(result, attributes)
    if raw_status not in _STATUSES or raw_status == "SUCCESS_PERCENTAGE_FAILURE":
        result.properties["testng-status"] = raw_status
    if groups or "groups" in attributes_of:
        _read_groups(result, get("groups"), classname, name, groups)
    json_data = result.json_data
    if signature := get("signature"):
        json_data["signature"] = signature
    if started := get("started-at"):
        json_data["started_at"] = started
    if finished := get("finished-at"):
        json_data["finished_at"] = finished
    return result


def _method_name(get: Callable[[str], str | None]) -> str:
    return (get("name") or get("signature") or "").strip() or "(unnamed method)"


def _param_value(param: etree._Element) -> str:
    value = child(param, "value")
    if value is None or (value.get("is-null") or "").lower() == "true":
        return "null"
    return element_text(value) or ""


def _read_exception(result: Result, exception: etree._Element | None) -> None:
    if exception is None:
        return
    result.exception_name = (exception.get("class") or "").strip() or None
    parts: dict[str, etree._Element] = {}  # the first child of each name, in one pass
    for node in exception[:]:
        parts.setdefault(_local(node.tag), node)
    result.exception_description = _text_of(parts.get("message"))
    result.exception_backtrace = _text_of(parts.get("full-stacktrace")) or _text_of(parts.get("short-stacktrace"))


def _text_of(element: etree._Element | None) -> str | None:
    return element_text(element) if element is not None else None


def _read_attributes(result: Result, attributes: etree._Element | None) -> None:
    """ITestResult attributes (XMLReporter's generateTestResultAttributes) -> properties."""
    if attributes is None:
        return
    for attribute in children(attributes, "attribute"):
        name = (attribute.get("name") or "").strip()
        if name:
            null = (attribute.get("is-null") or "").lower() == "true"
            add_property(result.properties, name, None if null else element_text(attribute) or "")


def _read_groups(
    result: Result,
    declared: str | None,
    classname: str | None,
    name: str,
    groups: dict[tuple[str, str], list[str]],
) -> None:
    # generateGroupsAttribute writes groups="a, b" on the method; the suite lists them anyway
    if declared:
        for group in declared.split(","):
            add_tag(result.tags, group)
    if groups:  # most suites declare none
        for group in groups.get((classname or "", name), []):
            add_tag(result.tags, group)


def _reporter_output(element: etree._Element | None) -> str | None:
    """`<reporter-output><line>` (Reporter.log) as one text, a line per `<line>`."""
    if element is None:
        return None
    lines = []
    for line in element[:]:
        if _local(line.tag) == "line":
            # a <line> is one text or CDATA node: no need for itertext() then
            text = (line.text or "") if not len(line) else "".join(line.itertext())
            lines.append(text.strip("\r\n"))
    text = "\n".join(lines).strip()
    return text or None


def _note_config_failure(container: Container, element: etree._Element, name: str) -> None:
    """A failed @Before/@After method: the reason the tests after it were skipped."""
    failure: dict[str, Any] = {"method": name}
    if element.get("signature"):
        failure["signature"] = element.get("signature")
    exception = child(element, "exception")
    if exception is not None:
        failure["exception"] = (exception.get("class") or "").strip() or None
        failure["message"] = child_text(exception, "message")
        failure["backtrace"] = child_text(exception, "full-stacktrace") or child_text(
            exception, "short-stacktrace"
        )
    container.properties.setdefault("config-failures", []).append(
        {key: value for key, value in failure.items() if value}
    )
