"""SpecFlow / Reqnroll JSON execution results, in the two shapes QMetry's "SpecFlow" import meets.

- SpecFlow+ LivingDoc's `TestExecution.json` (written by the SpecFlow.Plus.LivingDocPlugin at the
  end of a run; Reqnroll projects using a LivingDoc-compatible plugin write the same file):
  `{ExecutionTime, GenerationTime, Nodes, ExecutionResults: [{ContextType, FeatureFolderPath,
  FeatureTitle, ScenarioTitle, ScenarioArguments, Status, StepResults: [{Duration, Status, Error,
  Outputs}], Outputs}], StepReports}`. Step texts are not in this file (they live in the feature
  files), so steps are titled by position: "Step 1", "Step 2"...
- The SpecFlow.Reporting.Json / SpecResults reporter plugin (`{"generator": ..., "features":
  [{title, scenarios: [{title, given|when|then: {steps: [...]}}]}]}`), the shape of QMetry's
  documented mapping "features > scenarios > title" and "features > scenarios > steps > title".

Features become Containers ("Feature"), scenarios Results, steps Steps. LivingDoc statuses:
OK -> passed, TestError -> failed, BindingError -> broken, UndefinedStep and
StepDefinitionPending -> unknown, Skipped -> skipped. SpecResults: OK, Error (failed), Pending
(unknown), NotRun (skipped).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _json_fields as js
from assay.formats._xml_results import add_tag, basename, parse_datetime
from assay.formats.registry import Format
from assay.model import Asset, Container, Event, ReportMeta, Result, Status, Step, worst

_LIVINGDOC_STATUSES = {
    "ok": Status.PASSED,
    "testerror": Status.FAILED,
    "bindingerror": Status.BROKEN,
    "undefinedstep": Status.UNKNOWN,
    "stepdefinitionpending": Status.UNKNOWN,
    "skipped": Status.SKIPPED,
}
_SPECRESULTS_STATUSES = {
    "ok": Status.PASSED,
    "error": Status.FAILED,
    "pending": Status.UNKNOWN,
    "notrun": Status.SKIPPED,
    "unknown": Status.UNKNOWN,
}
_BLOCKS = (("given", "Given"), ("when", "When"), ("then", "Then"))
# "00:00:01.0884103", "1.02:03:04.5" (days.hours:minutes:seconds), as .NET writes a TimeSpan
_TIMESPAN = re.compile(r"^\s*(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)\s*$")

_LIVINGDOC = re.compile(rb'"ExecutionResults"\s*:')
_LIVINGDOC_HINTS = re.compile(rb'"(?:FeatureTitle|ScenarioTitle|StepResults|ExecutionTime|PluginUserSpecFlowId)"\s*:')
_SPECRESULTS = re.compile(rb'"generator"\s*:\s*"(?:SpecFlow\.Reporting|SpecResults)')
_SPECRESULTS_HINTS = re.compile(rb'"(?:block_type|given|when|then)"\s*:')


def sniff(head: bytes) -> float:
    """0.9 for a LivingDoc TestExecution.json or a SpecResults report, 0.7 for their keys without the marker."""
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{"):
        return 0.0
    if _LIVINGDOC.search(head):
        return 0.9 if _LIVINGDOC_HINTS.search(head) else 0.6
    if _SPECRESULTS.search(head):
        return 0.9
    if b'"features"' in head and b'"scenarios"' in head and _SPECRESULTS_HINTS.search(head):
        return 0.7
    return 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield a ReportMeta (run times), then each Feature Container followed by its scenario Results.

    Raises ParseError for malformed JSON (with line and column), a document of neither shape, or a
    field of the wrong type (naming its JSON path).
    """
    document = js.load(stream.read(), "SpecFlow execution results")
    if not isinstance(document, dict):
        raise ParseError(f"not a SpecFlow result file: the document is {js.show(document)}, expected an object")
    if "ExecutionResults" in document:
        yield from _livingdoc(document)
    elif "features" in document:
        yield from _specresults(document)
    else:
        keys = ", ".join(sorted(document)[:6]) or "none"
        raise ParseError(
            "not a SpecFlow result file: expected ExecutionResults (LivingDoc) or features (SpecResults), "
            f"got keys {keys}"
        )


FORMAT = Format(
    name="specflow",
    origin="specflow_json",
    title="SpecFlow / Reqnroll output",
    sniff_fn=sniff,
    parse=parse,
    aliases=("specflow-json", "livingdoc", "reqnroll", "specresults"),
    filenames=("TestExecution*.json", "*.json"),
    mimetypes=("application/json",),
    priority=0.5,
)


# -- LivingDoc TestExecution.json -------------------------------------------------------------------


def _livingdoc(document: dict[str, Any]) -> Iterator[Event]:
    started = _date(js.text(document, "ExecutionTime", ""))
    if started:
        yield ReportMeta(started_at=started)
    features: dict[tuple[str, str], Container] = {}
    for scenario, where in js.objects(document, "ExecutionResults", ""):
        folder = js.text(scenario, "FeatureFolderPath", where) or ""
        title = js.text(scenario, "FeatureTitle", where) or "(unnamed feature)"
        feature = features.get((folder, title))
        if feature is None:
            feature = Container(title=title, classification="Feature")
            if folder:
                feature.properties["folder"] = folder
            features[(folder, title)] = feature
            yield feature
        yield _livingdoc_result(scenario, where, feature)


def _livingdoc_result(scenario: dict[str, Any], where: str, feature: Container) -> Result:
    title = js.text(scenario, "ScenarioTitle", where) or "(unnamed scenario)"
    arguments = [str(arg) for arg in js.opt_list(scenario, "ScenarioArguments", where) if arg is not None]
    raw_status = js.text(scenario, "Status", where) or ""
    result = Result(
        title=f"{title} ({', '.join(arguments)})" if arguments else title,
        status=_LIVINGDOC_STATUSES.get(raw_status.lower(), Status.UNKNOWN),
        container=feature,
    )
    durations: list[int] = []
    for step, path in js.objects(scenario, "StepResults", where):
        step_status = js.text(step, "Status", path) or ""
        duration = _timespan(js.text(step, "Duration", path))
        if duration is not None:
            durations.append(duration)
        error = js.text(step, "Error", path)
        assets, output = _outputs(step, path)
        result.steps.append(
            Step(
                title=f"Step {len(result.steps) + 1}",
                status=_LIVINGDOC_STATUSES.get(step_status.lower(), Status.UNKNOWN),
                duration=duration,
                error=error,
                data={"status": step_status, **({"output": output} if output else {})} if step_status else None,
                assets=assets,
            )
        )
        if error and result.exception_description is None:
            result.exception_description = error
    result.duration = sum(durations) if durations else None
    result.assets, output = _outputs(scenario, where)
    result.stdout = output
    result.json_data = {"status": raw_status, "context_type": js.text(scenario, "ContextType", where)}
    if arguments:
        result.json_data["arguments"] = arguments
    return result


def _outputs(obj: dict[str, Any], where: str) -> tuple[list[Asset], str | None]:
    """LivingDoc `Outputs`: attachments (FilePath) become Assets, messages become output text."""
    assets: list[Asset] = []
    lines: list[str] = []
    for output, path in js.objects(obj, "Outputs", where):
        file_path = js.text(output, "FilePath", path)
        if file_path:
            assets.append(Asset(name=basename(file_path), path=file_path))
        message = js.text(output, "Message", path)
        if message:
            lines.append(message)
    return assets, "\n".join(lines) or None


def _timespan(value: str | None) -> int | None:
    """A .NET TimeSpan string as milliseconds; garbage -> None."""
    match = _TIMESPAN.match(value or "")
    if match is None:
        return None
    days, hours, minutes, seconds = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return round(total * 1000)


# -- SpecFlow.Reporting.Json / SpecResults ----------------------------------------------------------


def _specresults(document: dict[str, Any]) -> Iterator[Event]:
    started = _date(js.text(document, "start_time", ""))
    finished = _date(js.text(document, "end_time", ""))
    if started or finished:
        yield ReportMeta(started_at=started, finished_at=finished)
    for feature_obj, where in js.objects(document, "features", ""):
        feature = Container(
            title=js.text(feature_obj, "title", where) or "(unnamed feature)",
            classification="Feature",
            description=js.text(feature_obj, "description", where),
        )
        for tag in _tags(feature_obj, where):
            add_tag(feature.tags, tag)
        yield feature
        for scenario, path in js.objects(feature_obj, "scenarios", where):
            yield _specresults_result(scenario, path, feature)


def _specresults_result(scenario: dict[str, Any], where: str, feature: Container) -> Result:
    raw_status = js.text(scenario, "result", where) or ""
    result = Result(
        title=js.text(scenario, "title", where) or "(unnamed scenario)",
        status=_SPECRESULTS_STATUSES.get(raw_status.lower(), Status.UNKNOWN),
        container=feature,
        duration=_elapsed(scenario, where),
        description=js.text(scenario, "description", where),
    )
    for tag in _tags(scenario, where):
        add_tag(result.tags, tag)
    # Steps sit in Given/When/Then blocks; some versions list them flat under "steps".
    for key, keyword in (*_BLOCKS, ("steps", None)):
        if key == "steps":
            result.steps.extend(_specresults_steps(scenario, where, None, 1))
        else:
            block = js.opt_object(scenario, key, where)
            result.steps.extend(_specresults_steps(block, js.join(where, key), keyword, 1))
    if raw_status and raw_status.lower() not in _SPECRESULTS_STATUSES:
        result.json_data["result"] = raw_status
    _first_exception(result, scenario, where)
    derived = worst(step.status for step in result.steps)
    if result.status is Status.UNKNOWN and not raw_status and derived is not None:
        result.status = derived  # (Status.FAILED is 0: never `worst(...) or ...`)
    return result


def _specresults_steps(block: dict[str, Any], where: str, keyword: str | None, depth: int) -> list[Step]:
    steps: list[Step] = []
    for step, path in js.objects(block, "steps", where):
        if depth > js.MAX_DEPTH:
            raise ParseError(f"{path}: steps nest deeper than {js.MAX_DEPTH} levels", path=path)
        exception = js.opt_object(step, "exception", path)
        data: dict[str, Any] = {}
        for key in ("exception_type", "stack_trace"):
            value = js.text(exception, key, js.join(path, "exception"))
            if value:
                data[key] = value
        table = js.opt_object(step, "table", path)
        if table:
            data["table"] = table
        multi_line = js.text(step, "multi_line_parameter", path)
        if multi_line:
            data["multi_line_parameter"] = multi_line
        steps.append(
            Step(
                title=js.text(step, "title", path) or "(unnamed step)",
                keyword=keyword,
                status=_SPECRESULTS_STATUSES.get((js.text(step, "result", path) or "").lower(), Status.UNKNOWN),
                duration=_elapsed(step, path),
                error=js.text(exception, "message", js.join(path, "exception")),
                data=data or None,
                steps=_specresults_steps(step, path, None, depth + 1),
            )
        )
    return steps


def _first_exception(result: Result, scenario: dict[str, Any], where: str) -> None:
    """The failure text of a scenario: the first step (in any block, at any depth) that threw."""
    pending: list[tuple[dict[str, Any], str]] = []
    for key, _ in _BLOCKS:
        block = js.opt_object(scenario, key, where)
        pending.extend(js.objects(block, "steps", js.join(where, key)))
    pending.extend(js.objects(scenario, "steps", where))
    seen = 0
    while pending and seen < 10_000:
        step, path = pending.pop(0)
        seen += 1
        exception = js.opt_object(step, "exception", path)
        if exception:
            where_exc = js.join(path, "exception")
            result.exception_name = js.text(exception, "exception_type", where_exc)
            result.exception_description = js.text(exception, "message", where_exc)
            result.exception_backtrace = js.text(exception, "stack_trace", where_exc)
            return
        pending[:0] = js.objects(step, "steps", path)


def _tags(obj: dict[str, Any], where: str) -> list[str]:
    return [str(tag).lstrip("@") for tag in js.opt_list(obj, "tags", where) if isinstance(tag, (str, int))]


def _elapsed(obj: dict[str, Any], where: str) -> int | None:
    start = _date(js.text(obj, "start_time", where))
    end = _date(js.text(obj, "end_time", where))
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() * 1000)


def _date(value: str | None) -> datetime | None:
    """An ISO time; .NET's DateTime.MinValue ("0001-01-01T00:00:00", nothing recorded) is None."""
    moment = parse_datetime(value)
    return moment if moment is not None and moment.year > 1 else None
