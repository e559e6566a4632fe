"""A test's history over its profile's recent reports, labelled as Calliope labels it.

A result's label compares it with the same test's previous result (same history_hash, or the same
Test when one is linked) in the profile's earlier reports:

- New result: the test is not in any earlier report of the window;
- New failure: failed or broken now, passed before;
- Fixed: passed now, failed or broken before;
- Still failing: failed or broken now and before;
- Was <status>: any other change (e.g. "Was skipped");
- none when the status did not change.

A test is flaky when it flipped between passed and failed/broken at least twice in the window, or
when it passed on a retry (the file says so: Surefire's flakyFailure, pytest-rerunfailures).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from assay.errors import NotFoundError
from assay.model import Status
from assay.services.report_tree import passed_on_retry
from assay.store import tables
from assay.store.reader import as_utc

WINDOW = 10  # reports in a history strip, the current one included
_FAILING = frozenset({Status.FAILED, Status.BROKEN})
_R = tables.report
_Res = tables.result


@dataclass(frozen=True)
class ReportRef:
    id: str
    key: str
    date: datetime
    profile_id: int


@dataclass(frozen=True)
class HistoryCell:
    report: ReportRef
    result_id: str | None  # None: the test is not in that report
    status: Status | None
    label: str | None
    current: bool = False


@dataclass(frozen=True)
class History:
    cells: list[HistoryCell]  # oldest first, the current report last
    label: str | None
    flaky: str | None  # why the test counts as flaky, or None


@dataclass(frozen=True)
class Mark:
    label: str | None
    flaky: str | None


def history_label(previous: Status | None, current: Status, seen_before: bool = True) -> str | None:
    """Calliope's label for `current` after `previous` (the same test's nearest earlier status)."""
    if not seen_before or previous is None:
        return "New result"
    if current in _FAILING and previous is Status.PASSED:
        return "New failure"
    if previous in _FAILING and current is Status.PASSED:
        return "Fixed"
    if previous in _FAILING and current in _FAILING:
        return "Still failing"
    if previous is not current:
        return f"Was {previous.label}"
    return None


def flaky_reason(statuses: Iterable[Status | None], retried: bool = False) -> str | None:
    """Why a test with these statuses (oldest first) is flaky, or None; `retried`: it passed on a retry."""
    if retried:
        return "passed on a retry"
    flips, last = 0, None
    for status in statuses:
        if status is Status.PASSED or status in _FAILING:
            outcome = status is Status.PASSED
            if last is not None and outcome != last:
                flips += 1
            last = outcome
    if flips >= 2:
        return f"flipped between passed and failed {flips} times in the last {WINDOW} reports"
    return None


def _ref(row: Any) -> ReportRef:
    return ReportRef(id=row.id, key=row.key, date=as_utc(row.date), profile_id=row.profile_id)  # type: ignore[arg-type]


def earlier_reports(connection: Connection, report_id: str, limit: int = WINDOW - 1) -> list[ReportRef]:
    """Up to `limit` reports of the same profile before this one (by date, then arrival), newest first.

    Raises NotFoundError for an unknown report.
    """
    current = connection.execute(
        select(_R.c.id, _R.c.profile_id, _R.c.date, _R.c.created_at).where(_R.c.id == report_id)
    ).first()
    if current is None:
        raise NotFoundError(f"no report {report_id}")
    before = or_(
        _R.c.date < current.date,
        and_(_R.c.date == current.date, _R.c.created_at < current.created_at),
        and_(_R.c.date == current.date, _R.c.created_at == current.created_at, _R.c.id < current.id),
    )
    rows = connection.execute(
        select(_R.c.id, _R.c.key, _R.c.date, _R.c.profile_id)
        .where(_R.c.profile_id == current.profile_id, before)
        .order_by(_R.c.date.desc(), _R.c.created_at.desc(), _R.c.id.desc())
        .limit(limit)
    ).all()
    return [_ref(row) for row in rows]


def previous_report(connection: Connection, report_id: str) -> ReportRef | None:
    """The profile's report just before this one, or None. Raises NotFoundError for an unknown report."""
    found = earlier_reports(connection, report_id, 1)
    return found[0] if found else None


def _report_ref(connection: Connection, report_id: str) -> ReportRef:
    row = connection.execute(select(_R.c.id, _R.c.key, _R.c.date, _R.c.profile_id).where(_R.c.id == report_id)).first()
    if row is None:
        raise NotFoundError(f"no report {report_id}")
    return _ref(row)


def result_history(connection: Connection, result_id: str) -> History:
    """The result's test over its profile's last WINDOW reports. Raises NotFoundError."""
    row = connection.execute(
        select(_Res.c.id, _Res.c.report_id, _Res.c.status, _Res.c.history_hash, _Res.c.test_id, _Res.c.json_data)
        .where(_Res.c.id == result_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no result {result_id}")
    current = _report_ref(connection, row.report_id)
    earlier = earlier_reports(connection, row.report_id)
    found: dict[str, tuple[str, Status]] = {}
    same_test = [_Res.c.history_hash == row.history_hash] if row.history_hash else []
    if row.test_id is not None:
        same_test.append(_Res.c.test_id == row.test_id)
    if earlier and same_test:
        for other in connection.execute(
            select(_Res.c.id, _Res.c.report_id, _Res.c.status)
            .where(_Res.c.report_id.in_([r.id for r in earlier]), or_(*same_test))
            .order_by(_Res.c.report_id, _Res.c.position.desc())
        ):
            found[other.report_id] = (other.id, Status(other.status))  # the first in position order wins
    window = [*reversed(earlier), current]
    statuses: list[Status | None] = [found[r.id][1] if r.id in found else None for r in earlier[::-1]]
    statuses.append(Status(row.status))
    cells = []
    previous: Status | None = None
    seen = False
    for ref, status in zip(window, statuses, strict=True):
        is_current = ref.id == current.id
        result_ref = row.id if is_current else found.get(ref.id, (None, None))[0]
        label = history_label(previous, status, seen) if status is not None else None
        cells.append(HistoryCell(report=ref, result_id=result_ref, status=status, label=label, current=is_current))
        if status is not None:
            previous, seen = status, True
    retried = passed_on_retry(row.status, row.json_data)
    return History(cells=cells, label=cells[-1].label, flaky=flaky_reason(statuses, retried))


def marks_for(connection: Connection, report_id: str, results: Sequence[Any]) -> dict[str, Mark]:
    """Labels and flaky marks for a page of results (objects with id, history_hash, status, flaky)."""
    hashes = {r.history_hash for r in results if r.history_hash}
    earlier = earlier_reports(connection, report_id) if hashes else []
    seen: dict[str, dict[str, Status]] = {}
    if earlier:
        for row in connection.execute(
            select(_Res.c.report_id, _Res.c.history_hash, _Res.c.status)
            .where(_Res.c.history_hash.in_(hashes), _Res.c.report_id.in_([r.id for r in earlier]))
            .order_by(_Res.c.position.desc())
        ):
            seen.setdefault(row.history_hash, {})[row.report_id] = Status(row.status)
    marks = {}
    if not earlier:
        # The profile's first report: every test would be a "New result", which says nothing.
        return {r.id: Mark(label=None, flaky=flaky_reason([], getattr(r, "flaky", False))) for r in results}
    for result in results:
        by_report = seen.get(result.history_hash or "", {})
        statuses: list[Status | None] = [by_report.get(r.id) for r in reversed(earlier)]
        previous = next((s for s in reversed(statuses) if s is not None), None)
        statuses.append(result.status)
        marks[result.id] = Mark(
            label=history_label(previous, result.status, previous is not None),
            flaky=flaky_reason(statuses, getattr(result, "flaky", False)),
        )
    return marks


__all__ = [
    "WINDOW", "History", "HistoryCell", "Mark", "ReportRef", "earlier_reports", "flaky_reason", "history_label",
    "marks_for", "previous_report", "result_history",
]
