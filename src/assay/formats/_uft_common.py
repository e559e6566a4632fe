"""Pieces shared by the two UFT result shapes (run_results.xml and the older Results.xml).

A UFT result file holds one test (rarely several). Both shapes write a node's status after its
children, and run_results.xml writes even the test's name last, so a test's Results are held
until the test ends: `UftTest` collects them per iteration, then `events()` yields the test's
Container (and one "Iteration" Container each when the test ran more than one iteration) before
its Results. Result files are one test of a few MB at most, so this stays small.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from assay.model import Container, Event, ReportMeta, Result, Status, Step

# UFT's step results. Done and Information are steps that check nothing; a Warning is not a failure
# (the test still passes), so it passes with the warning kept in json_data.
STATUSES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "warning": Status.PASSED,
    "done": Status.PASSED,
    "information": Status.PASSED,
    "info": Status.PASSED,
}
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_OFFSET = re.compile(r"^([+-])(\d{1,2}):(\d{2})")


def status_of(raw: str | None) -> Status:
    """UFT's Passed/Failed/Warning/Done/Information; missing means Done, anything else unknown."""
    text = (raw or "done").strip().lower()
    return STATUSES.get(text, Status.UNKNOWN)


def plain(text: str | None) -> str | None:
    """UFT descriptions are HTML (often escaped twice): tags dropped, entities decoded, blank -> None."""
    if not text:
        return None
    value = html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))
    value = html.unescape(value).replace("\xa0", " ")
    lines = [line.strip() for line in value.replace("\r\n", "\n").splitlines()]
    joined = "\n".join(line for line in lines if line)
    return joined or None


def zone(offset: str | None) -> timezone | None:
    """UFT's `<Timezone>+05:30:00</Timezone>` as a timezone."""
    match = _OFFSET.match((offset or "").strip())
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 18 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def local_time(text: str | None, tz: timezone | None, patterns: tuple[str, ...]) -> datetime | None:
    if not text or not text.strip():
        return None
    for pattern in patterns:
        try:
            moment = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=tz or UTC)
    return None


def worst_leaf(steps: list[Step]) -> list[Step]:
    """The failed or broken steps that have no failed or broken step inside them."""
    found: list[Step] = []
    for step in steps:
        inner = worst_leaf(step.steps)
        if inner:
            found.extend(inner)
        elif step.status in (Status.FAILED, Status.BROKEN):
            found.append(step)
    return found


def settle(result: Result, steps: list[Step]) -> None:
    """A failed action whose failures are all run errors (object not found...) is broken, not failed."""
    result.steps = steps
    failing = worst_leaf(steps)
    if result.status is Status.FAILED and failing and all(step.status is Status.BROKEN for step in failing):
        result.status = Status.BROKEN
    warnings = [step.title for step in _walk(steps) if (step.data or {}).get("result") == "Warning"]
    if warnings:
        result.json_data["warnings"] = warnings
    if result.status not in (Status.FAILED, Status.BROKEN) or not failing:
        return
    first = failing[0]
    data = first.data or {}
    result.exception_description = first.error or first.title
    result.exception_name = data.get("node_type")  # UFT's NodeType: "Run Error"
    result.exception_backtrace = data.get("stack") or None


def _walk(steps: list[Step]) -> Iterator[Step]:
    for step in steps:
        yield step
        yield from _walk(step.steps)


@dataclass
class UftTest:
    """One test's Results, held until its end gives its name."""

    iterations: list[tuple[str | None, list[Result]]] = field(default_factory=lambda: [(None, [])])
    iteration_started: bool = False

    def start_iteration(self) -> None:
        if self.iteration_started:
            self.iterations.append((None, []))
        self.iteration_started = True

    def name_iteration(self, title: str) -> None:
        self.iterations[-1] = (title, self.iterations[-1][1])

    def add(self, result: Result) -> None:
        self.iterations[-1][1].append(result)

    def events(self, title: str, meta: ReportMeta | None, fallback: Result) -> Iterator[Event]:
        """The test's Container, its iterations' Containers when it ran several, then its Results.

        A test that ran no action at all still counts: `fallback` (the test's own status) stands in.
        """
        if meta is not None:
            yield meta
        test = Container(title=title, classification="Test")
        yield test
        runs = [(name, results) for name, results in self.iterations if results]
        if not runs:
            fallback.container = test
            yield fallback
            return
        for index, (name, results) in enumerate(runs, start=1):
            holder = test
            if len(runs) > 1:
                holder = Container(title=name or f"Iteration {index}", classification="Iteration", parent=test)
                yield holder
            for result in results:
                result.container = holder
                yield result


def put(data: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        data[key] = value
