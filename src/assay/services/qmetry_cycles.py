"""A QMetry import as Assay reports: the request a queued QMetry job runs, and the cycles it writes.

`qmetry_request(job, files)` turns a queued QMetry job into an ImportRequest: the format QMetry
named, no smart restructuring (the hierarchy decides the tree: normalize/qmetry_hierarchy.py) and
a CycleLayout, which writes, inside the import's one transaction,

- one new report whose id is the trackingId (hierarchies 1 and 3, every other framework);
- a report per top-level CYCLE container (JUnit/TestNG hierarchy 2, TestNG 3), the first with the
  trackingId as id, the others with ids derived from it;
- or, with testCycleToReuse, the results added to that report: its counts grow and a record of
  the import goes into its properties["qmetry"]["imports"] (the cycle's own fields are ignored, as
  QMetry ignores them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from assay.errors import InvalidInputError
from assay.model import Asset, Container, Counts, Event, ReportMeta, Result
from assay.normalize.qmetry_hierarchy import CYCLE, MAX_NAME, QMetryOptions, restructure
from assay.services.import_options import ImportOptions
from assay.services.imports import ImportRequest, LayoutTarget, UploadedFile
from assay.services.projects import issue_keys
from assay.services.qmetry_params import QMetryParams
from assay.services.runtime import Runtime
from assay.store import tables
from assay.store.writer import ReportWriter, finish_report

__all__ = ["CycleLayout", "qmetry_request"]

DEFAULT_SUMMARY = "Automated Test Cycle"  # QMetry's default test cycle summary


def qmetry_request(job: dict[str, Any], files: list[UploadedFile]) -> ImportRequest:
    """The ImportRequest of the queued QMetry job `job` (its row) over its kept `files`."""
    stored = dict(job["options"]["qmetry"])
    reuse_report_id = stored.pop("reuse_report_id", None)
    params = QMetryParams.from_dict(stored)
    fields = params.fields
    run = {"trackingId": job["id"], "environment": params.environment, "build": params.build}
    shape = QMetryOptions(
        framework=params.assay_format,
        hierarchy=params.automation_hierarchy,
        reuse=bool(params.test_cycle_to_reuse),
        append_test_name=params.append_test_name,
        match_test_steps=params.match_test_steps,
        use_feature_name=params.use_feature_name,
        use_feature_description=params.use_feature_description,
        attach_file=params.attach_file,
        test_case=fields.get("testCase", {}),
        execution=fields.get("testCaseExecution", {}),
        run={k: v for k, v in run.items() if v},
    )
    return ImportRequest(
        profile_id=params.profile_id or job["profile_id"],
        files=files,
        format=params.assay_format,
        options=ImportOptions(smart=False, build=params.build),
        api="qmetry",
        restructure=partial(restructure, options=shape),
        layout=CycleLayout(params, job["id"], reuse_report_id),
    )


@dataclass
class _Cycle:
    id: str
    key: str
    title: str | None  # a CYCLE container's title; None: the import's one cycle
    writer: ReportWriter
    counts: Counts = field(default_factory=Counts)


class CycleLayout:
    """Writes a QMetry import's events as test cycles (see the module docstring)."""

    def __init__(self, params: QMetryParams, tracking_id: str, reuse_report_id: str | None = None) -> None:
        self.params = params
        self.tracking_id = tracking_id
        self.reuse_report_id = reuse_report_id
        self.cycle_fields = params.fields.get("testCycle", {})

    def write(
        self, connection: Connection, runtime: Runtime, target: LayoutTarget, events: Iterator[Event]
    ) -> dict[str, Any]:
        """Write `events`; returns the first cycle's id, key and origin with the import's counts."""
        resolve = target.resolve_attachment if self.params.attach_file else None
        if self.reuse_report_id is not None:
            return self._reuse(connection, runtime, target, events, resolve)
        cycles: dict[int | None, _Cycle] = {}
        metas: list[ReportMeta] = []

        def cycle_of(container: Container | None) -> _Cycle:
            root = container
            while root is not None and root.parent is not None:
                root = root.parent
            split = root is not None and root.classification == CYCLE
            slot = id(root) if split else None
            found = cycles.get(slot)
            if found is None:
                found = cycles[slot] = self._open(
                    connection, runtime, target, root.title if split and root else None, len(cycles), resolve
                )
            return found

        for event in events:
            if isinstance(event, ReportMeta):
                metas.append(event)
            elif isinstance(event, Container):
                cycle_of(event).writer.add(event)
            elif isinstance(event, Result):
                cycle = cycle_of(event.container)
                cycle.writer.add(event)
                cycle.counts.add(event.status)
        if not cycles:
            cycle_of(None)
        total = Counts()
        for index, cycle in enumerate(cycles.values()):
            for meta in metas:  # the file's own attachments go to the first cycle only
                cycle.writer.add(meta if index == 0 else replace(meta, assets=[]))
            self._finish(connection, target, cycle, first=index == 0)
            total.merge(cycle.counts)
        self._check_not_empty(total)
        first = next(iter(cycles.values()))
        return {
            "id": first.id,
            "key": first.key,
            "origin": target.origin,
            **total.as_dict(),
            "cycles": [{"id": c.id, "key": c.key} for c in cycles.values()],
        }

    # -- new cycles ---------------------------------------------------------------------------------
    def _tags(self) -> list[str]:
        tags = list(self.cycle_fields.get("labels", []))
        if self.params.environment:
            tags.append(f"environment:{self.params.environment}")
        return tags

    def _open(
        self,
        connection: Connection,
        runtime: Runtime,
        target: LayoutTarget,
        title: str | None,
        index: int,
        resolve: Any,
    ) -> _Cycle:
        # The first cycle's id is the trackingId; the others derive from it, so a re-run makes the same ids.
        report_id = self.tracking_id if index == 0 else str(uuid.uuid5(uuid.UUID(self.tracking_id), f"cycle-{index}"))
        (key,) = issue_keys(connection, target.profile["project_id"])
        now = datetime.now(UTC)
        connection.execute(
            insert(tables.report).values(
                id=report_id,
                key=key,
                project_id=target.profile["project_id"],
                profile_id=target.profile["id"],
                import_id=self.tracking_id,
                import_status=0,
                date=now,
                origin=target.origin,
                build=self.params.build,
                tags=self._tags(),
                properties={},
                created_at=now,
                updated_at=now,
            )
        )
        return _Cycle(
            report_id, key, title, ReportWriter(connection, runtime.blobs, report_id, resolve_attachment=resolve)
        )

    def _finish(self, connection: Connection, target: LayoutTarget, cycle: _Cycle, *, first: bool) -> None:
        written = cycle.writer.finish()
        if first and self.params.attach_file and (unused := target.unused_attachments()):
            # zip members no result named belong to the cycle
            cycle.writer.add_report_assets([Asset(name=name, path=name) for name in unused])
        meta = written.meta
        params = self.params
        qmetry = {
            "trackingId": self.tracking_id,
            "format": params.format,
            "automationHierarchy": params.automation_hierarchy,
            "environment": params.environment,
            "build": params.build,
            "fields": params.fields,
            "options": {
                name: getattr(params, name)
                for name in (
                    "match_test_steps",
                    "append_test_name",
                    "use_feature_name",
                    "use_feature_description",
                    "attach_file",
                )
            },
            "imports": [self._import_record(cycle.counts)],
        }
        title = cycle.title or self.cycle_fields.get("summary") or meta.title or DEFAULT_SUMMARY
        finish_report(
            connection,
            written,
            {
                "origin": meta.properties.pop("origin", None) or target.origin,
                "date": meta.date or datetime.now(UTC),
                "title": title[:MAX_NAME],
                "description": self.cycle_fields.get("description") or meta.description,
                "started_at": meta.started_at,
                "finished_at": meta.finished_at,
                "duration": meta.duration,
                "properties": {**meta.properties, "qmetry": qmetry},
                "build": params.build or meta.build,
                "os": meta.os,
                "platform": meta.platform,
                "tags": self._tags() + [t for t in meta.tags if t not in self._tags()],
            },
        )
        target.log(f"test cycle {cycle.key} ({title[:80]}): {cycle.counts.total} test case(s)")
        for path in written.unresolved_attachments:
            target.log(f"attachment {path} is named by a result but was not uploaded", "warning")

    def _import_record(self, counts: Counts) -> dict[str, Any]:
        """What one import put into a cycle (the track answer reads it back)."""
        return {
            "trackingId": self.tracking_id,
            "at": datetime.now(UTC).isoformat(),
            "environment": self.params.environment,
            "build": self.params.build,
            **counts.as_dict(),
        }

    @staticmethod
    def _check_not_empty(total: Counts) -> None:
        if total.total == 0:
            raise InvalidInputError("the file holds no test case to import", code="empty_report")

    # -- a reused cycle -----------------------------------------------------------------------------
    def _reuse(
        self, connection: Connection, runtime: Runtime, target: LayoutTarget, events: Iterator[Event], resolve: Any
    ) -> dict[str, Any]:
        report_id = self.reuse_report_id
        assert report_id is not None
        row = connection.execute(
            select(tables.report.c.key, tables.report.c.properties, tables.report.c.build, tables.report.c.tags)
            .where(tables.report.c.id == report_id)
            .with_for_update()
        ).first()
        if row is None:
            raise InvalidInputError(
                f"the test cycle to reuse ({self.params.test_cycle_to_reuse}) was deleted", code="test_cycle_not_found"
            )
        # What the import adds goes after what the cycle holds.
        offset = 1 + max(
            connection.execute(
                select(func.coalesce(func.max(table.c.position), -1)).where(
                    table.c.report_id == report_id, parent.is_(None)
                )
            ).scalar_one()
            for table, parent in (
                (tables.container, tables.container.c.parent_id),
                (tables.result, tables.result.c.container_id),
            )
        )
        writer = ReportWriter(connection, runtime.blobs, report_id, resolve_attachment=resolve)
        counts = Counts()
        for event in events:
            if isinstance(event, Container) and event.parent is None:
                event.position = (event.position or 0) + offset
            elif isinstance(event, Result):
                counts.add(event.status)
                if event.container is None:
                    event.position = (event.position or 0) + offset
            writer.add(event)
        writer.finish()
        self._check_not_empty(counts)
        if self.params.attach_file and (unused := target.unused_attachments()):
            writer.add_report_assets([Asset(name=name, path=name) for name in unused])
        properties = dict(row.properties or {})
        qmetry = dict(properties.get("qmetry") or {})
        qmetry["imports"] = [*qmetry.get("imports", []), self._import_record(counts)]
        properties["qmetry"] = qmetry
        tags = list(row.tags or [])
        if self.params.environment and f"environment:{self.params.environment}" not in tags:
            tags.append(f"environment:{self.params.environment}")
        report = tables.report
        connection.execute(
            update(report)
            .where(report.c.id == report_id)
            .values(
                properties=properties,
                tags=tags,
                build=row.build or self.params.build,
                updated_at=datetime.now(UTC),
                **{
                    f"count_{n}": getattr(report.c, f"count_{n}") + getattr(counts, n)
                    for n in ("total", "passed", "failed", "broken", "skipped", "unknown")
                },
            )
        )
        target.log(f"{counts.total} test case(s) added to the reused test cycle {row.key}")
        return {
            "id": report_id,
            "key": row.key,
            "origin": target.origin,
            **counts.as_dict(),
            "cycles": [{"id": report_id, "key": row.key, "reused": True}],
        }
