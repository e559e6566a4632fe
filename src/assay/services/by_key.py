"""Things found by their Jira-style key: reports (test executions, DEMO-123), tests (DEMO-6), test plans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from assay.errors import InvalidInputError, NotFoundError
from assay.model import Status
from assay.services.catalog import key_kind
from assay.services.paging import Paged, check_page
from assay.store import tables
from assay.store.reader import as_utc

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}-\d{1,12}$")
_T = tables.test
_R = tables.report
_Res = tables.result


def resolve_key(connection: Connection, key: str) -> tuple[str, str]:
    """What `key` names: ("report", report id), ("test", key) or ("test_plan", key).

    Raises InvalidInputError for text that is not a key, NotFoundError for a key nothing has.
    """
    key = key.strip().upper()
    if not _KEY.match(key):
        raise InvalidInputError(f"{key!r} is not a key like DEMO-12", code="bad_key")
    kind = key_kind(connection, key)
    if kind == "report":
        return "report", connection.execute(select(_R.c.id).where(_R.c.key == key)).scalar_one()
    if kind is not None:
        return kind, key
    raise NotFoundError(f"nothing has the key {key}")


@dataclass(frozen=True)
class KeyedTest:
    id: int
    key: str
    project_id: int
    project_key: str
    title: str
    path: str | None
    type: str
    history_hash: str | None
    labels: list[str]
    definition: Any
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True)
class KeyedTestRun:
    result_id: str
    status: Status
    duration: int | None
    report_id: str
    report_key: str
    report_date: datetime
    profile_id: int
    profile_name: str
    build: str | None


def get_test(connection: Connection, key: str) -> KeyedTest:
    """A test by key (DEMO-6). Raises NotFoundError."""
    row = connection.execute(
        select(_T, tables.project.c.key.label("project_key"))
        .join(tables.project, tables.project.c.id == _T.c.project_id)
        .where(_T.c.key == key.strip().upper())
    ).first()
    if row is None:
        raise NotFoundError(f"no test {key}")
    return KeyedTest(
        id=row.id, key=row.key, project_id=row.project_id, project_key=row.project_key, title=row.title,
        path=row.path, type=row.type, history_hash=row.history_hash, labels=list(row.labels or []),
        definition=row.definition, first_seen=as_utc(row.first_seen), last_seen=as_utc(row.last_seen),
    )


def runs_of_test(connection: Connection, test: KeyedTest, page: int = 1, per_page: int = 50) -> Paged[KeyedTestRun]:
    """The test's results in its project's reports, newest report first: linked to the Test, or sharing
    its history_hash. Raises InvalidInputError for a bad page."""
    offset = check_page(page, per_page)
    same = [_Res.c.test_id == test.id]
    if test.history_hash:
        same.append(_Res.c.history_hash == test.history_hash)
    where = [or_(*same), _R.c.project_id == test.project_id]
    joined = _Res.join(_R, _R.c.id == _Res.c.report_id)
    total = connection.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
    rows = connection.execute(
        select(_Res.c.id, _Res.c.status, _Res.c.duration, _R.c.id.label("report_id"), _R.c.key.label("report_key"),
               _R.c.date, _R.c.profile_id, _R.c.build, tables.profile.c.name.label("profile_name"))
        .select_from(joined.join(tables.profile, tables.profile.c.id == _R.c.profile_id))
        .where(*where)
        .order_by(_R.c.date.desc(), _R.c.created_at.desc(), _Res.c.position)
        .limit(per_page)
        .offset(offset)
    ).all()
    items = [
        KeyedTestRun(result_id=row.id, status=Status(row.status), duration=row.duration, report_id=row.report_id,
                report_key=row.report_key, report_date=as_utc(row.date), profile_id=row.profile_id,  # type: ignore[arg-type]
                profile_name=row.profile_name, build=row.build)
        for row in rows
    ]
    return Paged(items=items, page=page, per_page=per_page, total=total, has_next=offset + len(items) < total)


def plan_reports(connection: Connection, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A test plan and its reports (newest first). Raises NotFoundError."""
    plan = connection.execute(select(tables.test_plan).where(tables.test_plan.c.key == key.strip().upper())).first()
    if plan is None:
        raise NotFoundError(f"no test plan {key}")
    link = tables.test_plan_report
    rows = connection.execute(
        select(_R.c.id, _R.c.key, _R.c.date, _R.c.count_total, _R.c.count_passed, _R.c.count_failed,
               _R.c.count_broken, _R.c.count_skipped, _R.c.count_unknown)
        .join(link, link.c.report_id == _R.c.id)
        .where(link.c.test_plan_id == plan.id)
        .order_by(_R.c.date.desc())
    )
    return dict(plan._mapping), [dict(row._mapping) for row in rows]


def result_test_key(connection: Connection, test_id: int | None) -> str | None:
    """The key of the Test a result is linked to, if any."""
    if test_id is None:
        return None
    return connection.execute(select(_T.c.key).where(_T.c.id == test_id)).scalar_one_or_none()


__all__ = ["KeyedTest", "KeyedTestRun", "get_test", "resolve_key", "result_test_key", "plan_reports", "runs_of_test"]
