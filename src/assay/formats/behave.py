"""Behave JSON (`behave -f json` / `json.pretty`), behave 1.2.5 to 1.2.7.

Shape: a list of features `{keyword, name, location: "features/x.feature:1", status, tags,
description, elements}` (behave <= 1.2.4 wrapped it as `{"features": [...]}`); each element is
a scenario (`type: "scenario"`; an Examples row of an outline is a scenario of its own) or a
background `{type: "background", steps}`; a step is `{keyword, step_type, name, location, match,
result: {status, duration (seconds), error_message (a string, or a list of lines)}, text, table,
embeddings}`. Features become Containers ("Feature"), scenarios Results, steps Steps.

Quirks handled:
- behave already repeats the background's steps (with their results) at the start of every
  scenario; the background element itself only lists them, without results. So it is not a
  result, and its steps are not added again: the scenario steps it lists are marked instead.
- behave 1.2.5 writes no scenario `status`: it is derived from the steps. A step that never ran
  has no `result` (SKIPPED); `untested` -> SKIPPED, `undefined` -> UNKNOWN, `hook_error`,
  `error` and `cleanup_error` (behave 1.2.7) -> BROKEN. When the scenario's own status is worse
  than its steps' (a failed after_scenario hook), it wins.
- scenario_autoretry writes one element per attempt: each stays a result.
- behave <= 1.2.4 also writes a Scenario Outline's template (`type: "scenario_outline"` with
  `examples`, steps without results) beside the scenarios of its rows: it is not a result.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _gherkin as g
from assay.formats.registry import Format
from assay.model import Container, Event, Result, Status, Step, worst

__all__ = ["FORMAT", "parse", "sniff"]

_STATUSES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "untested": Status.SKIPPED,
    "pending": Status.SKIPPED,
    "pending_warn": Status.SKIPPED,
    "undefined": Status.UNKNOWN,
    "executing": Status.UNKNOWN,
    "hook_error": Status.BROKEN,
    "cleanup_error": Status.BROKEN,
    "error": Status.BROKEN,
}

# -- sniff ----------------------------------------------------------------------------------------

_KEYWORD = re.compile(rb'"keyword"\s*:\s*"')
_STEP_TYPE = re.compile(rb'"step_type"\s*:\s*"')
_FEATURE_LOCATION = re.compile(rb'"location"\s*:\s*"[^"]*\.feature:\d+"')
# Cucumber JSON has `uri` and `id`; behave never writes them
_CUCUMBER = re.compile(rb'"(?:uri|id)"\s*:')


def sniff(head: bytes) -> float:
    """0.9 for features with `step_type` steps; 0.7 for features located as `x.feature:N`."""
    try:
        text = head.removeprefix(codecs.BOM_UTF8).lstrip()
        if not (text.startswith(b"[") or re.match(rb'\{\s*"features"\s*:\s*\[', text)):
            return 0.0
        if not _KEYWORD.search(text) or _CUCUMBER.search(text):
            return 0.0
        if _STEP_TYPE.search(text):
            return 0.9
        return 0.7 if _FEATURE_LOCATION.search(text) else 0.0
    except Exception:  # a sniffer never raises
        return 0.0


# -- parse ----------------------------------------------------------------------------------------


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a Container per feature followed by a Result per scenario.

    Raises ParseError for an empty file, invalid JSON (with line and column), a document that is
    not a list of features, or a value of the wrong type (naming its JSON path).
    """
    data = g.load_json(stream.read(), "Behave JSON")
    where = ""
    if isinstance(data, dict) and isinstance(data.get("features"), list):  # behave <= 1.2.4
        data, where = data["features"], "features"
    if not isinstance(data, list):
        raise ParseError(
            f"not a Behave JSON file: the document is {g.show(data)}, expected a list of features"
        )
    for index, item in enumerate(data):
        path = f"{where}[{index}]"
        yield from _feature(g.expect_object(item, path), path)


def _feature(obj: dict[str, Any], where: str) -> Iterator[Event]:
    location = g.opt_str(obj, "location", where)
    path = _file_of(location)
    name = (g.opt_name(obj, "name", where) or "").strip()
    container = Container(
        title=name or path or "(unnamed feature)",
        classification="Feature",
        description=g.description(obj, where),
        tags=g.tags(obj, where),
        properties={"location": location} if location else {},
    )
    yield container
    elements = g.objects(obj, "elements", where)
    background_lines = {
        step_location
        for element, element_path in elements
        if _is_background(element)
        for step, step_path in g.objects(element, "steps", element_path)
        if (step_location := g.opt_str(step, "location", step_path))
    }
    for element, element_path in elements:
        if not _is_background(element) and not _is_outline_template(element):
            # the file path, not the name, as classname: a one-word feature name would look like a
            # class to smart restructuring
            yield _scenario(element, element_path, container, path or name or None, background_lines)


def _file_of(location: str | None) -> str | None:
    """`features/x.feature:12` -> `features/x.feature`."""
    if not location:
        return None
    file, sep, line = location.rpartition(":")
    return file if sep and line.isdigit() else location


def _is_background(element: dict[str, Any]) -> bool:
    kind = element.get("type") or element.get("keyword")
    return isinstance(kind, str) and kind.lower() == "background"


def _is_outline_template(element: dict[str, Any]) -> bool:
    """behave <= 1.2.4 also writes the Scenario Outline itself (with `examples`), beside the scenarios
    of its rows; the outline's steps never ran."""
    if element.get("type") != "scenario_outline" or "examples" not in element:
        return False
    steps = element.get("steps")
    return not isinstance(steps, list) or not any(isinstance(s, dict) and s.get("result") for s in steps)


def _scenario(
    obj: dict[str, Any], where: str, container: Container, classname: str | None, background: set[str]
) -> Result:
    counter = [0]
    seconds: dict[str, float] = {}
    steps = [_step(step, path, background, counter, seconds) for step, path in g.objects(obj, "steps", where)]
    status = g.scenario_status(steps)
    own = g.opt_str(obj, "status", where)
    if own is not None:
        combined = worst([status, _status(own)])
        status = status if combined is None else combined  # not `or`: Status.FAILED is 0
    error = g.first_error(steps, status) or g.opt_text(obj, "error_message", where)
    name, message, backtrace = g.split_error(error)
    result = Result(
        title=(g.opt_name(obj, "name", where) or "").strip() or "(unnamed scenario)",
        status=status,
        container=container,
        duration=g.milliseconds(sum(seconds.values()), 0.001) if seconds else None,
        description=g.description(obj, where),
        exception_name=name,
        exception_description=message,
        exception_backtrace=backtrace,
        classname=classname,
        tags=g.tags(obj, where),
        steps=steps,
    )
    for key in ("location", "keyword"):
        if value := g.opt_str(obj, key, where):
            result.json_data[key] = value
    return result


def _status(raw: str) -> Status:
    return _STATUSES.get(raw.strip().lower(), Status.UNKNOWN)


def _step(
    obj: dict[str, Any], where: str, background: set[str], counter: list[int], seconds: dict[str, float]
) -> Step:
    """One step; its exact duration goes to `seconds`, from which the scenario's total is summed."""
    result = g.opt_object(obj, "result", where)
    result_path = g.join(where, "result")
    raw = g.opt_str(result, "status", result_path)
    duration = g.number(result.get("duration"))
    data: dict[str, Any] = {}
    location = g.opt_str(obj, "location", where)
    if location:
        data["location"] = location
        if location in background:
            data["background"] = True
    match = g.opt_str(g.opt_object(obj, "match", where), "location", g.join(where, "match"))
    if match:
        data["match"] = match
    if raw and raw.strip().lower() not in ("passed", "failed", "skipped"):
        data["status"] = raw
    if text := g.opt_text(obj, "text", where):
        data["doc_string"] = text
    table = g.opt_object(obj, "table", where)
    if table:
        headings = g.opt_list(table, "headings", g.join(where, "table"))
        data["rows"] = [headings, *g.opt_list(table, "rows", g.join(where, "table"))]
    step = Step(
        title=(g.opt_name(obj, "name", where) or "").strip() or "(unnamed step)",
        # a step that never ran (after a failure, or in a skipped scenario) has no result
        status=_status(raw) if raw else Status.SKIPPED,
        keyword=(g.opt_name(obj, "keyword", where) or "").strip() or None,
        duration=g.milliseconds(duration, 0.001),
        error=g.opt_text(result, "error_message", result_path),
        data=data or None,
        assets=g.embeddings(obj, where, counter),
    )
    if duration is not None:
        seconds[step.id] = duration
    return step


FORMAT = Format(
    name="behave",
    origin="behave_json",
    title="Behave JSON",
    sniff_fn=sniff,
    parse=parse,
    aliases=("behave_json", "behave-json"),
    filenames=("behave*.json", "*behave*.json", "*.json"),
    mimetypes=("application/json",),
    priority=0.5,
)
