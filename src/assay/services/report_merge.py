"""Add an import's results to a report that already exists, inside the import's transaction.

The Xray API does this when a request names a Test Execution (`testExecKey`): the new results join
the stored tree, a container of the same path (parent, title, classification) is reused rather
than repeated, and a Test that ran again has its earlier results in the report replaced (Xray
keeps one Test Run per Test and execution). Counts and statuses of every container and of the
report are then recomputed from the rows, since they are cached there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update

from assay.model import Container, Counts, Event, Result, Status
from assay.store import tables
from assay.store.reader import read_containers

__all__ = ["ReportMerger", "delete_results", "recount_report"]

_CHUNK = 500


class ReportMerger:
    """Places a normalized event stream into the stored tree of `report_id` (see the module docstring)."""

    def __init__(self, connection: Connection, report_id: str) -> None:
        self.report_id = report_id
        stored = read_containers(connection, report_id)
        self.by_path = {_path_key(c.parent, c): c for c in stored}
        self.alias: dict[int, Container] = {}  # id() of a new container -> the stored one standing for it
        # New rows go after what a container already holds: position offsets per parent.
        self.next_position: dict[str | None, int] = defaultdict(int)
        for container in stored:
            parent = container.parent.id if container.parent else None
            self.next_position[parent] = max(self.next_position[parent], (container.position or 0) + 1)
        column = tables.result.c.container_id
        for row in connection.execute(
            select(column, func.max(tables.result.c.position))
            .where(tables.result.c.report_id == report_id)
            .group_by(column)
        ):
            self.next_position[row[0]] = max(self.next_position[row[0]], (row[1] or 0) + 1)
        self.offsets: dict[str | None, int] = {}
        # Earlier runs of each Test in this report: test id -> result ids (replaced if it runs again).
        self.earlier: dict[int, list[str]] = defaultdict(list)
        for row in connection.execute(
            select(tables.result.c.id, tables.result.c.test_id).where(
                tables.result.c.report_id == report_id, tables.result.c.test_id.is_not(None)
            )
        ):
            self.earlier[row.test_id].append(row.id)

    def events(self, events: Iterable[Event]) -> Iterator[Event]:
        """The stream, with containers the report already has replaced by the stored ones."""
        for event in events:
            if isinstance(event, Container):
                if event.parent is not None:
                    event.parent = self.alias.get(id(event.parent), event.parent)
                stored = self.by_path.get(_path_key(event.parent, event))
                if stored is not None:
                    self.alias[id(event)] = stored
                    continue
                event.position = self._place(event.parent, event.position)
            elif isinstance(event, Result):
                if event.container is not None:
                    event.container = self.alias.get(id(event.container), event.container)
                event.position = self._place(event.container, event.position)
            yield event

    def _place(self, parent: Container | None, position: int | None) -> int:
        key = parent.id if parent is not None else None
        if key not in self.offsets:
            self.offsets[key] = self.next_position.get(key, 0)
        return self.offsets[key] + (position or 0)

    def finish(self, connection: Connection, rerun_test_ids: Iterable[int]) -> Counts:
        """Drop the earlier runs of Tests that ran again, then recount; returns the report's counts."""
        replaced = [rid for test_id in set(rerun_test_ids) for rid in self.earlier.get(test_id, [])]
        emptied = delete_results(connection, replaced)
        return recount_report(connection, self.report_id, prune=emptied)


def _path_key(parent: Container | None, container: Container) -> tuple[str | None, str, str | None]:
    return (parent.id if parent is not None else None, container.title, container.classification)


def delete_results(connection: Connection, result_ids: list[str]) -> set[str]:
    """Delete results with their steps and assets; returns the ids of the containers they were in."""
    containers: set[str] = set()
    for start in range(0, len(result_ids), _CHUNK):
        chunk = result_ids[start : start + _CHUNK]
        containers.update(
            row.container_id
            for row in connection.execute(select(tables.result.c.container_id).where(tables.result.c.id.in_(chunk)))
            if row.container_id
        )
        step_ids = [
            row.id for row in connection.execute(select(tables.step.c.id).where(tables.step.c.result_id.in_(chunk)))
        ]
        for owners in (chunk, *(step_ids[i : i + _CHUNK] for i in range(0, len(step_ids), _CHUNK))):
            connection.execute(delete(tables.asset).where(tables.asset.c.owner_id.in_(owners)))
        connection.execute(delete(tables.step).where(tables.step.c.result_id.in_(chunk)))
        connection.execute(delete(tables.result).where(tables.result.c.id.in_(chunk)))
    return containers


def recount_report(connection: Connection, report_id: str, prune: set[str] | None = None) -> Counts:
    """Recompute the cached counts and statuses of a report and its containers from its results.

    Containers in `prune` (and their ancestors) that hold nothing any more are deleted. Returns the
    report's counts.
    """
    parents: dict[str, str | None] = {
        row.id: row.parent_id
        for row in connection.execute(
            select(tables.container.c.id, tables.container.c.parent_id).where(tables.container.c.report_id == report_id)
        )
    }
    counts: dict[str, Counts] = {cid: Counts() for cid in parents}
    total = Counts()
    for row in connection.execute(
        select(tables.result.c.container_id, tables.result.c.status, func.count())
        .where(tables.result.c.report_id == report_id)
        .group_by(tables.result.c.container_id, tables.result.c.status)
    ):
        status, n = Status(row[1]), int(row[2])
        total.add(status, n)
        node = row[0]
        while node is not None and node in counts:
            counts[node].add(status, n)
            node = parents[node]
    doomed = _empty_branches(prune or set(), parents, counts)
    if doomed:
        ordered = sorted(doomed, key=lambda cid: -_depth(cid, parents))  # children before parents
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            connection.execute(delete(tables.asset).where(tables.asset.c.owner_id.in_(chunk)))
            connection.execute(delete(tables.container).where(tables.container.c.id.in_(chunk)))
    rows: list[dict[str, Any]] = []
    for cid, c in counts.items():
        if cid not in doomed:
            worst = c.status()
            rows.append({"b_id": cid, "status": int(worst) if worst is not None else None, **c.as_dict()})
    if rows:
        table = tables.container
        values: dict[str, Any] = {name: bindparam(name) for name in rows[0] if name != "b_id"}
        connection.execute(update(table).where(table.c.id == bindparam("b_id")).values(**values), rows)
    connection.execute(
        update(tables.report)
        .where(tables.report.c.id == report_id)
        .values(**total.as_dict(), updated_at=datetime.now(UTC))
    )
    return total


def _empty_branches(start: set[str], parents: dict[str, str | None], counts: dict[str, Counts]) -> set[str]:
    """Containers from `start` upwards that hold no result and no container that stays."""
    children: dict[str, set[str]] = defaultdict(set)
    for cid, parent in parents.items():
        if parent is not None:
            children[parent].add(cid)
    doomed: set[str] = set()
    pending = [cid for cid in start if cid in parents]
    while pending:
        cid = pending.pop()
        if cid in doomed or counts[cid].total or children[cid] - doomed:
            continue
        doomed.add(cid)
        if (parent := parents[cid]) is not None:
            pending.append(parent)
    return doomed


def _depth(cid: str, parents: dict[str, str | None]) -> int:
    depth = 0
    while (cid := parents.get(cid)) is not None:  # type: ignore[assignment]
        depth += 1
    return depth
