"""One Xray Test Run as Xray Server answers it, its statuses, and evidence added to it.

A Test Run is the results of one Test in one report (`test_run` gives it its integer id). Statuses
answer in Xray's words: the status a file gave (kept as `xray_status`), else Assay's mapped (passed
PASS, failed and broken FAIL, anything else TODO). A Test that ran several times in one execution
aggregates as Xray does: all PASS -> PASS, any FAIL -> FAIL, otherwise TODO.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from assay.errors import InvalidInputError, NotFoundError
from assay.model import Asset, Result, Status, Step, new_id
from assay.services.api_keys import ApiKey
from assay.store import tables
from assay.store.blobs import BlobStore
from assay.store.reader import as_utc, read_result

AssetUrl = Callable[[str], str]  # asset id -> its download URL

_MAPPED = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.BROKEN: "FAIL"}
_PASS = frozenset({"PASS", "PASSED"})
_FAIL = frozenset({"FAIL", "FAILED"})

__all__ = ["AssetUrl", "add_run_evidence", "aggregate", "read_run", "xray_status"]


def xray_status(status: Status, json_data: dict[str, Any] | None = None) -> str:
    """A result's or step's status in Xray's words (see the module docstring)."""
    given = (json_data or {}).get("xray_status")
    if isinstance(given, str) and given.strip():
        return given.strip().upper()
    return _MAPPED.get(status, "TODO")


def aggregate(statuses: list[str]) -> str:
    """One Test Run's status from the statuses of its results."""
    if len(set(statuses)) == 1:
        return statuses[0]
    if statuses and all(s in _PASS for s in statuses):
        return "PASS"
    if any(s in _FAIL for s in statuses):
        return "FAIL"
    return "TODO"


def _run(connection: Connection, run_id: int, api_key: ApiKey) -> Any:
    row = connection.execute(
        select(
            tables.test_run.c.id,
            tables.test_run.c.test_id,
            tables.test.c.key.label("test_key"),
            tables.report.c.id.label("report_id"),
            tables.report.c.key.label("report_key"),
            tables.report.c.project_id,
            tables.report.c.properties,
            tables.report.c.started_at,
            tables.report.c.finished_at,
        )
        .join(tables.test, tables.test.c.id == tables.test_run.c.test_id)
        .join(tables.report, tables.report.c.id == tables.test_run.c.report_id)
        .where(tables.test_run.c.id == run_id)
    ).first()
    if row is None or not api_key.may_reach(row.project_id):
        raise NotFoundError(f"no Test Run has the id {run_id}")
    return row


def _results(connection: Connection, report_id: str, test_id: int) -> list[Result]:
    ids = (
        connection.execute(
            select(tables.result.c.id)
            .where(tables.result.c.report_id == report_id, tables.result.c.test_id == test_id)
            .order_by(tables.result.c.position)
        )
        .scalars()
        .all()
    )
    return [result for rid in ids if (result := read_result(connection, rid)) is not None]


def read_run(connection: Connection, run_id: int, api_key: ApiKey, asset_url: AssetUrl | None = None) -> dict[str, Any]:
    """`GET api/testrun/{id}`: the Test Run in Xray Server's shape. Raises NotFoundError."""
    run = _run(connection, run_id, api_key)
    results = _results(connection, run.report_id, run.test_id)
    properties = run.properties or {}
    created = _created(connection, results)
    evidence = [_evidence(a, created, properties.get("user"), asset_url) for r in results for a in r.assets]
    statuses = [xray_status(r.status, r.json_data) for r in results] or ["TODO"]
    comments = [c for r in results if (c := _comment(r))]
    started = _dates(results, "start") or [d for d in (as_utc(run.started_at),) if d is not None]
    finished = _dates(results, "finish") or [d for d in (as_utc(run.finished_at),) if d is not None]
    answer: dict[str, Any] = {
        "id": run.id,
        "status": aggregate(statuses),
        "testKey": run.test_key,
        "testExecKey": run.report_key,
        "executedBy": properties.get("user"),
        "startedOn": _iso(min(started)) if started else None,
        "finishedOn": _iso(max(finished)) if finished else None,
        "duration": sum(r.duration or 0 for r in results),
        "defects": [{"key": d} for r in results for d in _list(r.json_data.get("defects"))],
        "evidences": evidence,
        "comment": "\n".join(comments),
        "testEnvironments": list(properties.get("testEnvironments") or []),
        "steps": [],
        "iterations": [],
    }
    answer["startedOnIso"], answer["finishedOnIso"] = answer["startedOn"], answer["finishedOn"]
    for result in results:
        iterations = len(_list(result.json_data.get("iterations")))
        plain = result.steps[: len(result.steps) - iterations] if iterations else result.steps
        answer["steps"] += [
            _step(s, len(answer["steps"]) + i, created, properties.get("user"), asset_url) for i, s in enumerate(plain)
        ]
        for step, summary in zip(result.steps[len(plain) :], _list(result.json_data.get("iterations")), strict=False):
            answer["iterations"].append(
                {
                    "id": step.id,
                    "name": step.title,
                    "status": xray_status(step.status, step.data),
                    "parameters": summary.get("parameters", []) if isinstance(summary, dict) else [],
                    "log": (step.data or {}).get("log"),
                    "steps": [
                        _step(s, i, created, properties.get("user"), asset_url) for i, s in enumerate(step.steps)
                    ],
                }
            )
        for name in ("examples", "customFields", "testVersion"):
            if name in result.json_data and name not in answer:
                answer[name] = result.json_data[name]
    return answer


def _step(
    step: Step, index: int, created: dict[str, datetime], user: Any, asset_url: AssetUrl | None
) -> dict[str, Any]:
    data = step.data or {}
    comment = data.get("comment") or step.error or ""
    return {
        "id": step.id,
        "index": index + 1,
        "step": {"raw": step.title},
        "data": {"raw": str(data.get("data") or "")},
        "result": {"raw": str(data.get("expectedResult") or "")},
        "attachments": [],
        "status": xray_status(step.status, data),
        "comment": {"raw": comment},
        "actualResult": {"raw": str(data.get("actualResult") or "")},
        "defects": [{"key": d} for d in _list(data.get("defects"))],
        "evidences": [_evidence(a, created, user, asset_url) for a in step.assets],
    }


def _comment(result: Result) -> str | None:
    """A run's comment: Xray JSON's `comment` (kept as the description), JUnit's testrun_comment."""
    given = result.properties.get("testrun_comment")
    if isinstance(given, str) and given.strip():
        return given
    return result.description if "xray_status" in result.json_data else None


def _dates(results: list[Result], name: str) -> list[datetime]:
    found = []
    for result in results:
        value = result.json_data.get(name)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                continue
            found.append(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    return found


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _created(connection: Connection, results: list[Result]) -> dict[str, datetime]:
    ids = [a.id for r in results for a in r.assets] + [
        a.id for r in results for s in _all_steps(r.steps) for a in s.assets
    ]
    if not ids:
        return {}
    rows = connection.execute(select(tables.asset.c.id, tables.asset.c.created_at).where(tables.asset.c.id.in_(ids)))
    return {row.id: as_utc(row.created_at) for row in rows}  # type: ignore[misc]


def _all_steps(steps: list[Step]) -> Iterable[Step]:
    for step in steps:
        yield step
        yield from _all_steps(step.steps)


def _evidence(asset: Asset, created: dict[str, datetime], user: Any, asset_url: AssetUrl | None) -> dict[str, Any]:
    size = asset.size or 0
    when = created.get(asset.id)
    return {
        "id": asset.id,
        "fileName": asset.name,
        "fileSize": f"{size / 1024:.1f} kB",
        "numericalFileSize": size,
        "mimeType": asset.mime_type,
        "created": _iso(when) if when else None,
        "author": user,
        "fileURL": asset_url(asset.id) if asset_url and asset.location else None,
    }


def add_run_evidence(
    connection: Connection,
    blobs: BlobStore,
    run_id: int,
    api_key: ApiKey,
    name: str,
    data: bytes,
    mime_type: str | None,
    asset_url: AssetUrl | None = None,
) -> dict[str, Any]:
    """`POST api/testrun/{id}/attachment`: store a file as evidence of the run (on its first result).

    Returns the evidence as the run lists it. Raises NotFoundError, InvalidInputError for an empty file.
    """
    run = _run(connection, run_id, api_key)
    if not data:
        raise InvalidInputError("the attachment is empty", code="empty_attachment")
    owner = connection.execute(
        select(tables.result.c.id)
        .where(tables.result.c.report_id == run.report_id, tables.result.c.test_id == run.test_id)
        .order_by(tables.result.c.position)
    ).first()
    if owner is None:
        raise NotFoundError(f"the Test Run {run_id} has no result to attach to")
    sha256, size, location = blobs.put_bytes(data)
    asset = Asset(
        id=new_id(), name=name[:1024] or "attachment", mime_type=mime_type, sha256=sha256, size=size, location=location
    )
    now = datetime.now(UTC)
    connection.execute(
        insert(tables.asset).values(
            id=asset.id,
            report_id=run.report_id,
            owner_type="result",
            owner_id=owner.id,
            name=asset.name,
            mime_type=mime_type,
            size=size,
            sha256=sha256,
            location=location,
            created_at=now,
        )
    )
    return _evidence(asset, {asset.id: now}, (run.properties or {}).get("user"), asset_url)
