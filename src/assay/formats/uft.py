"""HP / Micro Focus / OpenText UFT One results, in both of its XML shapes.

- `run_results.xml` (UFT 12.5 and later): `<Results><ReportNode type="testrun">` holding
  `Iteration`, `Action`, `Context`, `Step` and `User` (Reporter.ReportEvent) ReportNodes; each node
  writes its `<Data>` (Name, Description, StartTime, Duration in seconds, Result) after its children.
- `Results.xml` (QuickTest Professional and UFT up to 12): `<Report><General/><Doc><DName>` with
  `DIter` > `Action` (`AName`) > `Step` (`Obj`, `Details`, `NodeArgs status`), read by `_uft_qtp`.

The test is a Container ("Test"; with one "Iteration" Container each when it ran several). Each
action that is not inside another action is a Result, as QMetry's UFT import makes actions its
test cases; everything inside it (steps, object contexts, reporter events, called actions) becomes
nested Steps. Statuses: Passed -> passed, Failed -> failed, Warning, Done and Information -> passed
(a warning is listed in json_data["warnings"]). A failed action whose failing steps are all UFT
run errors (`NodeType` "Run Error": the object could not be identified, the script raised) is
broken. The first failing step gives the failure text, its UFT stack frames the backtrace.
Snapshots and Reporter images become Assets by path (relative to the report folder).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats import _uft_qtp
from assay.formats._blank import nonblank
from assay.formats._uft_common import UftTest, local_time, plain, put, settle, status_of, zone
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import basename, child, child_text, children, release, root_element, seconds_to_ms
from assay.formats.registry import Format
from assay.model import Asset, Event, ReportMeta, Result, Status, Step

_TIME_PATTERNS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S")
# Node types that are test cases when no action encloses them (BPT writes business components).
_ACTIONS = ("action", "businesscomponent", "bc")


def sniff(head: bytes) -> float:
    """0.9 for `<Results>` with ReportNodes or QTP's `<Report>` with General/Doc elements, else 0."""
    root = root_element(head)
    if root is None:
        return 0.0
    if root[0] == "Results" and b"<ReportNode" in head:
        return 0.9
    if root[0] == "Report" and (b"<General" in head or b"<Doc " in head or b"<Doc>" in head):
        return 0.9
    return 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield, per test: a ReportMeta, the test's Container(s), then a Result per top-level action.

    Raises ParseError for malformed XML (with line and column) or a root other than `<Results>`
    or `<Report>`.
    """
    events = iterparse(nonblank(stream))
    for _, root in events:
        tag = local(root.tag)
        if tag == "Results":
            yield from _run_results(events)
        elif tag == "Report":
            yield from _uft_qtp.parse_report(events, root)
        else:
            raise ParseError(
                f"not a UFT result file: root element is <{tag}>, expected <Results> (run_results.xml) "
                "or <Report> (Results.xml)",
                line=root.sourceline,
            )
        return
    raise ParseError("the file is empty or holds no XML element", code="empty_file")


FORMAT = Format(
    name="uft",
    origin="uft_xml",
    title="HP/Micro Focus UFT run_results.xml",
    sniff_fn=sniff,
    parse=parse,
    aliases=("uft-xml", "hpuft", "hp-uft", "qtp", "run_results"),
    filenames=("run_results.xml", "Results.xml", "*.xml"),
    mimetypes=("application/xml", "text/xml"),
    priority=0.5,
)


def _run_results(events: Iterator[tuple[str, etree._Element]]) -> Iterator[Event]:
    test: UftTest | None = None
    for event, element in events:
        tag = local(element.tag)
        if tag == "GeneralInfo" and event == "end":
            yield _general_meta(element)
            release(element)
            continue
        if tag != "ReportNode":
            continue
        kind = (element.get("type") or "").strip().lower()
        if event == "start":
            if kind == "testrun":
                test = UftTest()
            elif kind == "iteration" and test is not None:
                test.start_iteration()
            continue
        if kind in _ACTIONS and test is not None and not _inside_action(element):
            test.add(_action(element))
            release(element)
        elif kind == "iteration" and test is not None:
            data = child(element, "Data")
            index = child_text(data, "Index") if data is not None else None
            test.name_iteration(f"Iteration {index}" if index else f"Iteration {len(test.iterations)}")
            release(element)
        elif kind == "testrun" and test is not None:
            yield from _finish_test(element, test)
            test = None
            release(element)


def _inside_action(element: etree._Element) -> bool:
    return any(
        local(ancestor.tag) == "ReportNode" and (ancestor.get("type") or "").strip().lower() in _ACTIONS
        for ancestor in element.iterancestors()
    )


def _action(element: etree._Element) -> Result:
    data = child(element, "Data")
    fields = _data(data)
    result = Result(
        title=fields["name"] or "(unnamed action)",
        status=status_of(fields["result"]),
        duration=seconds_to_ms(fields["duration"]),
        description=fields["description"],
    )
    if data is not None:
        for parameters in children(data, "InputParameters"):
            for parameter in children(parameters, "Parameter"):
                name = (parameter.get("name") or "").strip()
                if name:
                    result.properties[name] = parameter.get("value") or ""
    put(result.json_data, "start_time", fields["start"])
    put(result.json_data, "uft_result", fields["result"])
    settle(result, _steps(element))
    return result


def _steps(element: etree._Element) -> list[Step]:
    return [_step(node) for node in children(element, "ReportNode")]


def _step(node: etree._Element) -> Step:
    data_element = child(node, "Data")
    fields = _data(data_element)
    status = status_of(fields["result"])
    if status is Status.FAILED and fields["node_type"] == "Run Error":
        status = Status.BROKEN
    extras: dict[str, Any] = {}
    for key in ("result", "start", "node_type", "stack"):
        put(extras, key if key != "start" else "start_time", fields[key])
    steps = _steps(node)
    # a failed leaf step says why in its description; a failed context (Browser > Page) only names itself
    failing = status in (Status.FAILED, Status.BROKEN) and not steps
    error = fields["error"] or (fields["description"] if failing else None)
    if fields["description"] and fields["description"] != error:
        extras["description"] = fields["description"]
    return Step(
        title=fields["name"] or "(unnamed step)",
        keyword=(node.get("type") or "").strip() or None,
        status=status,
        duration=seconds_to_ms(fields["duration"]),
        error=error,
        data=extras or None,
        steps=steps,
        assets=_images(data_element),
    )


def _data(data: etree._Element | None) -> dict[str, Any]:
    """The fields of a ReportNode's `<Data>` this reader uses (all None when it has none)."""
    fields: dict[str, Any] = dict.fromkeys(
        ("name", "description", "result", "duration", "start", "error", "node_type", "stack")
    )
    if data is None:
        return fields
    fields["name"] = child_text(data, "Name")
    fields["description"] = plain(child_text(data, "Description"))
    fields["result"] = child_text(data, "Result")
    fields["duration"] = child_text(data, "Duration")
    fields["start"] = child_text(data, "StartTime")
    fields["error"] = child_text(data, "ErrorText")
    extension = child(data, "Extension")
    if extension is not None:
        fields["node_type"] = child_text(extension, "NodeType")
        fields["stack"] = _stack(child(extension, "StackTrace"))
    return fields


def _stack(trace: etree._Element | None) -> str | None:
    """UFT's StackTrace frames as lines: `clickLink (C:\\...\\Wikipedia.qfl:10): Browser(...).Click`."""
    if trace is None:
        return None
    lines = []
    for frame in children(trace, "StackFrame"):
        function = child_text(frame, "FunctionName") or "?"
        where = child_text(frame, "FileName") or child_text(frame, "ModuleName") or "?"
        line = child_text(frame, "LineNo")
        script = child_text(frame, "Scripts")
        text = f"{function} ({where}:{line})" if line else f"{function} ({where})"
        lines.append(f"{text}: {script}" if script else text)
    return "\n".join(lines) or None


def _images(data: etree._Element | None) -> list[Asset]:
    """A step's snapshot (`<Snapshot reference>`) and Reporter image (`StepCustomImagePath`)."""
    if data is None:
        return []
    paths = [snapshot.get("reference") or "" for snapshot in children(data, "Snapshot")]
    extension = child(data, "Extension")
    if extension is not None:
        paths.append(child_text(extension, "StepCustomImagePath") or "")
    return [Asset(name=basename(path), path=path) for path in paths if path.strip()]


def _finish_test(element: etree._Element, test: UftTest) -> Iterator[Event]:
    data = child(element, "Data")
    fields = _data(data)
    environment = child(data, "Environment") if data is not None else None
    tz = zone(child_text(environment, "Timezone")) if environment is not None else None
    started = local_time(fields["start"], tz, _TIME_PATTERNS)
    meta = ReportMeta(title=fields["name"], started_at=started, duration=seconds_to_ms(fields["duration"]))
    if started is not None and meta.duration is not None:
        meta.finished_at = started + timedelta(milliseconds=meta.duration)
    if data is not None:
        for name in ("ToolName", "ToolVersion"):
            value = child_text(data, name)
            if value:
                meta.properties[f"uft.{name}"] = value
    if environment is not None:
        meta.os = child_text(environment, "OSInfo")
        for name in ("HostName", "User", "Locale", "CpuInfo"):
            value = child_text(environment, name)
            if value:
                meta.properties[f"uft.{name}"] = value
    fallback = Result(
        title=fields["name"] or "(unnamed test)",
        status=status_of(fields["result"]),
        duration=meta.duration,
        description=fields["description"],
    )
    yield from test.events(fields["name"] or "(unnamed test)", meta, fallback)


def _general_meta(element: etree._Element) -> ReportMeta:
    meta = ReportMeta(title=child_text(element, "ResultName"))
    tz = zone(child_text(element, "Timezone"))
    meta.started_at = local_time(child_text(element, "RunStartTime"), tz, _TIME_PATTERNS)
    for name in ("OrchestrationToolName", "OrchestrationToolVersion"):
        value = child_text(element, name)
        if value:
            meta.properties[f"uft.{name}"] = value
    return meta
