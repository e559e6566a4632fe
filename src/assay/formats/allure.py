"""Allure 2 results: the files of an `allure-results` folder, one at a time.

Covers the result format every Allure 2 adapter writes (allure-java for JUnit 4/5 and TestNG,
allure-pytest, allure-js for Jest/Mocha/Playwright/Cypress, allure-csharp, allure-go...):

- `<uuid>-result.json`: one test. It becomes one Result, placed in Containers built from its
  labels: parentSuite > suite > subSuite when any is present, else package > testClass
  (classified "Package" and "Class"; the class title loses the package prefix), else the class
  part of a `fullName` like `io.acme.CartTest#adds`. Labels tag, feature,
  story, epic, severity and owner become tags (`feature:Login`, a tag label as the plain word);
  other labels become properties. `statusDetails` gives the failure text and the flaky flag,
  `steps` nest as Steps, `attachments` become Assets by path (the files sit beside the result in
  the folder; the importer resolves them), `parameters` and `links` are kept in json_data.
- `<uuid>-container.json`: the fixtures (befores/afters) around a group of tests. It holds no
  test, so it yields only a ReportMeta; a failed or broken fixture is named in its properties,
  since it explains why the tests after it broke.

A zip of a results folder arrives as many files: the importer unzips and feeds each one here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _json_fields as js
from assay.formats._xml_results import add_property, add_tag, basename
from assay.formats.registry import Format
from assay.model import Asset, Container, Event, ReportMeta, Result, Status, Step

_STATUSES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "broken": Status.BROKEN,
    "skipped": Status.SKIPPED,
    "unknown": Status.UNKNOWN,
}
_SUITE_LABELS = ("parentSuite", "suite", "subSuite")
_TAG_LABELS = ("feature", "story", "epic", "severity", "owner")

_OBJECT_START = re.compile(rb"^\s*\{")
_UUID = re.compile(rb'"uuid"\s*:')
_RESULT_HINTS = re.compile(rb'"(?:historyId|testCaseId|fullName|statusDetails|stage|labels)"\s*:')
_CONTAINER_HINTS = re.compile(rb'"(?:children|befores|afters)"\s*:')
_STATUS = re.compile(rb'"status"\s*:\s*"(?:passed|failed|broken|skipped|unknown)"')
# "java.lang.AssertionError: ..." / "AssertionError: assert 1 == 2" -> the exception's type
_EXCEPTION_NAME = re.compile(r"^\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:Error|Exception|Failure|Failed))\b")


def sniff(head: bytes) -> float:
    """0.9 for an object with a uuid and result or container keys; 0.6 for a uuid and an Allure status."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if not _OBJECT_START.match(head) or not _UUID.search(head):
        return 0.0
    if _RESULT_HINTS.search(head) and (_STATUS.search(head) or b'"name"' in head):
        return 0.9
    if _CONTAINER_HINTS.search(head):
        return 0.9
    return 0.6 if _STATUS.search(head) else 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """A result file: its Containers (from labels), then its Result. A container file: one ReportMeta.

    Raises ParseError for malformed JSON (with line and column), a document that is not an Allure
    result or container object, or a field of the wrong type (naming its JSON path).
    """
    document = js.expect_object(js.load(stream.read(), "Allure result"), "")
    if _is_container(document):
        yield _container_meta(document)
        return
    if "status" not in document and "name" not in document and "steps" not in document:
        keys = ", ".join(sorted(document)[:6]) or "none"
        raise ParseError(f"not an Allure result: no name, status or steps (keys: {keys})")
    labels = _labels(document)
    parent: Container | None = None
    for title, classification in _container_path(labels) or _full_name_path(document):
        parent = Container(title=title, classification=classification, parent=parent)
        yield parent
    yield _result(document, labels, parent)


FORMAT = Format(
    name="allure",
    origin="allure_json",
    title="Allure 2 results",
    sniff_fn=sniff,
    parse=parse,
    aliases=("allure2", "allure-results", "allure-json"),
    filenames=("*-result.json", "*-container.json", "*.json"),
    mimetypes=("application/json",),
    priority=0.5,
    # One file per test: the suites they share must become one container each.
    extra={"merge_containers": True},
)


def _is_container(document: dict[str, Any]) -> bool:
    return "children" in document or (
        ("befores" in document or "afters" in document) and "status" not in document
    )


def _labels(document: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for label, where in js.objects(document, "labels", ""):
        name, value = js.text(label, "name", where), js.text(label, "value", where)
        if name and value:
            found.append((name, value))
    return found


def _container_path(labels: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The Containers a result sits in: its suite labels, else its package and class."""
    first: dict[str, str] = {}
    for name, value in labels:
        first.setdefault(name, value)
    suites = [(first[name], "Suite") for name in _SUITE_LABELS if name in first]
    if suites:
        return suites
    path: list[tuple[str, str]] = []
    package, test_class = first.get("package"), first.get("testClass")
    if package:
        path.append((package, "Package"))
    if test_class:
        if package and test_class.startswith(package + "."):
            test_class = test_class[len(package) + 1:]
        path.append((test_class, "Class"))
    return path


def _full_name_path(document: dict[str, Any]) -> list[tuple[str, str]]:
    """For a result with no suite, package or class labels: `io.acme.CartTest#adds` -> Package
    `io.acme` > Class `CartTest`. Only the `#` form is read: in a dotted name alone the method
    cannot be told from the class."""
    full_name = js.text(document, "fullName", "") or ""
    owner = full_name.split("#", 1)[0].strip() if "#" in full_name else ""
    if not owner:
        return []
    package, _, test_class = owner.rpartition(".")
    return ([(package, "Package")] if package else []) + [(test_class, "Class")]


def _result(document: dict[str, Any], labels: list[tuple[str, str]], container: Container | None) -> Result:
    name = js.text(document, "name", "") or js.text(document, "fullName", "") or "(unnamed test)"
    details = js.opt_object(document, "statusDetails", "")
    result = Result(
        title=name,
        status=_status(document, ""),
        container=container,
        duration=js.span(document.get("start"), document.get("stop")),
        description=js.text(document, "description", "") or js.text(document, "descriptionHtml", ""),
        flaky=js.is_true(details.get("flaky")),
    )
    _read_details(result, details)
    for label, value in labels:
        if label == "tag":
            add_tag(result.tags, value)
        elif label in _TAG_LABELS:
            add_tag(result.tags, f"{label}:{value}")
        else:
            add_property(result.properties, label, value)
    result.steps = _steps(document, "", 1)
    result.assets = _assets(document, "")
    result.json_data = _extras(document, details)
    return result


def _status(obj: dict[str, Any], where: str) -> Status:
    raw = (js.opt_str(obj, "status", where) or "").strip().lower()
    return _STATUSES.get(raw, Status.UNKNOWN)


def _read_details(result: Result, details: dict[str, Any]) -> None:
    message = js.text(details, "message", "statusDetails")
    trace = js.text(details, "trace", "statusDetails")
    result.exception_description = message
    result.exception_backtrace = trace
    for text in (message, trace):
        match = _EXCEPTION_NAME.match(text or "")
        if match:
            result.exception_name = match.group(1)
            break


def _steps(obj: dict[str, Any], where: str, depth: int) -> list[Step]:
    found: list[Step] = []
    for step, path in js.objects(obj, "steps", where):
        if depth > js.MAX_DEPTH:
            raise ParseError(f"{path}: steps nest deeper than {js.MAX_DEPTH} levels", path=path)
        details = js.opt_object(step, "statusDetails", path)
        message = js.text(details, "message", js.join(path, "statusDetails"))
        trace = js.text(details, "trace", js.join(path, "statusDetails"))
        data: dict[str, Any] = {}
        parameters = _parameters(step, path)
        if parameters:
            data["parameters"] = parameters
        if trace:
            data["trace"] = trace
        found.append(
            Step(
                title=js.text(step, "name", path) or "(unnamed step)",
                status=_status(step, path),
                duration=js.span(step.get("start"), step.get("stop")),
                error=message or trace,
                data=data or None,
                steps=_steps(step, path, depth + 1),
                assets=_assets(step, path),
            )
        )
    return found


def _assets(obj: dict[str, Any], where: str) -> list[Asset]:
    found: list[Asset] = []
    for attachment, path in js.objects(obj, "attachments", where):
        source = js.text(attachment, "source", path)
        if not source:
            continue
        found.append(
            Asset(
                name=js.text(attachment, "name", path) or basename(source),
                path=source,
                mime_type=js.text(attachment, "type", path),
            )
        )
    return found


def _parameters(obj: dict[str, Any], where: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for parameter, path in js.objects(obj, "parameters", where):
        name = js.opt_str(parameter, "name", path)
        entry = {"name": name, "value": js.opt_str(parameter, "value", path)}
        for key in ("excluded", "mode"):
            if parameter.get(key) is not None:
                entry[key] = parameter[key]
        found.append(entry)
    return found


def _extras(document: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in ("uuid", "historyId", "testCaseId", "fullName", "stage"):
        value = js.text(document, key, "")
        if value:
            data[key] = value
    for key in ("start", "stop"):
        if js.number(document.get(key)) is not None:
            data[key] = document[key]
    for key in ("known", "muted"):
        if js.is_true(details.get(key)):
            data[key] = True
    parameters = _parameters(document, "")
    if parameters:
        data["parameters"] = parameters
    links = []
    for link, path in js.objects(document, "links", ""):
        entry = {key: js.opt_str(link, key, path) for key in ("name", "url", "type")}
        links.append({key: value for key, value in entry.items() if value})
    if links:
        data["links"] = links
    title_path = js.opt_list(document, "titlePath", "")
    if title_path:
        data["titlePath"] = [str(part) for part in title_path]
    return data


def _container_meta(document: dict[str, Any]) -> ReportMeta:
    """A container file: fixtures only. A fixture that did not pass is worth naming on the report."""
    js.opt_list(document, "children", "")  # shape check: children is an array of result uuids
    group = js.text(document, "name", "") or js.text(document, "uuid", "") or "(unnamed container)"
    meta = ReportMeta()
    for kind in ("befores", "afters"):
        for fixture, path in js.objects(document, kind, ""):
            status = _status(fixture, path)
            if status not in (Status.FAILED, Status.BROKEN):
                continue
            details = js.opt_object(fixture, "statusDetails", path)
            name = js.text(fixture, "name", path) or "(unnamed fixture)"
            message = js.text(details, "message", js.join(path, "statusDetails"))
            key = f"allure fixture {status.label}: {group} / {kind[:-1]} {name}"
            meta.properties[key] = message or status.label
    return meta
