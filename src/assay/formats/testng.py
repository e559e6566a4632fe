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

from collections.abc import Iterator, Mapping
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import (
    add_property,
    add_tag,
    child,
    child_text,
    children,
    element_text,
    int_ms,
    parse_datetime,
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

# test-method attributes kept as Result properties (what the test declares about itself).
_PROPERTY_ATTRIBUTES = (
    "retried",
    "data-provider",
    "depends-on-methods",
    "depends-on-groups",
    "test-instance-name",
)


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
    seen_root = False
    for event, element in iterparse(stream):
        tag = local(element.tag)
        if not seen_root:
            _check_root(tag, element)
            seen_root = True
            continue
        parent = element.getparent()
        parent_tag = local(parent.tag) if parent is not None else ""
        if event == "start":
            if tag in _CONTAINERS and _CONTAINERS[tag][0] == parent_tag:
                container, classname = _open(tag, element, stack[-1][1] if stack else None)
                stack.append((element, container, classname))
                yield container
                if tag == "suite":
                    groups = {}
                    meta = _suite_meta(element)
                    if meta.started_at or meta.finished_at:
                        yield meta
            continue
        if tag == "test-method":
            holder, classname = (stack[-1][1], stack[-1][2]) if stack else (None, None)
            result = _test_method(element, holder, classname, groups)
            if result is not None:
                yield result
            release(element)
        elif tag == "groups" and parent_tag == "suite":
            groups = _suite_groups(element)
            release(element)
        elif tag == "reporter-output" and parent_tag == _ROOT:
            output = _reporter_output(element)
            if output:
                yield ReportMeta(properties={"reporter-output": output})
            release(element)
        elif stack and stack[-1][0] is element:
            stack.pop()
            release(element)


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


def _check_root(tag: str, element: etree._Element) -> None:
    if tag != _ROOT:
        raise ParseError(
            f"not a TestNG file: root element is <{tag}>, expected <{_ROOT}>", line=element.sourceline
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
    name = (element.get("name") or element.get("signature") or "").strip() or "(unnamed method)"
    raw_status = (element.get("status") or "").strip().upper()
    if (element.get("is-config") or "").strip().lower() == "true":
        if raw_status == "FAIL" and container is not None:
            _note_config_failure(container, element, name)
        return None
    params = [
        _param_value(param) for params in children(element, "params") for param in children(params, "param")
    ]
    result = Result(
        title=f"{name}({', '.join(params)})" if params else name,
        status=_STATUSES.get(raw_status, Status.UNKNOWN),
        container=container,
        duration=int_ms(element.get("duration-ms")),
        description=(element.get("description") or "").strip() or None,
        classname=classname,
        stdout=_reporter_output(child(element, "reporter-output")),
    )
    _read_exception(result, child(element, "exception"))
    for attribute in _PROPERTY_ATTRIBUTES:
        value = (element.get(attribute) or "").strip()
        # ITest's test name; TestNG 6 writes the class name there when the test sets none
        if value and not (attribute == "test-instance-name" and value == classname):
            result.properties[attribute] = value
    _read_attributes(result, child(element, "attributes"))
    if raw_status not in _STATUSES or raw_status == "SUCCESS_PERCENTAGE_FAILURE":
        result.properties["testng-status"] = raw_status
    _read_groups(result, element, classname, name, groups)
    result.json_data = {
        key: value
        for key, value in (
            ("signature", element.get("signature")),
            ("started_at", element.get("started-at")),
            ("finished_at", element.get("finished-at")),
        )
        if value
    }
    return result


def _param_value(param: etree._Element) -> str:
    value = child(param, "value")
    if value is None or (value.get("is-null") or "").lower() == "true":
        return "null"
    return element_text(value) or ""


def _read_exception(result: Result, exception: etree._Element | None) -> None:
    if exception is None:
        return
    result.exception_name = (exception.get("class") or "").strip() or None
    result.exception_description = child_text(exception, "message")
    result.exception_backtrace = child_text(exception, "full-stacktrace") or child_text(
        exception, "short-stacktrace"
    )


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
    element: etree._Element,
    classname: str | None,
    name: str,
    groups: dict[tuple[str, str], list[str]],
) -> None:
    # generateGroupsAttribute writes groups="a, b" on the method; the suite lists them anyway
    for group in (element.get("groups") or "").split(","):
        add_tag(result.tags, group)
    for group in groups.get((classname or "", name), []):
        add_tag(result.tags, group)


def _reporter_output(element: etree._Element | None) -> str | None:
    """`<reporter-output><line>` (Reporter.log) as one text, a line per `<line>`."""
    if element is None:
        return None
    lines = ["".join(line.itertext()).strip("\r\n") for line in children(element, "line")]
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
