"""Write a report as Calliope JSON, with exactly the field names of Calliope's format (seed 002).

Calliope's report -> containers -> results tree, plus Assay's additions, which `calliope.parse`
reads back: report `key`, `title`, `description`, `tags`, `properties`; container `description`,
`duration`, `properties`, `tags`; result `steps`; asset `data` (base64, only for an asset that was
never stored, e.g. when converting a file); and the result fields Calliope has no column for
(classname, properties, tags, stdout, flaky...) as the JSON string in `json_data`.

Counts and container statuses are computed here from the results written, never taken from
the input.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from assay.model import Asset, Container, Counts, Report, ReportMeta, Result, Status, Step

__all__ = ["write_calliope"]

AssetUrl = Callable[[Asset], str]

# Calliope results must live in a container: results the tree holds at its top go into one
# container with this title, written first.
TOP_RESULTS_TITLE = "Results"


def write_calliope(
    report: Report,
    events: Iterable[Container | Result | ReportMeta],
    asset_url: AssetUrl | None = None,
    indent: bool = False,
) -> bytes:
    """The report and its tree (`events`: containers before what they hold) as Calliope JSON bytes.

    `asset_url` gives each asset's `url` (null without it). A `ReportMeta` among the events fills
    report fields that `report` leaves empty.
    """
    writer = _Writer(report, asset_url)
    for event in events:
        writer.add(event)
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(writer.document(), option=option)


@dataclass(eq=False)
class _Node:
    container: Container
    order: int  # arrival among its siblings
    children: list[_Node] = field(default_factory=list)
    # (position, arrival, the result's JSON object) -- status is in the object
    results: list[tuple[int | None, int, dict[str, Any]]] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


class _Writer:
    def __init__(self, report: Report, asset_url: AssetUrl | None) -> None:
        self.report = report
        self.asset_url = asset_url
        self.created = _iso(report.created_at)
        self.updated = _iso(report.updated_at)
        self.nodes: dict[int, _Node] = {}  # id(container) -> its node; the node keeps the container alive
        self.top: list[_Node] = []
        self.top_results: _Node | None = None
        self.metas: list[ReportMeta] = []

    # -- collecting ------------------------------------------------------------------------------
    def add(self, event: Container | Result | ReportMeta) -> None:
        if isinstance(event, Container):
            self._node(event)
        elif isinstance(event, Result):
            node = self._node(event.container) if event.container is not None else self._top_results()
            node.results.append((event.position, len(node.results), self._result(event, node.container)))
        elif isinstance(event, ReportMeta):
            self.metas.append(event)

    def _node(self, container: Container) -> _Node:
        node = self.nodes.get(id(container))
        if node is None:
            siblings = self._node(container.parent).children if container.parent is not None else self.top
            node = _Node(container, len(siblings))
            siblings.append(node)
            self.nodes[id(container)] = node
        return node

    def _top_results(self) -> _Node:
        if self.top_results is None:
            self.top_results = _Node(Container(title=TOP_RESULTS_TITLE, position=0), -1)
        return self.top_results

    # -- writing ---------------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        report = self.report
        top = ([self.top_results] if self.top_results else []) + _sorted(self.top)
        containers = [self._container(node, position) for position, node in enumerate(top)]
        counts = Counts()
        for node in top:
            counts.merge(node.counts)
        meta = _merged_meta(report, self.metas)
        return {
            "id": report.id,
            "key": report.key,
            "profile_id": report.profile_id,
            "import_id": report.import_id,
            "import_status": report.import_status,
            "date": _iso(report.date or meta.date or meta.started_at or report.created_at),
            "origin": report.origin,
            "created_at": self.created,
            "updated_at": self.updated,
            **counts.as_dict("count_"),
            **counts.as_dict("cached_"),
            "build": meta.build,
            "os": meta.os,
            "platform": meta.platform,
            "tags": meta.tags,
            "title": meta.title,
            "description": meta.description,
            "properties": meta.properties,
            "containers": containers,
            "assets": [self._asset(asset) for asset in meta.assets],
        }

    def _container(self, node: _Node, index: int) -> dict[str, Any]:
        container = node.container
        children = [self._container(child, i) for i, child in enumerate(_sorted(node.children))]
        results = sorted(node.results, key=lambda r: (r[0] is None, r[0] or 0, r[1]))
        node.counts = Counts()
        for i, (_, _, obj) in enumerate(results):
            node.counts.add(_STATUS_OF[obj["status"]])
            if obj["position"] is None:
                obj["position"] = i
        for child in node.children:
            node.counts.merge(child.counts)
        status = node.counts.status()
        parent = container.parent
        return {
            "id": container.id,
            # Calliope: report_id only when the report is the direct parent; container_id otherwise.
            "report_id": self.report.id if parent is None else None,
            "container_id": parent.id if parent is not None else None,
            "title": container.title,
            "classification": container.classification,
            **node.counts.as_dict("count_"),
            **node.counts.as_dict("cached_"),
            "position": container.position if container.position is not None else index,
            "status": status.label if status is not None else None,
            "history_hash": container.history_hash,
            "created_at": self.created,
            "updated_at": self.updated,
            "description": container.description,
            "duration": container.duration,
            "properties": container.properties,
            "tags": container.tags,
            "containers": children,
            "results": [obj for _, _, obj in results],
            "assets": [self._asset(asset) for asset in container.assets],
        }

    def _result(self, result: Result, container: Container) -> dict[str, Any]:
        extras = result.extras()
        return {
            "id": result.id,
            "container_id": container.id,
            "title": result.title,
            "status": int(result.status),
            "duration": result.duration,
            "description": result.description,
            "exception_name": result.exception_name,
            "exception_backtrace": result.exception_backtrace,
            "exception_description": result.exception_description,
            # Calliope's json_data is a blob: a JSON string, not a nested object.
            "json_data": orjson.dumps(extras, option=orjson.OPT_NON_STR_KEYS).decode() if extras else None,
            "position": result.position,
            "history_hash": result.history_hash,
            "created_at": self.created,
            "updated_at": self.updated,
            "assets": [self._asset(asset) for asset in result.assets],
            "steps": [self._step(step) for step in result.steps],
        }

    def _step(self, step: Step) -> dict[str, Any]:
        return {
            "title": step.title,
            "keyword": step.keyword,
            "status": int(step.status),
            "duration": step.duration,
            "error": step.error,
            "data": step.data,
            "steps": [self._step(child) for child in step.steps],
            "assets": [self._asset(asset) for asset in step.assets],
        }

    def _asset(self, asset: Asset) -> dict[str, Any]:
        written = {
            "id": asset.id,
            "location": asset.location or asset.path,
            "tag": asset.tag,
            "name": asset.name,
            "created_at": self.created,
            "updated_at": self.updated,
            "url": self.asset_url(asset) if self.asset_url else None,
            "type": asset.mime_type,
        }
        if asset.data is not None and asset.location is None:
            # Not stored anywhere (a conversion): the bytes travel inside the document.
            written["data"] = base64.b64encode(asset.data).decode("ascii")
        return written


def _sorted(nodes: list[_Node]) -> list[_Node]:
    """Siblings by position; those without one after the rest, in arrival order."""
    return sorted(nodes, key=lambda n: (n.container.position is None, n.container.position or 0, n.order))


def _merged_meta(report: Report, metas: list[ReportMeta]) -> ReportMeta:
    """The report's own fields, with what the file's ReportMeta says filling those still empty."""
    merged = ReportMeta(
        title=report.title, description=report.description, date=report.date, started_at=report.started_at,
        build=report.build, os=report.os, platform=report.platform, tags=list(report.tags),
        properties=dict(report.properties), assets=list(report.assets),
    )
    for meta in metas:
        for name in ("title", "description", "date", "started_at", "build", "os", "platform"):
            if getattr(merged, name) is None:
                setattr(merged, name, getattr(meta, name))
        merged.tags.extend(tag for tag in meta.tags if tag not in merged.tags)
        for key, value in meta.properties.items():
            merged.properties.setdefault(key, value)
        merged.assets.extend(meta.assets)
    return merged


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 with a zone; Assay's naive datetimes are UTC."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


_STATUS_OF = {int(status): status for status in Status}
