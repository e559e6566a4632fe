"""A report's tree one level at a time, searched and filtered on the server, for the report page.

Nothing here reads a whole report: a level is a page of containers then results under one parent
(served by ix_container_report_parent and ix_result_report_container), so a report of 100,000
results costs no more per page than one of a hundred.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, and_, func, select

from assay.errors import NotFoundError
from assay.model import Counts, Result, Status
from assay.services.paging import Paged, check_page, like_pattern
from assay.store import tables
from assay.store.reader import counts_of, read_result

_C = tables.container
_Res = tables.result
# What a row of the tree shows of a result: no description, steps or json beyond its flags.
_RESULT_COLUMNS = (
    _Res.c.id, _Res.c.container_id, _Res.c.title, _Res.c.status, _Res.c.duration, _Res.c.exception_name,
    _Res.c.exception_description, _Res.c.exception_backtrace, _Res.c.history_hash, _Res.c.test_id,
    _Res.c.json_data, _Res.c.position,
)


@dataclass(frozen=True)
class ContainerNode:
    id: str
    title: str
    classification: str | None
    status: Status | None
    counts: Counts
    parent_id: str | None = None


@dataclass(frozen=True)
class ResultNode:
    id: str
    container_id: str | None
    title: str
    status: Status
    duration: int | None
    exception_name: str | None
    exception_description: str | None
    exception_backtrace: str | None
    history_hash: str | None
    test_id: int | None
    flaky: bool = False  # passed on a retry, as the file says (Surefire flakyFailure, pytest-rerunfailures)
    path: list[ContainerNode] = field(default_factory=list)  # filled by searches: where the result lives


def _container(row: Any) -> ContainerNode:
    return ContainerNode(
        id=row.id, title=row.title, classification=row.classification,
        status=Status(row.status) if row.status is not None else None, counts=counts_of(row), parent_id=row.parent_id,
    )


def passed_on_retry(status: Status | int, json_data: str | None) -> bool:
    """Whether the file says the test passed on a retry: a flaky flag, or failed attempts before a pass."""
    if not json_data or ('"flaky"' not in json_data and '"attempts"' not in json_data):
        return False
    data = orjson.loads(json_data)
    if data.get("flaky"):
        return True
    return Status(status) is Status.PASSED and any(
        str(a.get("status", "")).lower() in ("failed", "broken", "error", "failure") for a in data.get("attempts") or []
        if isinstance(a, dict)
    )


def result_node(row: Any) -> ResultNode:
    flaky = passed_on_retry(row.status, row.json_data)
    return ResultNode(
        id=row.id, container_id=row.container_id, title=row.title, status=Status(row.status), duration=row.duration,
        exception_name=row.exception_name, exception_description=row.exception_description,
        exception_backtrace=row.exception_backtrace, history_hash=row.history_hash, test_id=row.test_id, flaky=flaky,
    )


@dataclass(frozen=True)
class Level:
    """One page of the children of `parent` (None: the report's top level): containers first."""

    parent: ContainerNode | None
    containers: list[ContainerNode]
    results: list[ResultNode]
    page: int
    per_page: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.page * self.per_page)


def get_container(connection: Connection, report_id: str, container_id: str) -> ContainerNode:
    """A container of this report. Raises NotFoundError (also for another report's container)."""
    row = connection.execute(select(_C).where(_C.c.id == container_id, _C.c.report_id == report_id)).first()
    if row is None:
        raise NotFoundError(f"no container {container_id} in this report")
    return _container(row)


def tree_level(
    connection: Connection,
    report_id: str,
    parent_id: str | None = None,
    status: Status | None = None,
    page: int = 1,
    per_page: int = 100,
) -> Level:
    """Page `page` of what `parent_id` holds, keeping only `status` (containers that hold any of it).

    Raises NotFoundError for a container not in the report, InvalidInputError for a bad page.
    """
    offset = check_page(page, per_page)
    parent = get_container(connection, report_id, parent_id) if parent_id else None
    c_where: list[Any] = [_C.c.report_id == report_id,
                          _C.c.parent_id.is_(None) if parent_id is None else _C.c.parent_id == parent_id]
    r_where: list[Any] = [_Res.c.report_id == report_id,
                          _Res.c.container_id.is_(None) if parent_id is None else _Res.c.container_id == parent_id]
    if status is not None:
        c_where.append(_C.c[f"count_{status.label}"] > 0)
        r_where.append(_Res.c.status == int(status))
    n_containers = connection.execute(select(func.count()).select_from(_C).where(*c_where)).scalar_one()
    n_results = connection.execute(select(func.count()).select_from(_Res).where(*r_where)).scalar_one()
    containers: list[ContainerNode] = []
    if offset < n_containers:
        rows = connection.execute(
            select(_C).where(*c_where).order_by(_C.c.position, _C.c.id).limit(per_page).offset(offset)
        ).all()
        containers = [_container(row) for row in rows]
    results: list[ResultNode] = []
    room = per_page - len(containers)
    if room > 0 and n_results:
        rows = connection.execute(
            select(*_RESULT_COLUMNS).where(*r_where).order_by(_Res.c.position, _Res.c.id)
            .limit(room).offset(max(0, offset - n_containers))
        ).all()
        results = [result_node(row) for row in rows]
    return Level(parent=parent, containers=containers, results=results, page=page, per_page=per_page,
                 total=n_containers + n_results)


def container_path(connection: Connection, report_id: str, container_id: str | None) -> list[ContainerNode]:
    """The containers from the top of the report down to `container_id` (included)."""
    return paths_of(connection, report_id, [container_id] if container_id else []).get(container_id or "", [])


def paths_of(connection: Connection, report_id: str, container_ids: list[str]) -> dict[str, list[ContainerNode]]:
    """For each container id: its ancestors from the top down, itself last. One query per tree depth."""
    known: dict[str, ContainerNode] = {}
    wanted = {c for c in container_ids if c}
    while wanted:
        rows = connection.execute(select(_C).where(_C.c.report_id == report_id, _C.c.id.in_(wanted))).all()
        for row in rows:
            known[row.id] = _container(row)
        wanted = {row.parent_id for row in rows if row.parent_id and row.parent_id not in known}
    paths: dict[str, list[ContainerNode]] = {}
    for container_id in container_ids:
        chain: list[ContainerNode] = []
        node = known.get(container_id)
        while node is not None and len(chain) < 1000:
            chain.append(node)
            node = known.get(node.parent_id) if node.parent_id else None
        paths[container_id] = chain[::-1]
    return paths


def search_results(
    connection: Connection,
    report_id: str,
    text: str,
    status: Status | None = None,
    page: int = 1,
    per_page: int = 100,
) -> Paged[ResultNode]:
    """Results of the report whose title contains `text` (any case), grouped by container, with their paths.

    Not counted in full (a count would scan the report twice): `has_next` says whether more follow.
    Raises InvalidInputError for a bad page.
    """
    offset = check_page(page, per_page)
    where: list[Any] = [_Res.c.report_id == report_id, _Res.c.title.ilike(like_pattern(text.strip()), escape="\\")]
    if status is not None:
        where.append(_Res.c.status == int(status))
    rows = connection.execute(
        select(*_RESULT_COLUMNS).where(and_(*where)).order_by(_Res.c.container_id, _Res.c.position, _Res.c.id)
        .limit(per_page + 1).offset(offset)
    ).all()
    nodes = [result_node(row) for row in rows[:per_page]]
    paths = paths_of(connection, report_id, list({n.container_id for n in nodes if n.container_id}))
    items = [ResultNode(**{**n.__dict__, "path": paths.get(n.container_id or "", [])}) for n in nodes]
    return Paged(items=items, page=page, per_page=per_page, has_next=len(rows) > per_page)




def get_result(connection: Connection, result_id: str) -> Result:
    """One result with its steps (nested) and attachments. Raises NotFoundError."""
    result = read_result(connection, result_id)
    if result is None:
        raise NotFoundError(f"no result {result_id}")
    return result


@dataclass(frozen=True)
class ResultIds:
    report_id: str
    container_id: str | None
    test_id: int | None


def result_ids(connection: Connection, result_id: str) -> ResultIds:
    """Where a result lives: its report, its container, its linked Test. Raises NotFoundError."""
    row = connection.execute(
        select(_Res.c.report_id, _Res.c.container_id, _Res.c.test_id).where(_Res.c.id == result_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no result {result_id}")
    return ResultIds(report_id=row.report_id, container_id=row.container_id, test_id=row.test_id)


__all__ = [
    "ContainerNode", "Level", "ResultIds", "get_result", "ResultNode", "container_path", "get_container", "paths_of",
    "passed_on_retry", "result_ids", "result_node", "search_results", "tree_level",
]
