"""Write any report tree as JUnit XML, streaming, in the shape Jenkins, GitLab and Surefire read.

Shape: `<testsuites>` holding one flat `<testsuite>` per container that directly holds results
(named after its path: titles joined with "." when they are identifiers, as Surefire names
suites, else with " / "); results at the top go in a suite named after the report. Statuses:
failed -> `<failure>`, broken -> `<error>`, skipped -> `<skipped>`, unknown -> `<skipped
message="unknown">` plus the property `assay.status=unknown` (which Assay's parser reads back);
reruns -> Surefire's `flakyFailure`/`rerunFailure` elements. Steps are listed in system-out.

Counts in attributes are counted here, never taken from containers. Each suite is buffered until
the results stop coming for it; finished suites go to a spooled temporary file so the root
element can carry the totals, and memory stays flat whatever the report's size.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assay.formats._junit_case import STATUS_PROPERTY
from assay.model import Container, Counts, Report, ReportMeta, Result, Status, Step

__all__ = ["write_junit"]

# Characters XML 1.0 forbids even escaped (C0 controls but tab/newline/CR, lone surrogates).
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
# Container properties that go back into `<testsuite>` attributes (the parser put them there).
_SUITE_ATTRIBUTES = ("timestamp", "hostname", "package", "id", "file")
_SUITE_OUTPUTS = ("system-out", "system-err")
_SPOOL_MEMORY = 8 * 1024 * 1024
_CHUNK = 64 * 1024
_ATTEMPT_ELEMENTS = {
    (True, "failed"): "flakyFailure",
    (True, "broken"): "flakyError",
    (False, "failed"): "rerunFailure",
    (False, "broken"): "rerunError",
}


# attempt keys (as the parser records them) and Surefire's child elements for them
_ATTEMPT_CHILDREN = (
    ("stack_trace", "stackTrace"),
    ("system_out", "system-out"),
    ("system_err", "system-err"),
)


def _clean(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return _INVALID.sub("", text)


def _text(value: object) -> str:
    """Element content: escaped, invalid characters dropped, CR kept as a character reference."""
    return (
        _clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attr(value: object) -> str:
    """An attribute value in double quotes; newlines and tabs survive attribute normalization."""
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _attrs(pairs: Iterable[tuple[str, object]]) -> str:
    return "".join(f' {name}="{_attr(value)}"' for name, value in pairs if value is not None)


def _seconds(milliseconds: int | None) -> str | None:
    return None if milliseconds is None else f"{milliseconds / 1000:.3f}"


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, default=str, ensure_ascii=False)


def _properties(items: Iterable[tuple[str, Any]], indent: str) -> str:
    """A `<properties>` block; a list value becomes one `<property>` per item (repeated names)."""
    lines = []
    for name, value in items:
        for item in value if isinstance(value, list) else [value]:
            lines.append(f'{indent}  <property name="{_attr(name)}" value="{_attr(_scalar(item))}"/>\n')
    if not lines:
        return ""
    return f"{indent}<properties>\n{''.join(lines)}{indent}</properties>\n"


def _suite_name(container: Container | None, fallback: str) -> str:
    if container is None:
        return fallback
    titles = []
    node: Container | None = container
    while node is not None:
        titles.append(node.title)
        node = node.parent
    titles.reverse()
    joiner = "." if all(_IDENTIFIER.match(title) for title in titles) else " / "
    return joiner.join(titles)


def _step_lines(steps: list[Step], depth: int = 0) -> Iterator[str]:
    for step in steps:
        keyword = f"{step.keyword.strip()} " if step.keyword and step.keyword.strip() else ""
        yield f"{'  ' * depth}{keyword}{step.title} — {step.status.label}"
        if step.error:
            first = step.error.strip().splitlines()[0] if step.error.strip() else ""
            yield f"{'  ' * (depth + 1)}{first}"
        yield from _step_lines(step.steps, depth + 1)


def _testcase(result: Result, classname: str) -> str:
    attributes: list[tuple[str, object]] = [
        ("name", result.title),
        ("classname", result.classname or classname),
        ("time", _seconds(result.duration)),
    ]
    properties = dict(result.properties)
    # file/line were testcase attributes (PHPUnit, pytest, Testmo): give them back as such
    for name in ("file", "line"):
        if isinstance(properties.get(name), str | int):
            attributes.append((name, properties.pop(name)))
    if result.test_key:
        properties["test_key"] = result.test_key
    if result.tags:
        properties["tags"] = ",".join(result.tags)
    if result.description:
        properties["test_description"] = result.description
    if result.status is Status.UNKNOWN:
        properties[STATUS_PROPERTY] = Status.UNKNOWN.label

    parts = [_properties(properties.items(), "      "), _outcome(result)]
    output = _output(result)
    if output:
        parts.append(f"      <system-out>{_text(output)}</system-out>\n")
    if result.stderr:
        parts.append(f"      <system-err>{_text(result.stderr)}</system-err>\n")
    # a passed test with failed attempts passed on a rerun, whatever its flag says
    flaky = result.flaky or result.status is Status.PASSED
    for attempt in result.attempts:
        parts.append(_attempt(attempt, flaky))
    inner = "".join(parts)
    if not inner:
        return f"    <testcase{_attrs(attributes)}/>\n"
    return f"    <testcase{_attrs(attributes)}>\n{inner}    </testcase>\n"


def _outcome(result: Result) -> str:
    if result.status is Status.PASSED:
        return ""
    tag = {Status.FAILED: "failure", Status.BROKEN: "error"}.get(result.status, "skipped")
    message = result.exception_description
    if result.status is Status.UNKNOWN and not message:
        message = "unknown"
    attributes = _attrs([("message", message), ("type", result.exception_name)])
    if result.exception_backtrace:
        return f"      <{tag}{attributes}>{_text(result.exception_backtrace)}</{tag}>\n"
    return f"      <{tag}{attributes}/>\n"


def _output(result: Result) -> str | None:
    """system-out: the steps, the test's own output, then attachment markers for files by path."""
    blocks = []
    if result.steps:
        blocks.append("\n".join(_step_lines(result.steps)))
    if result.stdout:
        blocks.append(result.stdout)
    markers = [f"[[ATTACHMENT|{asset.path}]]" for asset in result.assets if asset.path]
    if markers:
        blocks.append("\n".join(markers))
    return "\n".join(blocks) if blocks else None


def _attempt(attempt: dict[str, Any], flaky: bool) -> str:
    tag = _ATTEMPT_ELEMENTS.get((flaky, str(attempt.get("status"))))
    if tag is None:
        return ""
    attributes = _attrs([("message", attempt.get("message")), ("type", attempt.get("type"))])
    inner = []
    for key, child in _ATTEMPT_CHILDREN:
        if attempt.get(key):
            inner.append(f"        <{child}>{_text(attempt[key])}</{child}>\n")
    return f"      <{tag}{attributes}>\n{''.join(inner)}      </{tag}>\n"


@dataclass
class _Suite:
    """The results of one container, buffered until the results stop coming for it."""

    container: Container | None
    name: str
    cases: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    time: int = 0

    @property
    def duration(self) -> int:
        # the file's own suite time when there is one, else the sum of the results'
        if self.container is not None and self.container.duration is not None:
            return self.container.duration
        return self.time

    def render(self) -> str:
        container = self.container
        props = dict(container.properties) if container is not None else {}
        duration = self.duration
        attributes: list[tuple[str, object]] = [("name", self.name), *_count_attributes(self.counts)]
        attributes.append(("time", _seconds(duration)))
        for name in _SUITE_ATTRIBUTES:
            if isinstance(props.get(name), str):
                attributes.append((name, props.pop(name)))
        outputs = [(name, props.pop(name)) for name in _SUITE_OUTPUTS if isinstance(props.get(name), str)]
        parts = [f"  <testsuite{_attrs(attributes)}>\n", _properties(props.items(), "    "), *self.cases]
        parts.extend(f"    <{name}>{_text(text)}</{name}>\n" for name, text in outputs)
        parts.append("  </testsuite>\n")
        return "".join(parts)


def _count_attributes(counts: Counts) -> list[tuple[str, object]]:
    return [
        ("tests", counts.total),
        ("failures", counts.failed),
        ("errors", counts.broken),
        ("skipped", counts.skipped + counts.unknown),
    ]


class _Writer:
    def __init__(self, report: Report, spool: Any) -> None:
        self.report = report
        self.spool = spool
        self.meta = ReportMeta()
        self.totals = Counts()
        self.time = 0
        self.suite: _Suite | None = None
        self.names: dict[str, str] = {}

    def feed(self, event: Container | Result | ReportMeta) -> None:
        if isinstance(event, Result):
            self._result(event)
        elif isinstance(event, ReportMeta):
            self._meta(event)

    def _meta(self, meta: ReportMeta) -> None:
        for name in ("title", "started_at", "finished_at", "duration", "build", "os", "platform"):
            if getattr(self.meta, name) is None:
                setattr(self.meta, name, getattr(meta, name))
        for key, value in meta.properties.items():
            self.meta.properties.setdefault(key, value)
        self.meta.tags.extend(tag for tag in meta.tags if tag not in self.meta.tags)

    def _result(self, result: Result) -> None:
        container = result.container
        if self.suite is None or self.suite.container is not container:
            # a container whose results come in two runs gets two <testsuite> elements
            self.flush()
            self.suite = _Suite(container, self._name(container))
        suite = self.suite
        suite.cases.append(_testcase(result, suite.name))
        suite.counts.add(result.status)
        suite.time += result.duration or 0

    def _name(self, container: Container | None) -> str:
        # keyed by the container's id, not id(): a container may be freed once its results are written
        key = container.id if container is not None else ""
        if key not in self.names:
            self.names[key] = _suite_name(container, self.report.title or self.meta.title or "tests")
        return self.names[key]

    def flush(self) -> None:
        if self.suite is None:
            return
        self.spool.write(self.suite.render().encode("utf-8"))
        self.totals.merge(self.suite.counts)
        self.time += self.suite.duration
        self.suite = None

    def root(self) -> str:
        report, meta = self.report, self.meta
        started = report.started_at or meta.started_at
        finished = report.finished_at or meta.finished_at
        duration = meta.duration
        if started is not None and finished is not None:
            duration = max(0, round((finished - started).total_seconds() * 1000))
        attributes: list[tuple[str, object]] = [
            ("name", report.title or meta.title or "assay"),
            *_count_attributes(self.totals),
            ("time", _seconds(duration if duration is not None else self.time)),
            ("timestamp", started.isoformat() if started is not None else None),
        ]
        properties: dict[str, Any] = {**meta.properties, **report.properties}
        for name in ("build", "os", "platform"):
            value = getattr(report, name) or getattr(meta, name)
            if value:
                properties[name] = value
        tags = report.tags or meta.tags
        if tags:
            properties["tags"] = ",".join(tags)
        return f"<testsuites{_attrs(attributes)}>\n{_properties(properties.items(), '  ')}"


def write_junit(report: Report, events: Iterable[Container | Result | ReportMeta]) -> Iterator[bytes]:
    """JUnit XML for `report` and its tree `events` (containers before their children), as UTF-8
    chunks. Any depth of containers, results at the top and any text are accepted; the output is
    always well-formed."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY) as spool:
        writer = _Writer(report, spool)
        for event in events:
            writer.feed(event)
        writer.flush()
        yield b'<?xml version="1.0" encoding="UTF-8"?>\n' + writer.root().encode("utf-8")
        spool.seek(0)
        while chunk := spool.read(_CHUNK):
            yield chunk
        yield b"</testsuites>\n"
