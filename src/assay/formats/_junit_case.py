"""JUnit XML pieces: one `<testcase>` element into a `Result`, plus the value helpers the reader shares.

Kept apart from `junit.py` so the streaming loop stays readable. Functions here receive an lxml
element that the caller clears afterwards; nothing returned holds on to lxml objects.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterator
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

# Read once per testcase: module constants are cheaper than attribute lookups.
_PASSED = Status.PASSED
_INF = math.inf

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
    name = classname = time = None
    properties: dict[str, Any] = {}
    statuses: list[Status] = []
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
                statuses.append(word)
        elif key[:1] != "{":
            properties[key] = value
    classname = classname or None
    duration = None
    if time:
        try:
            seconds = float(time)
        except ValueError:
            duration = duration_ms(time)
        else:
            if 0 <= seconds < _INF:  # also refuses NaN
                duration = round(seconds * 1000)
    result = Result(
        # JUnit 5 via Surefire writes name="" for a @BeforeAll failure
        title=name or classname or "(unnamed)",
        status=_PASSED,
        container=container,
        duration=duration,
        classname=classname,
        properties=properties,
    )
    if len(case):
        _read_children(case, result, statuses)
    elif statuses:
        result.status = cast(Status, worst(statuses))
    if properties:
        _apply_conventions(result)
    return result


def _read_children(case: etree._Element, result: Result, statuses: list[Status]) -> None:
    """The child elements of a testcase: outcome, output, properties and reruns."""
    outcomes: list[tuple[Status, etree._Element]] = []
    stdout: list[str] = []
    stderr: list[str] = []
    flaky_runs = rerun_runs = 0
    for child in case:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag[:1] == "{":
            tag = local(tag)
        if tag == "system-out":
            if text := text_of(child):
                stdout.append(text)
        elif tag in _OUTCOMES:
            outcomes.append((_OUTCOMES[tag], child))
        elif tag == "system-err":
            if text := text_of(child):
                stderr.append(text)
        elif tag == "properties":
            result.assets.extend(read_properties(child, result.properties))
        elif tag in _RERUNS:
            result.attempts.append(_attempt(child, _RERUNS[tag]))
            if tag.startswith("flaky"):
                flaky_runs += 1
            else:
                rerun_runs += 1

    if outcomes:
        statuses.extend(status for status, _ in outcomes)
    status = worst(statuses) if statuses else None
    if status is None:
        # a rerun that failed without a final <failure> still means the test never passed
        status = Status.FAILED if rerun_runs else Status.PASSED
    result.status = status
    if outcomes:
        _describe(result, [element for kind, element in outcomes if kind is status])
    if flaky_runs and status is Status.PASSED:
        result.flaky = True

    if stdout:
        result.stdout = stdout[0] if len(stdout) == 1 else "\n".join(stdout)
        result.assets.extend(attachments_in(result.stdout))
    if stderr:
        result.stderr = stderr[0] if len(stderr) == 1 else "\n".join(stderr)
        result.assets.extend(attachments_in(result.stderr))


def _describe(result: Result, elements: list[etree._Element]) -> None:
    """Failure text from the outcome elements of the winning kind (karma writes several)."""
    if not elements:
        return
    first = elements[0]
    texts = [text for element in elements if (text := text_of(element))]
    result.exception_name = first.get("type") or None
    # jest-junit and PHPUnit write no message attribute: the text's first line is the message
    result.exception_description = first.get("message") or first_line(texts[0] if texts else None)
    result.exception_backtrace = "\n".join(texts) if texts else None


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
