"""NUnit pieces: a `<test-case>` into a Result, the status rules of NUnit 2 and 3, and the
`<categories>` / `<properties>` / `<attachments>` readers that suites share.

Functions here receive an lxml element that the caller releases afterwards; nothing returned
holds on to lxml objects.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from assay.formats._xml_results import (
    add_property,
    add_tag,
    basename,
    child_text,
    children,
    children_by_name,
    element_text,
    first_children,
    is_true,
    quick_text,
    seconds_to_ms,
)
from assay.model import Asset, Container, Result, Status

# NUnit 3 `result` (and `label` when the result is Failed), NUnit 2 `result`.
_RESULTS = {
    "passed": Status.PASSED,
    "success": Status.PASSED,
    "failed": Status.FAILED,
    "failure": Status.FAILED,
    "error": Status.BROKEN,  # NUnit 2: an exception outside an assertion
    "cancelled": Status.BROKEN,  # NUnit 2: the run was stopped during the test
    "skipped": Status.SKIPPED,
    "ignored": Status.SKIPPED,
    # NUnit 2: the test could not be run (not public, no arguments...): skipped, as the corpus reads it
    "notrunnable": Status.SKIPPED,
    "inconclusive": Status.UNKNOWN,
    "warning": Status.UNKNOWN,  # NUnit 3.7+: Assert.Warn
}

# NUnit 3 labels of a Failed result that are not assertion failures.
_BROKEN_LABELS = frozenset({"error", "invalid", "cancelled"})
# Labels NUnit 3 writes as words; any other label is a message (`Test exceeded Timeout value 1ms.`).
_KNOWN_LABELS = _BROKEN_LABELS | {"ignored", "explicit"}

# "System.DivideByZeroException : Attempted to divide by zero." (NUnit's exception message form)
_EXCEPTION_MESSAGE = re.compile(r"^((?:[A-Za-z_][\w`+]*\.)*[\w`+]*(?:Exception|Error)) : (.*)$", re.S)

# NUnit 3 writes its categories as properties named Category.
_CATEGORY = "Category"
_DESCRIPTION = "Description"


def status_of(element: etree._Element) -> Status:
    """The status of a test-case from `result`/`label`, or NUnit 2.2's `executed`/`success`."""
    return _status(element, element.get("result"), element.get("label"))


def _status(element: etree._Element, result_attribute: str | None, label_attribute: str | None) -> Status:
    """`status_of`, given the `result` and `label` attributes already read."""
    key = (result_attribute, label_attribute)
    status = _STATUSES.get(key)
    if status is not None:
        return status
    raw = (key[0] or "").strip()
    result, _, colon_label = raw.partition(":")
    label = (key[1] or colon_label).strip().lower()
    result = result.strip().lower().replace(" ", "")
    if result == "failed" and label in _BROKEN_LABELS:
        status = Status.BROKEN
    elif result in _RESULTS:
        status = _RESULTS[result]
    if status is not None:
        # these two attributes decided it: the next test-case saying the same is looked up
        if len(_STATUSES) < 256:
            _STATUSES[key] = status
        return status
    if element.get("executed") is not None and not is_true(element.get("executed")):
        return Status.SKIPPED
    if element.get("success") is not None:
        return Status.PASSED if is_true(element.get("success")) else Status.FAILED
    return Status.UNKNOWN


# Statuses by (result, label) attributes, for those that need no other attribute.
_STATUSES: dict[tuple[str | None, str | None], Status] = {}


def test_case(element: etree._Element, container: Container | None, nunit3: bool) -> Result:
    """A Result for one `<test-case>`: NUnit 3 (`nunit3`) or NUnit 2 attributes."""
    # each attribute is read once (a lookup costs about as much as a small Python function)
    get = element.get
    raw_name, fullname, label, description = get("name"), get("fullname"), get("label"), get("description")
    name = (raw_name or fullname or "").strip() or "(unnamed test)"
    status = _status(element, get("result"), label)
    parts = _parts(element) if len(element) else _NO_PARTS
    output = parts.get("output")
    result = Result(
        # NUnit 2 names are full (Namespace.Fixture.Method(args)): the suites already say the rest
        title=name if nunit3 else short_name(name),
        status=status,
        container=container,
        duration=seconds_to_ms(get("duration") if nunit3 else get("time")),
        description=(description.strip() or None) if description else None,
        stdout=_text(output[0]) if output else None,
        json_data=_extras(element, name, fullname, label, parts),
    )
    labels = parts.get(_LABELS)
    if labels:
        label_description: str | None = None
        for part in labels:
            label_description = read_label_part(part, result.tags, result.properties) or label_description
        result.description = result.description or label_description
    _read_failure(result, label, parts)
    reasons = parts.get("reason")
    if reasons:
        reason = child_text(reasons[0], "message") or element_text(reasons[0])
        if reason and status != Status.PASSED and result.exception_description is None:
            result.exception_description = reason
    for attachments in parts.get("attachments", ()):
        result.assets.extend(read_attachments(attachments))
    return result


# Key of `_parts` under which `<categories>` and `<properties>` are kept, in document order.
_LABELS = "categories|properties"
_NO_PARTS: dict[str, list[etree._Element]] = {}
_LABEL_ALIASES = {"categories": _LABELS, "properties": _LABELS}


_text = quick_text


def _parts(element: etree._Element) -> dict[str, list[etree._Element]]:
    """The direct children by local name; categories and properties together, in document order."""
    return children_by_name(element, _LABEL_ALIASES)


def short_name(name: str) -> str:
    """`NS.Fixture.Method(1.5,"a.b")` -> `Method(1.5,"a.b")`: after the last dot outside brackets."""
    depth, quoted, cut = 0, False, -1
    for index, char in enumerate(name):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "(<[":
            depth += 1
        elif char in ")>]":
            depth = max(depth - 1, 0)
        elif char == "." and depth == 0:
            cut = index
    short = name[cut + 1 :]
    return short if short else name


def read_label_part(part: etree._Element, tags: list[str], properties: dict[str, Any]) -> str | None:
    """`<categories>` -> plain tags; `<properties>` -> properties and `name:value` tags.

    NUnit 3's `Category` properties are plain tags, its `Description` is returned (for the
    description field); NUnit-internal properties (`_SKIPREASON`, `_PID`) are not tags.
    """
    found = children_by_name(part)
    for category in found.get("category", ()):
        add_tag(tags, category.get("name") or "")
    description: str | None = None
    for prop in found.get("property", ()):
        name = (prop.get("name") or "").strip()
        value = prop.get("value") or ""
        if not name:
            continue
        if name == _CATEGORY:
            add_tag(tags, value)
            continue
        add_property(properties, name, value)
        if name == _DESCRIPTION:
            description = description or value.strip() or None
        elif not name.startswith("_"):
            add_tag(tags, f"{name}:{value}")
    return description


def read_attachments(attachments: etree._Element) -> list[Asset]:
    """NUnit 3.7+ `<attachments><attachment><filePath>` (TestContext.AddTestAttachment)."""
    assets = []
    for attachment in children(attachments, "attachment"):
        path = child_text(attachment, "filePath")
        if path:
            assets.append(Asset(name=basename(path), path=path, tag=child_text(attachment, "description")))
    return assets


def failure_message(failure: etree._Element) -> tuple[str | None, str | None]:
    """(exception type, message) of a `<failure>`: `Type : message` is split where NUnit wrote it."""
    return _split_message(child_text(failure, "message"))


def _split_message(message: str | None) -> tuple[str | None, str | None]:
    if message is None:
        return None, None
    match = _EXCEPTION_MESSAGE.match(message)
    if match is None:
        return None, message
    return match.group(1), match.group(2).strip() or None


def _read_failure(result: Result, label: str | None, parts: dict[str, list[etree._Element]]) -> None:
    failures = parts.get("failure")
    if failures:
        found = first_children(failures[0])
        message, stack_trace = found.get("message"), found.get("stack-trace")
        result.exception_name, result.exception_description = _split_message(
            _text(message) if message is not None else None
        )
        result.exception_backtrace = _text(stack_trace) if stack_trace is not None else None
    if result.exception_description is None and label:
        label = label.strip()
        if label and label.lower() not in _KNOWN_LABELS:
            # NUnit 3 puts some reasons in the label: label="Test exceeded Timeout value 1ms."
            result.exception_description = label


def _extras(
    element: etree._Element,
    name: str,
    raw_fullname: str | None,
    label: str | None,
    parts: dict[str, list[etree._Element]],
) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    get = element.get
    fullname = (raw_fullname or "").strip()
    if fullname and fullname != name:
        extras["fullname"] = fullname
    elif raw_fullname is None and short_name(name) != name:
        extras["fullname"] = name  # NUnit 2: the name is the full name
    classname, methodname, site, runstate = get("classname"), get("methodname"), get("site"), get("runstate")
    if classname:
        extras["classname"] = classname
    if methodname:
        extras["methodname"] = methodname
    if label:
        extras["label"] = label
    if site:
        extras["site"] = site
    if runstate and runstate != "Runnable":
        extras["runstate"] = runstate
    holders = parts.get("assertions")
    if holders:
        assertions = [
            {"result": assertion.get("result"), "message": child_text(assertion, "message")}
            for holder in holders
            for assertion in children(holder, "assertion")
        ]
        if len(assertions) > 1:  # one assertion is the failure itself; several are Assert.Multiple
            extras["assertions"] = assertions
    return extras
