"""How an Xray import is written: a ReportLayout for run_import (inside its one write transaction).

A new Test Execution is a new report with a new key; a `testExecKey`/`testExecutionKey` adds the
results to that report instead (services.report_merge), a Test that ran again replacing its earlier
run. Every result is linked to its Test (services._xray_tests), every Test of the import gets its
Test Run row, the execution's fields (info) land on the report, and a `testPlanKey` links the
report and its Tests to the plan, created on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from assay.errors import InvalidInputError
from assay.model import Asset, Event, ReportMeta
from assay.services._xray_info import ExecutionInfo, from_meta
from assay.services._xray_tests import TestLinker
from assay.services.catalog import get_or_create_plan, key_kind, link_plan, touch_tests
from assay.services.imports import LayoutTarget
from assay.services.projects import issue_keys
from assay.services.report_merge import ReportMerger
from assay.services.runtime import Runtime
from assay.store import tables
from assay.store.writer import ReportWriter, WrittenReport, finish_report, merge_meta

_KINDS = {"test": "a Test", "test_plan": "a Test Plan"}


class XrayLayout:
    """One Xray import's writing; after run_import, `tests` and `created` say what it linked and made."""

    def __init__(
        self,
        fmt: str,
        project_id: int,
        info: ExecutionInfo,
        may_reach: Callable[[int], bool],
        new_test_fields: dict[str, Any] | None = None,
    ) -> None:
        self.fmt = fmt
        self.project_id = project_id
        self.info = info  # from the query and the info part; Xray JSON's own info joins it on the way
        self.may_reach = may_reach
        self.new_test_fields = new_test_fields
        self.tests: list[dict[str, Any]] = []
        self.created: list[str] = []
        self.meta = ReportMeta()

    def write(
        self, connection: Connection, runtime: Runtime, target: LayoutTarget, events: Iterator[Event]
    ) -> dict[str, Any]:
        """Write the execution; returns its report's id, key, origin and counts. Raises InvalidInputError."""
        # The project row's lock (PostgreSQL) serializes imports that may create the same Tests.
        connection.execute(
            select(tables.project.c.id).where(tables.project.c.id == self.project_id).with_for_update()
        ).first()
        existing = self._existing(connection, self.info.execution_key)
        now = datetime.now(UTC)
        if existing is None:
            report_id = target.import_id
            (key,) = issue_keys(connection, target.profile["project_id"])
            connection.execute(
                insert(tables.report).values(
                    id=report_id,
                    key=key,
                    project_id=target.profile["project_id"],
                    profile_id=target.profile["id"],
                    import_id=target.import_id,
                    import_status=0,
                    date=now,
                    origin=target.origin,
                    tags=[],
                    properties={},
                    created_at=now,
                    updated_at=now,
                )
            )
            merger = None
        else:
            report_id, key = existing["id"], existing["key"]
            merger = ReportMerger(connection, report_id)
        linker = TestLinker(connection, self.fmt, self.project_id, self.may_reach, self.new_test_fields)
        stream: Iterable[Event] = linker.link(self._watch(events))
        if merger is not None:
            stream = merger.events(stream)
        writer = ReportWriter(connection, runtime.blobs, report_id, resolve_attachment=target.resolve_attachment)
        written = writer.write(stream)
        if leftovers := [Asset(name=name, path=name) for name in target.unused_attachments()]:
            writer.add_report_assets(leftovers)
        if written.counts.total == 0:
            raise InvalidInputError("no execution results were provided: the file holds no tests", code="empty_report")
        self.tests = list(linker.linked.values())
        self.created = linker.created
        if merger is None:
            self._finish_new(connection, written, target, now)
            counts = written.counts
        else:
            counts = merger.finish(connection, linker.linked)
        self._apply_info(connection, report_id, existing)
        self._link(connection, report_id, now)
        target.log(
            f"Xray: {len(self.tests)} test(s) linked, {len(self.created)} created"
            + (f"; added to {key}" if existing is not None else "")
        )
        return {"id": report_id, "key": key, "origin": target.origin, **counts.as_dict()}

    def _watch(self, events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            if isinstance(event, ReportMeta):
                merge_meta(self.meta, event)
            yield event

    def _existing(self, connection: Connection, key: str | None) -> dict[str, Any] | None:
        """The report a testExecKey names, locked. Raises InvalidInputError when there is none."""
        if key is None:
            return None
        row = connection.execute(
            select(tables.report.c.id, tables.report.c.key, tables.report.c.project_id, tables.report.c.properties)
            .where(tables.report.c.key == key.upper())
            .with_for_update()
        ).first()
        if row is None or not self.may_reach(row.project_id):
            name = "testExecutionKey" if self.fmt == "xray" else "testExecKey"
            kind = key_kind(connection, key.upper())
            if kind in _KINDS:
                raise InvalidInputError(
                    f"{name} {key} is {_KINDS[kind]}, not a Test Execution", code="unknown_test_execution"
                )
            raise InvalidInputError(f"{name} {key}: no Test Execution has this key", code="unknown_test_execution")
        return dict(row._mapping)

    def _finish_new(self, connection: Connection, written: WrittenReport, target: LayoutTarget, now: datetime) -> None:
        meta = written.meta
        origin = meta.properties.pop("origin", None) or target.origin
        finish_report(
            connection,
            written,
            {
                "origin": origin,
                "date": meta.date or now,
                "description": meta.description,
                # Xray names an execution nobody named after when it was imported.
                "title": meta.title or f"Execution results {now:%Y-%m-%d %H:%M:%S} UTC",
                "started_at": meta.started_at,
                "finished_at": meta.finished_at,
                "duration": meta.duration,
                "properties": meta.properties,
                "build": meta.build,
                "os": meta.os,
                "platform": meta.platform,
                "tags": meta.tags,
            },
        )

    def _apply_info(self, connection: Connection, report_id: str, existing: dict[str, Any] | None) -> None:
        """The execution's fields onto the report: query and info part over Xray JSON's own info."""
        info = ExecutionInfo()
        if self.fmt == "xray":
            info.merge(from_meta(self.meta))
        info.merge(self.info)
        info.execution_key = None
        self.info = info
        row = connection.execute(
            select(tables.report.c.properties, tables.report.c.tags).where(tables.report.c.id == report_id)
        ).one()
        values: dict[str, Any] = {
            "properties": {**(row.properties or {}), **info.properties()},
            "tags": list(dict.fromkeys([*(row.tags or []), *info.labels])),
        }
        for column, value in (
            ("title", info.summary),
            ("description", info.description),
            ("started_at", info.started_at),
            ("finished_at", info.finished_at),
        ):
            if isinstance(value, datetime):
                # SQLite keeps a datetime's wall time and drops its offset: store UTC, as everywhere.
                value = value.astimezone(UTC)
            if value is not None:
                values[column] = value
        if existing is not None:
            values["updated_at"] = datetime.now(UTC)
        connection.execute(update(tables.report).where(tables.report.c.id == report_id).values(**values))

    def _link(self, connection: Connection, report_id: str, now: datetime) -> None:
        """Test Runs for the Tests (ids stay across re-imports), last seen, and the test plan."""
        test_ids = [test["id"] for test in self.tests]
        run = tables.test_run
        have = {row.test_id for row in connection.execute(select(run.c.test_id).where(run.c.report_id == report_id))}
        missing = [t for t in test_ids if t not in have]
        if missing:
            connection.execute(insert(run), [{"report_id": report_id, "test_id": t} for t in missing])
        touch_tests(connection, test_ids, now)
        if self.info.test_plan_key:
            plan = get_or_create_plan(connection, self.info.test_plan_key)
            link_plan(connection, plan["id"], report_id, test_ids)


__all__ = ["XrayLayout"]
