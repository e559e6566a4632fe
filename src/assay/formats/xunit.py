"""xUnit.net's XML report (`--xml`, the console/MSBuild runners), v1 and v2+ formats.

- v1 (xUnit.net 1.x): root `<assembly>` (or several under `<assemblies>`), tests grouped in
  `<class>`; result Pass/Fail/Skip; a skip reason is `<reason><message>`.
- v2 and v3 runners (schema versions 1 to 3): `<assemblies>` > `<assembly>` > `<collection>` >
  `<test>`; result Pass/Fail/Skip/NotRun; a skip reason is `<reason>` text.

Containers: "Assembly" (titled by its file name; the full path is a property), then
"Collection" (v2) or "Class" (v1). A test's title is its `name` (the display name), its classname
is `type`. Traits are tags `name:value`; `<output>` is stdout. Assembly-level `<errors>`
(cleanup failures outside any test) are kept on the assembly's `properties["errors"]`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import (
    Root,
    add_tag,
    basename,
    child,
    child_text,
    children,
    combine_date_time,
    element_text,
    first_children,
    parse_datetime,
    quick_text,
    read_root,
    release,
    root_element,
    seconds_to_ms,
)
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

_ROOTS = ("assemblies", "assembly")

_RESULTS = {
    "pass": Status.PASSED,
    "fail": Status.FAILED,
    "skip": Status.SKIPPED,
    # v2.5+/v3: an explicit test that was not asked for
    "notrun": Status.SKIPPED,
}
# The same as xUnit.net writes them, looked up before lower-casing anything.
_RESULTS_AS_WRITTEN = {"Pass": Status.PASSED, "Fail": Status.FAILED, "Skip": Status.SKIPPED, "NotRun": Status.SKIPPED}

# Container elements, the elements each may sit in, and their classification.
_CONTAINERS = {
    "assembly": (("assemblies", ""), "Assembly"),
    "collection": (("assembly",), "Collection"),
    "class": (("assembly",), "Class"),
}

# Assembly attributes kept as container properties.
_ASSEMBLY_PROPERTIES = ("environment", "test-framework", "target-framework", "config-file")

# Signs of xUnit.net in an `<assembly>` start tag (a .NET or Maven assembly file has none).
_XUNIT_HINTS = (b"test-framework=", b"run-date=", b"total=", b"environment=")


def sniff(head: bytes) -> float:
    """0.95 for an `<assemblies>` root; 0.9 for an xUnit.net-looking `<assembly>` root; else 0."""
    root = root_element(head)
    if root is None:
        return 0.0
    name, attributes = root
    if name == "assemblies":
        return 0.95
    if name != "assembly" or b"xmlns" in attributes:
        # .NET application manifests and Maven assembly descriptors are namespaced <assembly>
        return 0.0
    if any(hint in attributes for hint in _XUNIT_HINTS) or b"<class " in head or b"<collection " in head:
        return 0.9
    return 0.3


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream Containers (assembly, collection or class), Results (tests) and ReportMeta.

    Raises ParseError for malformed XML (with line and column) or a root other than
    `<assemblies>` / `<assembly>`.
    """
    root, stream = read_root(stream)
    _check_root(root)
    if root.name == "assemblies" and (meta := _run_meta(root.attributes)) is not None:
        yield meta
    stack: list[tuple[etree._Element, Container]] = []  # containers opened and not yet ended
    # Only the ends of tests, containers and the parts read into containers cross into Python;
    # lxml builds the rest into the tree under them. A container is opened (and yielded) when the
    # first of these ends inside it, or at its own end, which keeps document order.
    for _, element in iterparse(stream, events=("end",), tag=_REPORTED):
        tag = local(element.tag)
        if tag == "test":
            parent = element.getparent()
            if not stack or parent is not stack[-1][0]:
                yield from _open_containers(parent, stack)
            yield _test(element, stack[-1][1] if stack else None)
            element.clear(keep_tail=False)  # release(), without looking up the parent again
            while element.getprevious() is not None:
                del parent[0]
            continue
        parent = element.getparent()
        parent_tag = local(parent.tag) if parent is not None else ""
        if tag == "errors" and parent_tag == "assembly":
            yield from _open_containers(parent, stack)
            if stack:
                _read_errors(stack[-1][1], element)
                release(element)
        elif tag == "failure" and parent_tag == "class":
            yield from _open_containers(parent, stack)
            if stack:
                # v1: a failure of the class itself (IUseFixture<T> setup or dispose)
                stack[-1][1].properties["failure"] = _failure_details(element)
                release(element)
        elif tag in _CONTAINERS and parent_tag in _CONTAINERS[tag][0]:
            yield from _open_containers(element, stack)
            if stack and stack[-1][0] is element:
                stack.pop()
                release(element)


# The elements whose end the reader is told of: tests, containers, and the parts of containers.
_REPORTED = ("{*}test", "{*}assembly", "{*}collection", "{*}class", "{*}errors", "{*}failure")


def _open_containers(
    element: etree._Element | None, stack: list[tuple[etree._Element, Container]]
) -> Iterator[Event]:
    """Open the containers from `element` up that are not open yet, outermost first."""
    top = stack[-1][0] if stack else None
    pending = []
    while element is not None and element is not top:
        parent = element.getparent()
        tag = local(element.tag)
        if tag in _CONTAINERS and (local(parent.tag) if parent is not None else "") in _CONTAINERS[tag][0]:
            pending.append((tag, element))
        element = parent
    for tag, opened in reversed(pending):
        container = _open(tag, opened, stack[-1][1] if stack else None)
        stack.append((opened, container))
        yield container
        if tag == "assembly" and (meta := _run_meta(opened)) is not None:
            yield meta


FORMAT = Format(
    name="xunit",
    origin="xunit_xml",
    title="xUnit.net XML",
    sniff_fn=sniff,
    parse=parse,
    aliases=("xunit-xml", "xunit.net", "xunitnet"),
    filenames=("*.xml",),
    mimetypes=("application/xml", "text/xml"),
    priority=0.5,
)


def _check_root(root: Root) -> None:
    if root.name not in _ROOTS:
        raise ParseError(
            f"not an xUnit.net file: root element is <{root.name}>, expected <assemblies> or <assembly>",
            line=root.line,
        )


def _open(tag: str, element: etree._Element, parent: Container | None) -> Container:
    classification = _CONTAINERS[tag][1]
    name = (element.get("name") or "").strip()
    container = Container(
        title=name or f"(unnamed {classification.lower()})",
        classification=classification,
        parent=parent,
        duration=seconds_to_ms(element.get("time")),
    )
    if tag == "assembly" and name and basename(name) != name:
        # the assembly's path differs between machines; its file name does not
        container.title = basename(name)
        container.properties["path"] = name
    if tag == "assembly":
        for attribute in _ASSEMBLY_PROPERTIES:
            if element.get(attribute):
                container.properties[attribute] = element.get(attribute)
    return container


def _run_meta(element: etree._Element | Mapping[str, str]) -> ReportMeta | None:
    """Start and finish of `<assemblies>` (schema 2+: start-rtf) or an `<assembly>` (run-date)."""
    started = parse_datetime(element.get("start-rtf")) or combine_date_time(
        element.get("run-date"), element.get("run-time")
    )
    finished = parse_datetime(element.get("finish-rtf"))
    if started is None and finished is None:
        return None
    return ReportMeta(started_at=started, finished_at=finished)


def _test(element: etree._Element, container: Container | None) -> Result:
    get = element.get
    read = (name, type_name, method, raw, time) = get("name"), get("type"), get("method"), get("result"), get("time")
    # json_data's attributes are rare: looked for only when the test has more attributes than
    # these five (one length instead of four lookups)
    more = len(element.attrib) > len(read) - read.count(None)
    name = (name or "").strip()
    type_name = (type_name or "").strip()
    method = (method or "").strip()
    raw = (raw or "").strip()
    # the children in one pass (a childless test skips it): the first output, failure and reason;
    # all traits and warnings
    output: etree._Element | None = None
    failure: etree._Element | None = None
    reason: etree._Element | None = None
    traits: list[etree._Element] = []
    warnings: list[etree._Element] = []
    for part in element if len(element) else ():
        tag = local(part.tag)
        if tag == "output":
            output = part if output is None else output
        elif tag == "failure":
            failure = part if failure is None else failure
        elif tag == "reason":
            reason = part if reason is None else reason
        elif tag == "traits":
            traits.append(part)
        elif tag == "warnings":
            warnings.append(part)
    known = _RESULTS_AS_WRITTEN.get(raw) or _RESULTS.get(raw.lower())
    status = known
    if status is None:
        status = Status.FAILED if failure is not None else Status.UNKNOWN
    exception: str | None = None
    message: str | None = None
    stack_trace: str | None = None
    if failure is not None:
        exception, message, stack_trace = _failure(failure)
    if reason is not None and message is None:
        message = child_text(reason, "message") or _text(reason)
    result = Result(
        title=name or ".".join(part for part in (type_name, method) if part) or "(unnamed test)",
        status=status,
        container=container,
        duration=seconds_to_ms(time),
        exception_name=exception,
        exception_description=message,
        exception_backtrace=stack_trace,
        classname=type_name or None,
        stdout=_text(output) if output is not None else None,
        json_data=_extras(element, method, warnings, attributes=more),
    )
    if traits:
        _read_traits(traits, result.tags)
    if raw and known is None:
        result.properties["result"] = raw
    return result


_text = quick_text


def _failure(failure: etree._Element) -> tuple[str | None, str | None, str | None]:
    """(exception type, message, stack trace) of a `<failure>`."""
    exception = (failure.get("exception-type") or "").strip() or None
    parts = first_children(failure)
    message = _text(parts["message"]) if "message" in parts else None
    if exception and message and message.startswith(f"{exception} : "):
        # xUnit.net 1.x repeats the exception type in front of the message
        message = message[len(exception) + 3 :].strip() or None
    stack_trace = _text(parts["stack-trace"]) if "stack-trace" in parts else None
    return exception, message or None, stack_trace or None


def _failure_details(failure: etree._Element) -> dict[str, str]:
    """`_failure` as a container property: the parts it has."""
    exception, message, stack_trace = _failure(failure)
    details = {"exception": exception, "message": message, "stack_trace": stack_trace}
    return {key: value for key, value in details.items() if value}


def _read_errors(container: Container, element: etree._Element) -> None:
    """`<errors><error type name><failure>`: failures outside tests (cleanup, catastrophic)."""
    errors = []
    for error in children(element, "error"):
        entry: dict[str, Any] = {"type": error.get("type"), "name": error.get("name")}
        failure = child(error, "failure")
        if failure is not None:
            entry.update(_failure_details(failure))
        errors.append({key: value for key, value in entry.items() if value})
    if errors:
        container.properties.setdefault("errors", []).extend(errors)


def _read_traits(holders: list[etree._Element], tags: list[str]) -> None:
    """`<traits><trait name value>` -> `name:value` tags."""
    for holder in holders:
        for trait in children(holder, "trait"):
            name = (trait.get("name") or "").strip()
            value = (trait.get("value") or "").strip()
            add_tag(tags, f"{name}:{value}" if name else value)


def _extras(
    element: etree._Element, method: str, holders: list[etree._Element], *, attributes: bool
) -> dict[str, Any]:
    """What json_data keeps: the method, the `_EXTRA_ATTRIBUTES` (looked for when `attributes`), warnings."""
    extras: dict[str, Any] = {}
    if method:
        extras["method"] = method
    if attributes:
        get = element.get
        for attribute, key in _EXTRA_ATTRIBUTES:
            value = get(attribute)
            if value:
                extras[key] = value
    if holders:
        warnings = [
            text
            for warnings in holders
            for warning in children(warnings, "warning")
            if (text := element_text(warning))
        ]
        if warnings:
            extras["warnings"] = warnings
    return extras


# Test attributes kept in json_data, and their keys there.
_EXTRA_ATTRIBUTES = tuple(
    (attribute, attribute.replace("-", "_")) for attribute in ("source-file", "source-line", "start-rtf", "finish-rtf")
)
