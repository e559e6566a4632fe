"""Read a stored report back as model objects: its header, and its tree as an event stream."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, select

from assay.model import Asset, Container, Counts, Report, Result, Status, Step
from assay.store import tables


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; Assay stores UTC, so say so."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def counts_of(row: Row[Any] | Any) -> Counts:
    return Counts(
        total=row.count_total,
        passed=row.count_passed,
        failed=row.count_failed,
        broken=row.count_broken,
        skipped=row.count_skipped,
        unknown=row.count_unknown,
    )


def asset_from_row(row: Any) -> Asset:
    return Asset(
        id=row.id,
        name=row.name,
        tag=row.tag,
        mime_type=row.mime_type,
        size=row.size,
        sha256=row.sha256,
        location=row.location,
    )


def report_from_row(row: Any, assets: list[Asset] | None = None) -> Report:
    return Report(
        id=row.id,
        key=row.key,
        profile_id=row.profile_id,
        import_id=row.import_id,
        import_status=row.import_status,
        date=as_utc(row.date),
        origin=row.origin,
        title=row.title,
        description=row.description,
        build=row.build,
        os=row.os,
        platform=row.platform,
        tags=list(row.tags or []),
        properties=dict(row.properties or {}),
        started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        counts=counts_of(row),
        assets=assets or [],
    )


def read_report(connection: Connection, report_id: str) -> Report | None:
    row = connection.execute(select(tables.report).where(tables.report.c.id == report_id)).first()
    if row is None:
        return None
    return report_from_row(row, _assets(connection, "report", [report_id]).get(report_id, []))


def _assets(connection: Connection, owner_type: str, owner_ids: list[str]) -> dict[str, list[Asset]]:
    found: dict[str, list[Asset]] = defaultdict(list)
    for start in range(0, len(owner_ids), 500):
        chunk = owner_ids[start : start + 500]
        rows = connection.execute(
            select(tables.asset)
            .where(tables.asset.c.owner_type == owner_type, tables.asset.c.owner_id.in_(chunk))
            .order_by(tables.asset.c.name)
        )
        for row in rows:
            found[row.owner_id].append(asset_from_row(row))
    return found


def read_containers(connection: Connection, report_id: str) -> list[Container]:
    """All containers of a report with parent links, counts and assets, in tree order."""
    rows = connection.execute(
        select(tables.container).where(tables.container.c.report_id == report_id).order_by(tables.container.c.position)
    ).all()
    by_id: dict[str, Container] = {}
    children: dict[str | None, list[Container]] = defaultdict(list)
    for row in rows:
        container = Container(
            id=row.id,
            title=row.title,
            classification=row.classification,
            position=row.position,
            description=row.description,
            duration=row.duration,
            properties=dict(row.properties or {}),
            tags=list(row.tags or []),
            history_hash=row.history_hash,
            counts=counts_of(row),
        )
        by_id[row.id] = container
    for row in rows:
        container = by_id[row.id]
        container.parent = by_id.get(row.parent_id) if row.parent_id else None
        children[row.parent_id].append(container)
    assets = _assets(connection, "container", list(by_id))
    for container_id, found in assets.items():
        by_id[container_id].assets = found
    ordered: list[Container] = []

    def walk(parent_id: str | None) -> None:
        for child in children.get(parent_id, []):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


def _result_from_row(row: Any, container: Container | None) -> Result:
    result = Result(
        id=row.id,
        title=row.title,
        status=Status(row.status),
        container=container,
        duration=row.duration,
        description=row.description,
        exception_name=row.exception_name,
        exception_description=row.exception_description,
        exception_backtrace=row.exception_backtrace,
        position=row.position,
        history_hash=row.history_hash,
        test_id=row.test_id,
    )
    if row.json_data:
        result.apply_extras(orjson.loads(row.json_data))
    return result


def _steps_for(connection: Connection, result_ids: list[str]) -> dict[str, list[Step]]:
    """Steps of these results, nested as they were written."""
    found: dict[str, list[Step]] = defaultdict(list)
    for start in range(0, len(result_ids), 500):
        chunk = result_ids[start : start + 500]
        rows = connection.execute(
            select(tables.step).where(tables.step.c.result_id.in_(chunk)).order_by(tables.step.c.position)
        ).all()
        if not rows:
            continue
        steps: dict[str, Step] = {}
        for row in rows:
            steps[row.id] = Step(
                id=row.id,
                title=row.title,
                status=Status(row.status),
                keyword=row.keyword,
                duration=row.duration,
                error=row.error,
                data=orjson.loads(row.data) if row.data else None,
            )
        for step_id, step_assets in _assets(connection, "step", list(steps)).items():
            steps[step_id].assets = step_assets
        for row in rows:
            if row.parent_id and row.parent_id in steps:
                steps[row.parent_id].steps.append(steps[row.id])
            else:
                found[row.result_id].append(steps[row.id])
    return found


def results_in(connection: Connection, report_id: str, container: Container | None) -> list[Result]:
    """The results directly inside `container` (None: at the report's top), with steps and assets."""
    column = tables.result.c.container_id
    rows = connection.execute(
        select(tables.result)
        .where(
            tables.result.c.report_id == report_id, column.is_(None) if container is None else column == container.id
        )
        .order_by(tables.result.c.position)
    ).all()
    results = [_result_from_row(row, container) for row in rows]
    if results:
        ids = [r.id for r in results]
        steps = _steps_for(connection, ids)
        assets = _assets(connection, "result", ids)
        for result in results:
            result.steps = steps.get(result.id, [])
            result.assets = assets.get(result.id, [])
    return results


def iter_tree(connection: Connection, report_id: str) -> Iterator[Container | Result]:
    """The report's tree in order: each container, then its results, then its child containers."""
    yield from results_in(connection, report_id, None)
    containers = read_containers(connection, report_id)
    for container in containers:
        yield container
        yield from results_in(connection, report_id, container)


def read_result(connection: Connection, result_id: str) -> Result | None:
    """One result (its `container` left unset) with its steps and assets; None if there is none."""
    row = connection.execute(select(tables.result).where(tables.result.c.id == result_id)).first()
    if row is None:
        return None
    result = _result_from_row(row, None)
    result.steps = _steps_for(connection, [result.id]).get(result.id, [])
    result.assets = _assets(connection, "result", [result.id]).get(result.id, [])
    return result
