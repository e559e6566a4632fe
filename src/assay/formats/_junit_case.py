"""JUnit XML pieces: one `<testcase>` element into a `Result`, plus the value helpers the reader shares.

Kept apart from `junit.py` so the streaming loop stays readable. Functions here receive an lxml
element that the caller clears afterwards; nothing returned holds on to lxml objects.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

from lxml import etree

from assay.formats._xml import local
from assay.model import Asset, Container, Result, Status, worst

# Outcome elements of a testcase; when several appear the most severe wins.
_OUTCOMES = {"failure": Status.FAILED, "error": Status.BROKEN, "skipped": Status.SKIPPED}

# Maven Surefire 2.x/3.x rerunFailingTestsCount: earlier runs of the same test.
# flaky* = failed first and passed on a rerun; rerun* = failed again on a rerun.
_RERUNS = {
    "flakyFailure": Status.FAILED,
    "flakyError": Status.BROKEN,
    "rerunFailure": Status.FAILED,
    "rerunError": Status.BROKEN,
}

# Outcome words of `status=` / `result=` attributes, for producers that write no child element:
# googletest (status="notrun" result="suppressed", result="skipped"), tst (status="disabled"),
# Bazel (status="run").
_STATUS_WORDS = {
    "notrun": Status.SKIPPED,
    "not_run": Status.SKIPPED,
    "suppressed": Status.SKIPPED,
    "disabled": Status.SKIPPED,
    "skipped": Status.SKIPPED,
    "skip": Status.SKIPPED,
    "ignored": Status.SKIPPED,
    "failed": Status.FAILED,
    "failure": Status.FAILED,
    "error": Status.BROKEN,
    "errored": Status.BROKEN,
}

# The child tags _read_children() compares as they are, without working out a local name.
_CHILD_TAGS = frozenset({"system-out", "system-err", "properties", *_OUTCOMES, *_RERUNS})

# Read once per testcase: module constants are cheaper than attribute lookups.
_PASSED = Status.PASSED

# Jenkins junit-attachments plugin convention, also read by Testmo and GitLab.
_ATTACHMENT = re.compile(r"\[\[ATTACHMENT\|([^\]\r\n]+)\]\]")

# The writer marks a status JUnit cannot express (unknown) with this testcase property.
STATUS_PROPERTY = "assay.status"


def duration_ms(value: str | None) -> int | None:
    """`time="1.5"` -> 1500; missing, negative or garbage -> None. Tolerates a decimal comma."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        # Ant on some locales writes "1,234.5" (grouping) or "0,003" (decimal comma)
        text = value.replace(",", "") if "." in value else value.replace(",", ".")
        try:
            seconds = float(text)
        except ValueError:
            return None
    if not 0 <= seconds < math.inf:  # also refuses NaN
        return None
    return round(seconds * 1000)


def _remember_duration(value: str) -> int | None:
    """duration_ms(value), kept in _DURATIONS while it has room."""
    duration = duration_ms(value)
    if len(_DURATIONS) < _DURATIONS_MAX:
        _DURATIONS[value] = duration
    return duration


# duration_ms() of the time= values seen, up to a bound: a file repeats the same few values
# ("0.001", "0.140") over and over, and a dict lookup costs less than float() and round().
_UNSEEN = -1  # never a duration
_DURATIONS: dict[str, int | None] = {}
_DURATIONS_MAX = 4096


def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp, timezone-aware (UTC when the file gives no zone); garbage -> None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def text_of(element: etree._Element) -> str | None:
    """All text inside `element` (CDATA included); None when there is none or only whitespace."""
    text = element.text if len(element) == 0 else "".join(cast("Iterator[str]", element.itertext()))
    if not text or text.isspace():
        return None
    return text


def first_line(text: str | None) -> str | None:
    """The first non-blank line of `text`, stripped."""
    if text:
        for line in text.splitlines():
            if line.strip():
                return line.strip()
    return None


def add_property(properties: dict[str, Any], name: str, value: Any) -> None:
    """Set `name`; a repeated name turns its value into a list, in document order."""
    if name not in properties:
        properties[name] = value
    elif isinstance(properties[name], list):
        properties[name].append(value)
    else:
        properties[name] = [properties[name], value]


def read_properties(element: etree._Element, properties: dict[str, Any]) -> list[Asset]:
    """`<properties>` into `properties`: `value=` or, failing that, the text content.

    Returns the files embedded in Xray-style `<property name="testrun_evidence"><item name=..>`
    (base64) elements, which are not kept as properties.
    """
    assets: list[Asset] = []
    for prop in element:
        if local(prop.tag) != "property":
            continue
        name = prop.get("name")
        if not name:
            continue
        items = [child for child in prop if local(child.tag) == "item"]
        if items:
            assets.extend(asset for item in items if (asset := _embedded(item)) is not None)
            continue
        value = prop.get("value")
        if value is None:
            text = text_of(prop)
            value = text.strip() if text else ""
        add_property(properties, name, value)
    return assets


def _embedded(item: etree._Element) -> Asset | None:
    data = (item.text or "").strip()
    try:
        decoded = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None
    return Asset(name=item.get("name") or "attachment", data=decoded)


def attachments_in(text: str | None) -> list[Asset]:
    """`[[ATTACHMENT|/path/to/file]]` markers in test output, as assets referring to those paths."""
    if not text or "[[ATTACHMENT|" not in text:
        return []
    return [file_asset(match.group(1).strip()) for match in _ATTACHMENT.finditer(text)]


def file_asset(path: str) -> Asset:
    """An asset for a file the result names by path (Windows or POSIX), named after its basename."""
    return Asset(name=path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or path, path=path)


def read_case(case: etree._Element, container: Container | None) -> Result:
    """One `<testcase>` element as a complete Result (status, failure text, output, properties).

    This runs once per testcase of files with 100k of them: keep the common path (a passed test
    with three attributes and no children) lean: one pass over the attributes, no child loop.
    """
    name: str | None = None
    classname: str | None = None
    time: str | None = None
    properties: dict[str, Any] = {}
    statuses: list[Status] | None = None  # from status=/result=, made only when there is one
    # name, classname, time and status/result (the status) become Result fields; any other
    # attribute (file, line, assertions, googletest's value_param...) is kept as a property.
    for key, value in case.items():
        if key == "name":
            name = value
        elif key == "classname":
            classname = value
        elif key == "time":
            time = value
        elif key == "status" or key == "result":
            word = _STATUS_WORDS.get(value.strip().lower())
            if word is not None:  # Status.FAILED is 0: never test a Status for truth
                if statuses is None:
                    statuses = []
                statuses.append(word)
        elif key[:1] != "{":
            properties[key] = value
    classname = classname or None
    duration = None
    if time:
        duration = _DURATIONS.get(time, _UNSEEN)
        if duration == _UNSEEN:
            duration = _remember_duration(time)
    result = Result(
        # JUnit 5 via Surefire writes name="" for a @BeforeAll failure
        title=name or classname or "(unnamed)",
        status=_PASSED,
        container=container,
        duration=duration,
        classname=classname,
        properties=properties,
    )
    children = len(case)
    if children:
        # a lone child (the usual <system-out> or <failure>) is read without a child iterator
        _read_children(case if children > 1 else (case[0],), result, statuses or [])
    elif statuses is not None:
        result.status = cast(Status, worst(statuses))
    if properties:
        _apply_conventions(result)
    return result


def _read_children(children: Iterable[etree._Element], result: Result, statuses: list[Status]) -> None:
    """The child elements of a testcase: outcome, output, properties and reruns.

    `statuses` holds those of the testcase's attributes; the most severe of all wins.
    """
    outcomes: list[tuple[Status, etree._Element]] = []
    stdout: str | None = None
    stderr: str | None = None
    flaky_runs = rerun_runs = 0
    for child in children:
        tag = child.tag
        if tag not in _CHILD_TAGS:  # a namespaced tag, or an element of no interest
            tag = local(tag)
        # the output is joined as it comes: several <system-out> read as one, a line apart
        if tag == "system-out":
            if text := text_of(child):
                stdout = text if stdout is None else f"{stdout}\n{text}"
        elif tag in _OUTCOMES:
            status = _OUTCOMES[tag]
            statuses.append(status)
            outcomes.append((status, child))
        elif tag == "system-err":
            if text := text_of(child):
                stderr = text if stderr is None else f"{stderr}\n{text}"
        elif tag == "properties":
            result.assets.extend(read_properties(child, result.properties))
        elif tag in _RERUNS:
            result.attempts.append(_attempt(child, _RERUNS[tag]))
            if tag.startswith("flaky"):
                flaky_runs += 1
            else:
                rerun_runs += 1

    if statuses:
        status = statuses[0] if len(statuses) == 1 else cast(Status, worst(statuses))
        result.status = status
        if outcomes:
            _describe(result, outcomes, status)
    elif rerun_runs:
        # a rerun that failed without a final <failure> still means the test never passed
        result.status = Status.FAILED
    elif flaky_runs:
        result.flaky = True  # passed, after failing on earlier runs

    if stdout is not None:
        result.stdout = stdout
        if "[[ATTACHMENT|" in stdout:
            result.assets.extend(attachments_in(stdout))
    if stderr is not None:
        result.stderr = stderr
        if "[[ATTACHMENT|" in stderr:
            result.assets.extend(attachments_in(stderr))


def _describe(result: Result, outcomes: list[tuple[Status, etree._Element]], status: Status) -> None:
    """Failure text from the outcome elements of the winning kind (karma writes several)."""
    if len(outcomes) == 1:  # the usual lone <failure>: no lists to build
        kind, first = outcomes[0]
        if kind is not status:
            return
        text = text_of(first)
    else:
        elements = [element for kind, element in outcomes if kind is status]
        if not elements:
            return
        first = elements[0]
        text = "\n".join([text for element in elements if (text := text_of(element))]) or None
    result.exception_name = first.get("type") or None
    # jest-junit and PHPUnit write no message attribute: the text's first line is the message
    result.exception_description = first.get("message") or _message_line(text, result)
    result.exception_backtrace = text


def _message_line(text: str | None, result: Result) -> str | None:
    """The first line of a failure's text, past PHPUnit's `Class::method` line naming the test itself."""
    line = first_line(text)
    if line is not None and text is not None and line.endswith(f"::{result.title}"):
        rest = text.split(line, 1)[1]
        return first_line(rest) or line
    return line


def _attempt(element: etree._Element, status: Status) -> dict[str, Any]:
    attempt: dict[str, Any] = {"status": status.label}
    if value := element.get("type"):
        attempt["type"] = value
    if value := element.get("message"):
        attempt["message"] = value
    trace = None
    for child in element:
        tag = local(child.tag)
        # Surefire puts the trace, stdout and stderr of each rerun in child elements
        if tag == "stackTrace":
            trace = text_of(child)
        elif tag in ("system-out", "system-err") and (text := text_of(child)):
            attempt[tag.replace("-", "_")] = text
    if trace is None and len(element) == 0:
        trace = text_of(element)
    if trace:
        attempt["stack_trace"] = trace
    return attempt


def _apply_conventions(result: Result) -> None:
    """Properties that carry meaning: Xray's test_key/tags/test_description, Testmo's
    attachment/description, and the status marker Assay's own writer adds."""
    props = result.properties
    marker = props.pop(STATUS_PROPERTY, None)
    if isinstance(marker, str):
        try:
            result.status = Status.from_label(marker)
        except ValueError:
            props[STATUS_PROPERTY] = marker
    key = props.get("test_key")
    if isinstance(key, str) and key.strip():
        del props["test_key"]
        result.test_key = key.strip()
    tags = props.get("tags")
    if isinstance(tags, str):
        del props["tags"]
        result.tags.extend(tag.strip() for tag in tags.split(",") if tag.strip())
    for name in ("test_description", "description"):
        if isinstance(props.get(name), str) and result.description is None:
            result.description = props.pop(name)
    attachments = props.pop("attachment", None)
    for path in attachments if isinstance(attachments, list) else [attachments]:
        if isinstance(path, str) and path.strip():
            result.assets.append(file_asset(path.strip()))
