"""What Xray clients read back: the Tests of an execution, a Test Run's id, Tests by key, an issue.

Test Runs themselves (their shape, statuses, evidence) are services.xray_runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, or_, select

from assay.errors import NotFoundError
from assay.model import Status
from assay.services.api_keys import ApiKey
from assay.services.xray_runs import AssetUrl, aggregate, read_run, xray_status
from assay.store import tables

__all__ = ["execution_tests", "find_run", "read_issue", "tests_by_keys"]


def _report(connection: Connection, key: str, key_of: ApiKey) -> Any:
    row = connection.execute(select(tables.report).where(tables.report.c.key == key.strip().upper())).first()
    if row is None or not key_of.may_reach(row.project_id):
        raise NotFoundError(f"no Test Execution has the key {key}")
    return row


def _statuses(connection: Connection, report_id: str, test_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """Each Test's result statuses (in Xray's words) in one report."""
    query = (
        select(tables.result.c.test_id, tables.result.c.status, tables.result.c.json_data)
        .where(tables.result.c.report_id == report_id, tables.result.c.test_id.is_not(None))
        .order_by(tables.result.c.position)
    )
    if test_ids is not None:
        query = query.where(tables.result.c.test_id.in_(list(test_ids)))
    found: dict[int, list[str]] = defaultdict(list)
    for row in connection.execute(query):
        data = orjson.loads(row.json_data) if row.json_data and "xray_status" in row.json_data else None
        found[row.test_id].append(xray_status(Status(row.status), data))
    return found


def execution_tests(
    connection: Connection,
    key: str,
    api_key: ApiKey,
    *,
    detailed: bool = False,
    page: int | None = None,
    limit: int | None = None,
    asset_url: AssetUrl | None = None,
) -> list[dict[str, Any]]:
    """`GET api/testexec/{key}/test`: the execution's Tests with their run's id and status, in run order.

    With `page` (from 1), one page of `limit` (default 100); a page past the end is empty, which
    is how paging clients stop. Raises NotFoundError.
    """
    report = _report(connection, key, api_key)
    runs = connection.execute(
        select(tables.test_run.c.id, tables.test_run.c.test_id, tables.test.c.key)
        .join(tables.test, tables.test.c.id == tables.test_run.c.test_id)
        .where(tables.test_run.c.report_id == report.id)
        .order_by(tables.test_run.c.id)
    ).all()
    if page is not None:
        size = limit if limit and limit > 0 else 100
        runs = runs[(max(page, 1) - 1) * size : max(page, 1) * size]
    statuses = _statuses(connection, report.id)
    tests = []
    for rank, run in enumerate(runs, start=1):
        entry: dict[str, Any] = {
            "id": run.id,
            "key": run.key,
            "rank": rank,
            "status": aggregate(statuses.get(run.test_id) or ["TODO"]),
        }
        if detailed:
            full = read_run(connection, run.id, api_key, asset_url)
            entry.update(
                {
                    k: full[k]
                    for k in ("startedOn", "finishedOn", "executedBy", "defects", "evidences")
                    if full.get(k) is not None
                }
            )
        tests.append(entry)
    return tests


def find_run(connection: Connection, execution_key: str, test_key: str, api_key: ApiKey) -> int:
    """The id of the Test Run of `test_key` in the execution `execution_key`. Raises NotFoundError."""
    report = _report(connection, execution_key, api_key)
    row = connection.execute(
        select(tables.test_run.c.id)
        .join(tables.test, tables.test.c.id == tables.test_run.c.test_id)
        .where(tables.test_run.c.report_id == report.id, tables.test.c.key == test_key.strip().upper())
    ).first()
    if row is None:
        raise NotFoundError(f"the Test Execution {report.key} has no Test Run of {test_key}")
    return int(row.id)


def _latest_status(connection: Connection, test_id: int) -> str | None:
    """The status of the Test's run in its most recent execution; None if it never ran."""
    row = connection.execute(
        select(tables.test_run.c.report_id)
        .join(tables.report, tables.report.c.id == tables.test_run.c.report_id)
        .where(tables.test_run.c.test_id == test_id)
        .order_by(tables.report.c.date.desc(), tables.report.c.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    statuses = _statuses(connection, row.report_id, [test_id]).get(test_id)
    return aggregate(statuses) if statuses else None


def tests_by_keys(
    connection: Connection, keys: list[str], api_key: ApiKey, self_url: Callable[[str], str]
) -> list[dict[str, Any]]:
    """`GET api/test?keys=A;B`: the Tests found (unknown keys are left out), in the order asked."""
    wanted = [k.strip().upper() for k in keys if k.strip()]
    rows = {
        row.key: row
        for row in connection.execute(select(tables.test).where(tables.test.c.key.in_(wanted)))
        if api_key.may_reach(row.project_id)
    }
    answer = []
    for key in dict.fromkeys(wanted):
        row = rows.get(key)
        if row is None:
            continue
        definition = row.definition or {}
        steps = [
            {
                "id": i + 1,
                "index": i + 1,
                "step": {"raw": str(s.get("action") or "")},
                "data": {"raw": str(s.get("data") or "")},
                "result": {"raw": str(s.get("result") or "")},
                "attachments": [],
            }
            for i, s in enumerate(_list(definition.get("steps")))
            if isinstance(s, dict)
        ]
        answer.append(
            {
                "id": str(row.id),
                "key": row.key,
                "self": self_url(str(row.id)),
                "summary": row.title,
                "type": row.type,
                "status": _latest_status(connection, row.id) or "TODO",
                "labels": list(row.labels or []),
                "definition": definition.get("definition"),
                "description": definition.get("description"),
                "requirementKeys": _list(definition.get("requirements")),
                "precondition": [],
                "steps": steps,
            }
        )
    return answer


def read_issue(
    connection: Connection, key_or_id: str, api_key: ApiKey, self_url: Callable[[str], str]
) -> dict[str, Any]:
    """`GET /rest/api/2/issue/{key}`: a Test Execution, Test or Test Plan as a Jira issue. Raises NotFoundError."""
    value = key_or_id.strip()
    upper = value.upper()
    project = tables.project
    report = connection.execute(
        select(
            tables.report.c.id,
            tables.report.c.key,
            tables.report.c.title,
            tables.report.c.description,
            tables.report.c.tags,
            tables.report.c.project_id,
        ).where(or_(tables.report.c.key == upper, tables.report.c.id == value))
    ).first()
    found: tuple[Any, str, str | None, str | None, list[str]] | None = None
    if report is not None:
        found = (report, "Test Execution", report.title, report.description, list(report.tags or []))
    else:
        test_query = select(tables.test).where(tables.test.c.key == upper)
        if value.isdigit():
            test_query = select(tables.test).where(or_(tables.test.c.key == upper, tables.test.c.id == int(value)))
        test = connection.execute(test_query).first()
        if test is not None:
            found = (test, "Test", test.title, (test.definition or {}).get("description"), list(test.labels or []))
        else:
            plan = connection.execute(select(tables.test_plan).where(tables.test_plan.c.key == upper)).first()
            if plan is not None:
                found = (plan, "Test Plan", plan.summary or plan.key, None, [])
    if found is None or not api_key.may_reach(found[0].project_id):
        raise NotFoundError("Issue Does Not Exist")
    row, kind, summary, description, labels = found
    owner = connection.execute(select(project).where(project.c.id == row.project_id)).one()
    return {
        "id": str(row.id),
        "key": row.key,
        "self": self_url(str(row.id)),
        "fields": {
            "summary": summary or row.key,
            "description": description,
            "labels": labels,
            "issuetype": {"name": kind, "subtask": False},
            "status": {"name": "Open"},
            "project": {"id": str(owner.id), "key": owner.key, "name": owner.name},
        },
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
