"""Calliope JSON: Calliope.pro's own export format, and the canonical shape of Assay's model.

A report object `{id, profile_id, import_id, import_status, date, origin, created_at, updated_at,
count_*, cached_*, build, os, platform, containers, assets}` holds a tree of containers
`{title, classification, position, containers, results, assets}`; a result is `{title, status
(0 failed, 1 broken, 2 passed, 3 skipped, 4 unknown), duration, description, exception_name,
exception_description, exception_backtrace, json_data, position, assets}`. Also accepted: a bare
list of containers, a report wrapped as `{"report": {...}}`, status names instead of numbers
("failed", "PASSED"), and Assay's extensions (as `calliope_writer` writes them): result `steps`,
asset `data` (base64), report `title`/`description`/`tags`/`properties`, container
`description`/`duration`/`properties`/`tags`, and the result extras (classname, properties,
tags, stdout, flaky, attempts...) inside `json_data`.

Ids, history hashes, counts and container statuses in the file are ignored: the normalizer and
the store compute them again, so the same file can be imported twice.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

import orjson

from assay.errors import ParseError
from assay.formats import _calliope_shape as shape
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result

_CONTAINERS = re.compile(rb'"containers"\s*:')
_RESULTS = re.compile(rb'"results"\s*:')
_REPORT_KEYS = re.compile(rb'"(?:import_status|profile_id|origin|count_total)"\s*:')
# Xray JSON's execution key; Cucumber JSON's scenarios.
_XRAY = re.compile(rb'"testExecutionKey"\s*:')
_CUCUMBER = re.compile(rb'"elements"\s*:')


def sniff(head: bytes) -> float:
    """0.9 for a report object (containers + a report field), 0.6 for containers with results."""
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if not text.startswith((b"{", b"[")) or not _CONTAINERS.search(text) or _XRAY.search(text):
        return 0.0
    if text.startswith(b"["):
        # A bare list of containers; a list of features with "elements" is Cucumber JSON.
        return 0.5 if _RESULTS.search(text) and not _CUCUMBER.search(text) else 0.0
    if _REPORT_KEYS.search(text):
        return 0.9
    return 0.6 if _RESULTS.search(text) else 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Yield the report's ReportMeta, then each container followed by its results and child containers.

    Siblings come in `position` order (those without one after, in file order). Raises ParseError
    for invalid JSON (with line and column), a document of another shape, or a field of the wrong
    type (naming its JSON path, e.g. `containers[2].results[0].status`).
    """
    data = _load(stream.read())
    report, containers, where = _document(data)
    if report is not None:
        yield _meta(report, where)
    # Depth-first with an explicit stack: a deep tree must not hit Python's recursion limit.
    top = _ordered(containers, shape.join(where, "containers") if report is not None else "")
    stack = [(obj, path, position, None, 1) for obj, path, position in reversed(top)]
    while stack:
        obj, path, position, parent, depth = stack.pop()
        if depth > shape.MAX_CONTAINER_DEPTH:
            limit = shape.MAX_CONTAINER_DEPTH
            raise ParseError(f"{path}: containers nested deeper than {limit} levels", path=path)
        container = _container(obj, path, position, parent)
        yield container
        results = _ordered(shape.opt_list(obj, "results", path), shape.join(path, "results"))
        for result_obj, result_path, result_position in results:
            yield _result(result_obj, result_path, result_position, container)
        children = _ordered(shape.opt_list(obj, "containers", path), shape.join(path, "containers"))
        stack.extend((child, at, pos, container, depth + 1) for child, at, pos in reversed(children))


def _load(raw: bytes) -> Any:
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if not raw.strip():
        raise ParseError("empty file: a Calliope JSON report was expected", code="empty_file")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ParseError(f"not valid JSON: {error.msg}", line=error.lineno, column=error.colno) from None


def _document(data: Any) -> tuple[dict[str, Any] | None, list[Any], str]:
    """(the report object or None for a bare list, its containers, the report's JSON path)."""
    if isinstance(data, list):
        if any(isinstance(item, dict) and "elements" in item for item in data):
            raise ParseError('not a Calliope JSON file: a list of features with "elements" is Cucumber JSON')
        return None, data, ""
    if not isinstance(data, dict):
        raise ParseError(
            f"not a Calliope JSON file: the document is {shape.show(data)}, expected a report object"
        )
    where = ""
    if "containers" not in data and isinstance(data.get("report"), dict):
        data, where = data["report"], "report"
    if "containers" not in data:
        hint = ""
        if any(key in data for key in ("testExecutionKey", "tests", "info")):
            hint = ' (it looks like Xray JSON: "tests"/"info")'
        raise ParseError(f'not a Calliope JSON file: the report has no "containers" array{hint}')
    return data, shape.opt_list(data, "containers", where), where


def _ordered(items: list[Any], where: str) -> list[tuple[dict[str, Any], str, int | None]]:
    """Each item checked to be an object, with its path and `position`, in position order."""
    rows = []
    for index, item in enumerate(items):
        path = shape.join(where, index)
        obj = shape.expect_object(item, path)
        rows.append((obj, path, shape.opt_int(obj, "position", path)))
    # Calliope shows siblings by `position`; items without one keep file order, after the rest.
    order = sorted(range(len(rows)), key=lambda i: (rows[i][2] is None, rows[i][2] or 0, i))
    return [rows[i] for i in order]


def _label(obj: dict[str, Any], key: str, where: str) -> str | None:
    """build/os/platform: free text set by the importer; a bare number (build 1234) is text too."""
    value = obj.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return shape.opt_str(obj, key, where)


def _meta(report: dict[str, Any], where: str) -> ReportMeta:
    return ReportMeta(
        title=shape.opt_str(report, "title", where),
        description=shape.opt_str(report, "description", where),
        date=shape.date(report, "date", where),
        build=_label(report, "build", where),
        os=_label(report, "os", where),
        platform=_label(report, "platform", where),
        tags=shape.str_list(report, "tags", where),
        properties=shape.opt_object(report, "properties", where),
        assets=shape.assets(report, where),
    )


def _container(obj: dict[str, Any], where: str, position: int | None, parent: Container | None) -> Container:
    # status, count_*/cached_*, ids and history_hash are recomputed on import.
    return Container(
        title=shape.req_str(obj, "title", where),
        classification=shape.opt_str(obj, "classification", where),
        parent=parent,
        description=shape.opt_str(obj, "description", where),
        duration=shape.duration(obj, "duration", where),
        properties=shape.opt_object(obj, "properties", where),
        tags=shape.str_list(obj, "tags", where),
        assets=shape.assets(obj, where),
        position=position,
    )


def _result(obj: dict[str, Any], where: str, position: int | None, container: Container) -> Result:
    title = shape.req_str(obj, "title", where)
    result = Result(
        title=title,
        status=shape.status(obj.get("status"), shape.join(where, "status"), title),
        container=container,
        duration=shape.duration(obj, "duration", where),
        description=shape.opt_str(obj, "description", where),
        exception_name=shape.opt_str(obj, "exception_name", where),
        exception_description=shape.opt_str(obj, "exception_description", where),
        exception_backtrace=shape.opt_str(obj, "exception_backtrace", where),
        position=position,
        steps=shape.steps(obj, where),
        assets=shape.assets(obj, where),
    )
    shape.apply_json_data(result, obj.get("json_data"), shape.join(where, "json_data"))
    return result


FORMAT = Format(
    name="calliope",
    origin="calliope_json",
    title="Calliope JSON",
    sniff_fn=sniff,
    parse=parse,
    aliases=("calliope_json", "calliope-json"),
    filenames=("*.json",),
    mimetypes=("application/json",),
    priority=0.5,
    # The file is already a tree: smart restructuring would nest Package/Class containers again
    # under the ones it has, from the classname that Assay's own exports keep in json_data.
    extra={"smart": False},
)
