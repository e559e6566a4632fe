"""Write one report from a normalized event stream: results in batches, containers last.

Everything happens on the caller's connection, inside the caller's transaction, so a report
appears whole or not at all. Results stream through in batches of BATCH_SIZE; only containers
(few, and whose counts are final only at the end) stay in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, update

from assay.model import Asset, Container, Counts, Event, ReportMeta, Result, Step
from assay.store import tables
from assay.store.blobs import BlobStore
from assay.store.bulk import insert_rows

BATCH_SIZE = 5000

# Resolves a path named inside a result file (an attachment) to an uploaded file, or None.
AttachmentResolver = Callable[[str], Path | None]

_RESULT_COLUMNS = (
    "id",
    "report_id",
    "container_id",
    "title",
    "status",
    "duration",
    "description",
    "exception_name",
    "exception_description",
    "exception_backtrace",
    "json_data",
    "position",
    "history_hash",
    "test_id",
)
_STEP_COLUMNS = (
    "id",
    "report_id",
    "result_id",
    "parent_id",
    "position",
    "keyword",
    "title",
    "status",
    "duration",
    "error",
    "data",
)
_CONTAINER_COLUMNS = ("id", "report_id", "parent_id", "title", "classification", "position", "history_hash")
_ASSET_COLUMNS = (
    "id",
    "report_id",
    "owner_type",
    "owner_id",
    "name",
    "tag",
    "mime_type",
    "size",
    "sha256",
    "location",
    "created_at",
)


@dataclass
class WrittenReport:
    id: str
    counts: Counts
    meta: ReportMeta
    containers: int = 0
    assets: int = 0
    unresolved_attachments: list[str] = field(default_factory=list)
    duration: int | None = None  # the sum of the results' durations (ms), None if none has one


class _Batch:
    def __init__(self) -> None:
        self.results: list[tuple[Any, ...]] = []
        self.steps: list[tuple[Any, ...]] = []
        self.assets: list[tuple[Any, ...]] = []

    def flush(self, connection: Connection) -> None:
        insert_rows(connection, tables.result, _RESULT_COLUMNS, self.results)
        insert_rows(connection, tables.step, _STEP_COLUMNS, self.steps)
        insert_rows(connection, tables.asset, _ASSET_COLUMNS, self.assets)
        self.results.clear()
        self.steps.clear()
        self.assets.clear()


class ReportWriter:
    """Streams one report's events into the database (see module docstring)."""

    def __init__(
        self,
        connection: Connection,
        blobs: BlobStore,
        report_id: str,
        resolve_attachment: AttachmentResolver | None = None,
    ) -> None:
        self.connection = connection
        self.blobs = blobs
        self.report_id = report_id
        self.resolve_attachment = resolve_attachment
        self.clean = _nul_free if connection.dialect.name == "postgresql" else _identity
        self.now = datetime.now(UTC)
        self.batch = _Batch()
        self.containers: list[Container] = []
        self.inserted = 0  # self.containers[:inserted] have rows already
        self.counts = Counts()
        self.meta = ReportMeta()
        self.asset_count = 0
        self.unresolved: list[str] = []
        self.duration: int | None = None

    def write(self, events: Iterable[Event]) -> WrittenReport:
        """Consume `events`; rows of the report itself must already exist. Returns what was written."""
        for event in events:
            self.add(event)
        return self.finish()

    def add(self, event: Event) -> None:
        """Take one event (for callers that route one stream into several reports); `finish` ends."""
        if isinstance(event, Result):
            self._add_result(event)
            if len(self.batch.results) >= BATCH_SIZE:
                self._flush()
        elif isinstance(event, Container):
            self.containers.append(event)
        elif isinstance(event, ReportMeta):
            merge_meta(self.meta, event)

    def finish(self) -> WrittenReport:
        """Write what is pending, containers' final counts and the report's assets. Returns what was written."""
        self._flush()
        self._finish_containers()
        for asset in self.meta.assets:
            self._add_asset(asset, "report", self.report_id)
        self.batch.flush(self.connection)
        return WrittenReport(
            id=self.report_id,
            counts=self.counts,
            meta=self.meta,
            containers=len(self.containers),
            assets=self.asset_count,
            unresolved_attachments=self.unresolved,
            duration=self.duration,
        )

    def add_report_assets(self, assets: list[Asset]) -> None:
        """Attach more files to the report itself, after `write` (e.g. uploads no result named)."""
        for asset in assets:
            self._add_asset(asset, "report", self.report_id)
        self.batch.flush(self.connection)

    def _add_result(self, result: Result) -> None:
        self.counts.add(result.status)
        if result.duration is not None:
            self.duration = (self.duration or 0) + result.duration
        clean = self.clean
        extras = result.extras()
        self.batch.results.append(
            (
                result.id,
                self.report_id,
                result.container.id if result.container else None,
                clean(result.title),
                int(result.status),
                result.duration,
                clean(result.description),
                clean(result.exception_name),
                clean(result.exception_description),
                clean(result.exception_backtrace),
                clean(_json(extras)) if extras else None,
                result.position or 0,
                result.history_hash,
                result.test_id,
            )
        )
        if result.steps:
            self._add_steps(result.id, None, result.steps)
        for asset in result.assets:
            self._add_asset(asset, "result", result.id)

    def _add_steps(self, result_id: str, parent_id: str | None, steps: list[Step], start: int = 0) -> int:
        position = start
        clean = self.clean
        for step in steps:
            self.batch.steps.append(
                (
                    step.id,
                    self.report_id,
                    result_id,
                    parent_id,
                    position,
                    clean(step.keyword),
                    clean(step.title),
                    int(step.status),
                    step.duration,
                    clean(step.error),
                    clean(_json(step.data)) if step.data else None,
                )
            )
            position += 1
            for asset in step.assets:
                self._add_asset(asset, "step", step.id)
            if step.steps:
                position = self._add_steps(result_id, step.id, step.steps, position)
        return position

    def _add_asset(self, asset: Asset, owner_type: str, owner_id: str) -> None:
        if asset.data is not None:
            asset.sha256, asset.size, asset.location = self.blobs.put_bytes(asset.data)
        elif asset.path and self.resolve_attachment and (found := self.resolve_attachment(asset.path)):
            asset.sha256, asset.size, asset.location = self.blobs.put_file(found)
        elif asset.path:
            # Named by the file but not uploaded: keep where it was, so it can be attached later.
            asset.location = asset.location or asset.path
            if asset.sha256 is None:
                self.unresolved.append(asset.path)
        self.asset_count += 1
        clean = self.clean
        self.batch.assets.append(
            (
                asset.id,
                self.report_id,
                owner_type,
                owner_id,
                clean(asset.name)[:1024] or "attachment",
                clean(asset.tag),
                clean(asset.mime_type),
                asset.size,
                asset.sha256,
                clean(asset.location),
                self.now,
            )
        )

    def _flush(self) -> None:
        """Write containers seen so far (their results point at them), then the batch."""
        fresh = self.containers[self.inserted :]
        if fresh:
            clean = self.clean
            rows = [
                (
                    c.id,
                    self.report_id,
                    c.parent.id if c.parent else None,
                    clean(c.title) or "",
                    clean(c.classification),
                    c.position or 0,
                    c.history_hash,
                )
                for c in fresh
            ]
            insert_rows(self.connection, tables.container, _CONTAINER_COLUMNS, rows)
            self.inserted = len(self.containers)
        self.batch.flush(self.connection)

    def _finish_containers(self) -> None:
        """Counts, status and what a file said late (a suite's system-out) are final only now."""
        clean = self.clean
        rows = []
        for container in self.containers:
            status = container.status
            rows.append(
                {
                    "b_id": container.id,
                    "status": int(status) if status is not None else None,
                    "description": clean(container.description),
                    "duration": container.duration,
                    "properties": _jsonable(container.properties) or None,
                    "tags": container.tags or None,
                    **container.counts.as_dict(),
                }
            )
            for asset in container.assets:
                self._add_asset(asset, "container", container.id)
        if rows:
            table = tables.container
            values: dict[str, Any] = {name: bindparam(name) for name in rows[0] if name != "b_id"}
            self.connection.execute(update(table).where(table.c.id == bindparam("b_id")).values(**values), rows)


def merge_meta(into: ReportMeta, new: ReportMeta) -> None:
    """Fill `into`'s empty fields from `new`; properties, tags and assets accumulate."""
    for name in ("title", "description", "date", "build", "os", "platform", "duration"):
        if getattr(into, name) in (None, "") and getattr(new, name) not in (None, ""):
            setattr(into, name, getattr(new, name))
    if new.started_at and (into.started_at is None or new.started_at < into.started_at):
        into.started_at = new.started_at
    if new.finished_at and (into.finished_at is None or new.finished_at > into.finished_at):
        into.finished_at = new.finished_at
    for key, value in new.properties.items():
        into.properties.setdefault(key, value)
    into.tags.extend(t for t in new.tags if t not in into.tags)
    into.assets.extend(new.assets)


def finish_report(connection: Connection, written: WrittenReport, values: dict[str, Any]) -> None:
    """Store the report's final counts (and any header `values`) once its tree is written.

    A report whose file states no duration gets its wall time (finished - started) or else the sum of
    its results' durations, so every report has one for the profile's trend.
    """
    if values.get("duration") is None:
        values = {**values, "duration": _wall_time(values.get("started_at"), values.get("finished_at"))
                  or written.duration}
    connection.execute(
        update(tables.report).where(tables.report.c.id == written.id).values(**written.counts.as_dict(), **values)
    )


def _wall_time(started: Any, finished: Any) -> int | None:
    """finished - started in milliseconds; None when unknown, negative or not comparable."""
    try:
        wall = int((finished - started).total_seconds() * 1000) if started and finished else None
    except TypeError:  # a naive and an aware datetime
        return None
    return wall if wall is not None and wall >= 0 else None


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def _jsonable(value: Any) -> Any:
    return orjson.loads(_json(value)) if value else value


def _identity(value: Any) -> Any:
    return value


def _nul_free(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL; JSON files (and some logs) can.
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value
