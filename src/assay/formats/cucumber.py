"""Cucumber JSON, as cucumber-ruby, cucumber-jvm (and cucumber/cucumber-json-formatter), cucumber-js
and cucumber-rs (`writer::Json`) write it.

Shape: a list of features `{uri, id, keyword, name, description, line, tags, elements}`; each
element is a scenario (`type: "scenario"`, or `"scenario_outline"` in old cucumber-ruby) or a
background (`type: "background"`). Cucumber already expands Scenario Outlines: every Examples
row is its own element (ids end in `;;2`, `;;3`...); an outline template written before its rows
(old cucumber-jvm) never ran and is not a result. Features become Containers ("Feature"),
scenarios Results; steps, hooks (`before`/`after` arrays, or cucumber-js "hidden" steps) and
background steps become Steps.

Quirks handled:
- Backgrounds are not results: their steps are put in front of the scenario that ran them.
  cucumber-jvm/ruby/js write the background BEFORE its scenario; cucumber-rs writes it AFTER,
  with the scenario's id.
- Durations are nanoseconds (Ruby, JVM, JS >= 4, Rust). cucumber-js 2.x-3.x wrote milliseconds:
  the `cucumber_duration_unit` option (ns, us, ms, s) says so.
- Step statuses: passed, failed; skipped and pending -> SKIPPED; undefined and ambiguous ->
  UNKNOWN (the Cucumber Compatibility Kit's statuses); a step without a result -> SKIPPED. A
  scenario has the worst status of its steps and of its failed hooks.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _gherkin as g
from assay.formats.registry import Format
from assay.model import Container, Event, Result, Status, Step

__all__ = ["FORMAT", "parse", "sniff"]

_STATUSES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "pending": Status.SKIPPED,
    "undefined": Status.UNKNOWN,
    # ambiguous is an error outside an assertion, but the corpus bar (CCK all-statuses) wants
    # it among skipped/unknown, not broken
    "ambiguous": Status.UNKNOWN,
    "unknown": Status.UNKNOWN,
}
_HOOKS = ("Before", "After", "BeforeStep", "AfterStep", "Hook")
_UNITS_PER_MS = {"ns": 1_000_000.0, "us": 1_000.0, "ms": 1.0, "s": 0.001}

# -- sniff ----------------------------------------------------------------------------------------

_KEYWORD = re.compile(rb'"keyword"\s*:\s*"')
_ELEMENTS = re.compile(rb'"elements"\s*:\s*\[')
_URI_OR_ID = re.compile(rb'"(?:uri|id)"\s*:\s*"')
_URI = re.compile(rb'"uri"\s*:\s*"')
# behave: "step_type" keys, and features located as "features/x.feature:1"
_BEHAVE = re.compile(rb'"step_type"\s*:|"location"\s*:\s*"[^"]*\.feature:\d+"')


def sniff(head: bytes) -> float:
    """0.9 for a list of features with `elements` and a `uri`/`id`; 0.6 for features without scenarios."""
    try:
        text = head.removeprefix(codecs.BOM_UTF8).lstrip()
        if not text.startswith(b"[") or not _KEYWORD.search(text):
            return 0.0
        if _BEHAVE.search(text) and not _URI.search(text):
            return 0.0
        if _ELEMENTS.search(text) and _URI_OR_ID.search(text):
            return 0.9
        return 0.6 if _URI.search(text) else 0.0
    except Exception:  # a sniffer never raises
        return 0.0


# -- parse ----------------------------------------------------------------------------------------


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a Container per feature followed by a Result per scenario (each Examples row is one).

    Raises ParseError for an empty file, invalid JSON (with line and column), a document that is
    not a list of features, or a value of the wrong type (naming its JSON path).
    """
    data = g.load_json(stream.read(), "Cucumber JSON")
    if not isinstance(data, list):
        hint = ' (an object with "tests" is Xray JSON)' if isinstance(data, dict) and "tests" in data else ""
        raise ParseError(
            f"not a Cucumber JSON file: the document is {g.show(data)}, expected a list of features{hint}"
        )
    reader = _Reader(_units_per_ms(options))
    for index, item in enumerate(data):
        yield from reader.feature(g.expect_object(item, f"[{index}]"), f"[{index}]")


def _units_per_ms(options: Mapping[str, Any]) -> float:
    unit = str(options.get("cucumber_duration_unit") or "ns").strip().lower()
    if unit not in _UNITS_PER_MS:
        raise ParseError(f"option cucumber_duration_unit={unit!r} must be one of ns, us, ms, s", option=unit)
    return _UNITS_PER_MS[unit]


class _Reader:
    def __init__(self, units_per_ms: float) -> None:
        self.units_per_ms = units_per_ms
        self.attachments = [0]
        self.amounts: dict[str, float] = {}

    def feature(self, obj: dict[str, Any], where: str) -> Iterator[Event]:
        uri = g.opt_name(obj, "uri", where)
        name = (g.opt_name(obj, "name", where) or "").strip()
        container = Container(
            title=name or uri or "(unnamed feature)",
            classification="Feature",
            description=g.description(obj, where),
            tags=g.tags(obj, where),
            properties={"uri": uri} if uri else {},
        )
        yield container
        elements = g.objects(obj, "elements", where)
        owners = _background_owners([element for element, _ in elements])
        # The file's path, not the feature's name: a one-word name ("Attachments") would look like
        # a class name to smart restructuring, a path never does.
        classname = uri or name or None
        templates = _expanded_templates([element for element, _ in elements])
        for index, (element, path) in enumerate(elements):
            if _is_background(element) or index in templates:
                continue
            background = [elements[i] for i in owners.get(index, [])]
            yield self._scenario(element, path, container, classname, background)

    def _background(self, element: dict[str, Any], where: str) -> list[Step]:
        steps = [self._step(obj, path) for obj, path in g.objects(element, "steps", where)]
        for step in steps:
            step.data = {**(step.data or {}), "background": True}
        return steps

    def _scenario(
        self,
        obj: dict[str, Any],
        where: str,
        container: Container,
        classname: str | None,
        backgrounds: list[tuple[dict[str, Any], str]],
    ) -> Result:
        self.attachments = [0]  # unnamed attachments are numbered per scenario, in display order
        self.amounts = {}  # step id -> its duration in the file's unit
        before = [self._outcome(hook, path, "Before") for hook, path in g.objects(obj, "before", where)]
        background = [step for element, path in backgrounds for step in self._background(element, path)]
        steps = [self._step(step, path) for step, path in g.objects(obj, "steps", where)]
        after = [self._outcome(hook, path, "After") for hook, path in g.objects(obj, "after", where)]
        all_steps = before + background + steps + after
        # cucumber-js writes hooks as hidden steps; cucumber-jvm's BeforeStep/AfterStep hooks hang
        # under their step (see _step)
        step_hooks = [hook for step in all_steps for hook in step.steps]
        hooks = [step for step in all_steps if step.keyword in _HOOKS] + step_hooks
        status = g.scenario_status([step for step in all_steps if step.keyword not in _HOOKS], hooks)
        name, message, backtrace = g.split_error(g.first_error(all_steps + step_hooks, status))
        title = (g.opt_name(obj, "name", where) or "").strip() or g.opt_name(obj, "id", where)
        result = Result(
            title=title or "(unnamed scenario)",
            status=status,
            container=container,
            duration=self._total(all_steps + step_hooks),
            description=g.description(obj, where),
            exception_name=name,
            exception_description=message,
            exception_backtrace=backtrace,
            classname=classname,
            tags=g.tags(obj, where),
            steps=all_steps,
        )
        for key in ("id", "keyword", "line", "start_timestamp"):
            if (value := obj.get(key)) not in (None, ""):
                result.json_data[key] = value
        return result

    def _step(self, obj: dict[str, Any], where: str) -> Step:
        keyword = (g.opt_name(obj, "keyword", where) or "").strip()
        if obj.get("hidden") is True or (keyword in _HOOKS and not obj.get("name")):
            keyword = keyword.capitalize() or "Hook"
        step = self._outcome(obj, where, keyword)
        step.title = (g.opt_name(obj, "name", where) or "").strip() or step.title
        data: dict[str, Any] = dict(step.data or {})
        if (line := obj.get("line")) is not None:
            data["line"] = line
        doc_string = g.opt_object(obj, "doc_string", where)
        if value := g.opt_str(doc_string, "value", g.join(where, "doc_string")):
            data["doc_string"] = value
        rows = [g.opt_list(row, "cells", path) for row, path in g.objects(obj, "rows", where)]
        if rows:
            data["rows"] = rows
        step.data = data or None
        for key, hook_keyword in (("before", "BeforeStep"), ("after", "AfterStep")):
            for hook, path in g.objects(obj, key, where):
                step.steps.append(self._outcome(hook, path, hook_keyword))
        return step

    def _outcome(self, obj: dict[str, Any], where: str, keyword: str) -> Step:
        """A step or hook's result, match location, output and attachments."""
        result = g.opt_object(obj, "result", where)
        result_path = g.join(where, "result")
        raw = g.opt_str(result, "status", result_path)
        status = _STATUSES.get(raw.strip().lower(), Status.UNKNOWN) if raw else Status.SKIPPED
        location = g.opt_str(g.opt_object(obj, "match", where), "location", g.join(where, "match"))
        data: dict[str, Any] = {}
        if location:
            data["location"] = location
        if raw and raw.strip().lower() not in ("passed", "failed", "skipped"):
            data["status"] = raw  # pending, undefined, ambiguous: worth telling apart
        if output := g.strings(obj, "output", where):
            data["output"] = output
        amount = g.number(result.get("duration"))
        step = Step(
            title=location or f"{keyword} hook",
            status=status,
            keyword=keyword or None,
            duration=g.milliseconds(amount, self.units_per_ms),
            error=g.opt_text(result, "error_message", result_path),
            data=data or None,
            assets=g.embeddings(obj, where, self.attachments),
        )
        if amount is not None:
            self.amounts[step.id] = amount
        return step

    def _total(self, steps: list[Step]) -> int | None:
        """The scenario's duration: the sum of its steps' and hooks' exact durations, then rounded."""
        amounts = [self.amounts[step.id] for step in steps if step.id in self.amounts]
        return g.milliseconds(sum(amounts), self.units_per_ms) if amounts else None



def _is_background(element: dict[str, Any]) -> bool:
    kind = element.get("type")
    return isinstance(kind, str) and kind.lower() == "background"


def _expanded_templates(elements: list[dict[str, Any]]) -> set[int]:
    """Indexes of Scenario Outline templates that are followed by their own expanded rows.

    cucumber-jvm 1.x (and cucumber-reporting's samples) write the outline itself (`type:
    "scenario_outline"`, steps with `<placeholders>` and no results) and then each Examples row as
    a scenario whose id is the outline's id + `;;2`, `;;3`...: the template never ran, the rows did.
    An outline with no expanded rows is kept (its steps have no result: it counts as skipped).
    """
    ids = [element.get("id") for element in elements]
    templates = set()
    for index, element in enumerate(elements):
        kind, own = element.get("type"), ids[index]
        if isinstance(kind, str) and kind.lower() == "scenario_outline" and isinstance(own, str) and own:
            prefix = own + ";;"
            if any(isinstance(other, str) and other.startswith(prefix) for other in ids):
                templates.add(index)
    return templates


def _same_id(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return one.get("id") is not None and one.get("id") == other.get("id")


def _background_owners(elements: list[dict[str, Any]]) -> dict[int, list[int]]:
    """Scenario index -> the indexes of the background elements whose steps it ran.

    A background belongs to the scenario after it, except when it follows a scenario with its own
    id (cucumber-rs) or ends the feature (then it belongs to the scenario before it).
    """
    owners: dict[int, list[int]] = {}
    waiting: list[int] = []
    for index, element in enumerate(elements):
        if not _is_background(element):
            if waiting:
                owners[index], waiting = waiting, []
            continue
        previous = elements[index - 1] if index else None
        if previous is not None and not _is_background(previous) and _same_id(element, previous):
            owners.setdefault(index - 1, []).append(index)
        else:
            waiting.append(index)
    if waiting:
        scenarios = [i for i in range(waiting[0]) if not _is_background(elements[i])]
        if scenarios:
            owners.setdefault(scenarios[-1], []).extend(waiting)
    return owners


FORMAT = Format(
    name="cucumber",
    origin="cucumber_json",
    title="Cucumber JSON",
    sniff_fn=sniff,
    parse=parse,
    aliases=("cucumber_json", "cucumber-json", "cucumberjs", "cucumber-jvm", "cucumber-rs"),
    filenames=("cucumber*.json", "*cucumber*.json", "*.json"),
    mimetypes=("application/json",),
    priority=0.5,
)
