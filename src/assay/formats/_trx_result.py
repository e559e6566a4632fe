"""Reading one TRX `<UnitTestResult>` (and its `<InnerResults>`) and one `<UnitTest>` definition.

Nothing here returns an lxml object: a result element becomes a `Result` whose container and
class are filled in later by `trx.py`, once the test's definition is known.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lxml import etree

from assay.formats._xml import local
from assay.formats._xml_results import add_property, add_tag, basename, children, clean_text, parse_datetime
from assay.model import Asset, Result, Status, Step

# TRX's TestOutcome enum (Microsoft.VisualStudio.TestPlatform.ObjectModel), outcome by outcome.
OUTCOMES: dict[str, Status] = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "notexecuted": Status.SKIPPED,  # [Ignore], xUnit Skip=, NUnit [Ignore]/[Explicit]
    "inconclusive": Status.UNKNOWN,  # Assert.Inconclusive()
    # a test MSTest could not run (wrong signature, UTA007): not a verdict on the code under test
    "notrunnable": Status.UNKNOWN,
    "timeout": Status.BROKEN,
    "aborted": Status.BROKEN,  # the run stopped while the test ran (host process crashed)
    "error": Status.BROKEN,
    "disconnected": Status.BROKEN,  # the agent running the test was lost
    # the test itself passed; the run was aborted later
    "passedbutrunaborted": Status.PASSED,
    "completed": Status.PASSED,  # ordered/generic tests: ran to completion without failing
    # NUnit's adapter writes Warning for Assert.Warn; the corpus reads NUnit warnings as unknown
    "warning": Status.UNKNOWN,
    "inprogress": Status.UNKNOWN,  # never finished (a TRX written mid-run)
    "pending": Status.UNKNOWN,
}

# hh:mm:ss.fffffff, with an optional day count (.NET TimeSpan: d.hh:mm:ss.fffffff)
_DURATION = re.compile(r"^\s*(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)\s*$")
# xUnit.net: "System.DivideByZeroException : Attempted..."; MSTest: "...threw exception: \nSystem.X: ..."
# `System.DivideByZeroException : ...`, `System.Exception : ...`, `Exception: ...`
_EXCEPTION = re.compile(r"^\s*((?:[A-Za-z_][\w`+]*\.)*[\w`+]*(?:Exception|Error))\s*:", re.M)


class Definition(NamedTuple):
    """What `<TestDefinitions>` says about one test id: kept small, one per test of the run.

    A named tuple: made as fast as a tuple (a frozen dataclass sets each field with a call).
    """

    class_name: str | None = None
    storage: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()


def status_of(outcome: str | None) -> Status:
    """A TRX outcome as a Status; a missing or unknown outcome is UNKNOWN."""
    return OUTCOMES.get((outcome or "").strip().lower(), Status.UNKNOWN)


def duration_ms(value: str | None) -> int | None:
    """`00:00:01.5000000` -> 1500; garbage -> None."""
    if value and len(value) == 16 and value[2] == ":" and value[5] == ":" and value[8] == ".":
        # what vstest writes (hh:mm:ss.fffffff), read without the regex: one per result
        hours, minutes, seconds, fraction = value[:2], value[3:5], value[6:8], value[9:]
        if hours.isdecimal() and minutes.isdecimal() and seconds.isdecimal() and fraction.isdecimal():
            return round((int(hours) * 3600 + int(minutes) * 60 + float(value[6:])) * 1000)
    match = _DURATION.match(value or "")
    if match is None:
        return None
    days, hours, minutes, seconds = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return round(total * 1000)


def class_title(class_name: str | None) -> str | None:
    """VS 2010-2015 write assembly-qualified names: `Ns.Class, Assembly, Version=...` -> `Ns.Class`."""
    if not class_name:
        return None
    return class_name.split(",", 1)[0].strip() or None


# -- results ----------------------------------------------------------------------------------------


@dataclass
class _Output:
    stdout: str | None = None
    stderr: str | None = None
    message: str | None = None
    stack_trace: str | None = None
    debug_trace: str | None = None
    messages: list[str] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    inner: list[Step] = field(default_factory=list)


def read_result(element: etree._Element) -> Result:
    """A top-level result element as a Result (no container yet); inner results become steps."""
    get = element.get
    outcome = get("outcome")
    result = Result(
        title=get("testName") or "(unnamed)",
        status=status_of(outcome),
        duration=_duration(element),
    )
    properties = result.properties
    for name in ("computerName", "startTime", "endTime"):
        if value := get(name):
            properties[name] = value
    data: dict[str, Any] = {"outcome": outcome}
    for name, key in (("testId", "test_id"), ("executionId", "execution_id"), ("resultType", "result_type"),
                      ("dataRowInfo", "data_row")):
        if value := get(name):
            data[key] = value
    result.json_data = data
    if len(element):  # most passed tests have no output at all
        output = _read_output(element)
        result.stdout = output.stdout
        result.stderr = output.stderr
        result.exception_description = output.message
        result.exception_backtrace = output.stack_trace
        if output.message and (match := _EXCEPTION.search(output.message)):
            result.exception_name = match.group(1)
        result.assets = output.assets
        result.steps = output.inner
        if output.debug_trace:
            data["debug_trace"] = output.debug_trace
        if output.messages:
            data["messages"] = output.messages
    return result


def _duration(element: etree._Element) -> int | None:
    duration = duration_ms(element.get("duration"))
    if duration is not None:
        return duration
    # some adapters leave duration out; start and end still bound the run
    start, end = parse_datetime(element.get("startTime")), parse_datetime(element.get("endTime"))
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() * 1000)


def _read_step(element: etree._Element) -> Step:
    """An inner result (a data row of a data-driven test, a test of an ordered test) as a Step."""
    output = _read_output(element)
    step = Step(
        title=element.get("testName") or "(unnamed)",
        status=status_of(element.get("outcome")),
        duration=_duration(element),
        error=output.message,
        steps=output.inner,
        assets=output.assets,
    )
    data = {key: value for key, value in (("stack_trace", output.stack_trace), ("stdout", output.stdout),
                                          ("stderr", output.stderr)) if value}
    if data:
        step.data = data
    return step


def _read_output(element: etree._Element) -> _Output:
    output = _Output()
    for child in element:
        tag = local(child.tag)
        if tag == "Output":
            _read_output_element(child, output)
        elif tag == "ResultFiles":
            output.assets.extend(result_files(child))
        elif tag == "CollectorDataEntries":
            output.assets.extend(_collector_files(child))
        elif tag == "InnerResults":
            output.inner.extend(_read_step(inner) for inner in child if isinstance(inner.tag, str))
    return output


def _read_output_element(element: etree._Element, output: _Output) -> None:
    for child in element:
        tag = local(child.tag)
        if tag == "StdOut":
            output.stdout = _text(child)
        elif tag == "StdErr":
            output.stderr = _text(child)
        elif tag == "DebugTrace":
            output.debug_trace = _text(child)
        elif tag == "ErrorInfo":
            for part in child:
                name = local(part.tag)
                if name == "Message":
                    output.message = _text(part)
                elif name == "StackTrace":
                    output.stack_trace = _text(part)
        elif tag == "TextMessages":
            output.messages.extend(text for message in children(child, "Message") if (text := _text(message)))


def result_files(element: etree._Element) -> list[Asset]:
    """`<ResultFiles><ResultFile path="..."/>`: files the test attached (TestContext.AddResultFile)."""
    return [
        Asset(name=basename(path), path=path)
        for item in children(element, "ResultFile")
        if (path := (item.get("path") or "").strip())
    ]


def _collector_files(element: etree._Element) -> list[Asset]:
    # data collectors (code coverage, video, event log) attach files as <UriAttachment><A href>
    assets = []
    for link in element.iter("{*}A", "A"):
        if href := (link.get("href") or "").strip():
            assets.append(Asset(name=basename(href), path=href))
    return assets


def _text(element: etree._Element) -> str | None:
    """Element text with CRLF -> LF and blank edges trimmed (leading indentation of traces kept)."""
    text = element.text
    if not text:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip("\n").rstrip() or None


# -- definitions ------------------------------------------------------------------------------------


def read_definition(element: etree._Element) -> tuple[str, Definition] | None:
    """A `<UnitTest>` (or ordered/generic/web test) definition keyed by its id; None without id."""
    test_id = element.get("id")
    if not test_id:
        return None
    class_name = None  # as written: `class_title` makes it the class
    description = None
    tags: list[str] = []
    properties: dict[str, Any] = {}
    if priority := element.get("priority"):
        properties["priority"] = priority
    for child in element[:]:  # a slice is built in C: cheaper than iterating the element
        tag = local(child.tag)
        if tag == "TestMethod":
            class_name = child.get("className")
        elif tag == "Execution":
            continue  # every definition has one; nothing in it is kept
        elif tag == "Description":
            description = clean_text(child.text)
        elif tag == "Owners":
            for owner in children(child, "Owner"):
                if name := owner.get("name"):
                    add_tag(tags, f"owner:{name}")
        elif tag == "TestCategory":
            for item in children(child, "TestCategoryItem"):
                if name := item.get("TestCategory"):
                    add_tag(tags, name)
        elif tag in ("WorkItemIDs", "Workitems"):
            for item in child:
                if value := (item.get("id") or item.text or "").strip():
                    add_tag(tags, f"workitem:{value}")
        elif tag == "Properties":
            for prop in children(child, "Property"):
                key = _child_text(prop, "Key")
                if key:
                    add_property(properties, key, _child_text(prop, "Value") or "")
    storage = element.get("storage") or None
    if description is None and not tags and not properties:
        return test_id, _plain_definition(class_name, storage)
    flat = tuple((key, value) for key, values in properties.items()
                 for value in (values if isinstance(values, list) else [values]))
    return test_id, Definition(class_title(class_name), storage, description, tuple(tags), flat)


@functools.lru_cache(maxsize=1024)
def _plain_definition(class_name: str | None, storage: str | None) -> Definition:
    """The definition of a test that says nothing but its class and storage, as most do: made once
    per class and shared by its tests, so the table of a run's definitions stays small."""
    return Definition(class_title(class_name), storage)


def _child_text(element: etree._Element, name: str) -> str | None:
    found = next(children(element, name), None)
    return clean_text(found.text) if found is not None else None
