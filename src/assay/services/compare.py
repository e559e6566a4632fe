"""Compare two reports test by test (matched by history_hash): what broke, what was fixed, what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from assay.model import Status
from assay.services.report_tree import paths_of
from assay.store import tables

_Res = tables.result
# A duration change worth showing: at least this many milliseconds and this fraction of the old time.
MIN_DURATION_DELTA_MS = 100
MIN_DURATION_RATIO = 0.2


@dataclass(frozen=True)
class Side:
    result_id: str
    status: Status
    duration: int | None
    container_id: str | None
    title: str


@dataclass(frozen=True)
class Change:
    history_hash: str
    base: Side | None
    head: Side | None
    where: str = ""  # the container path of the result, "Package › Class"

    @property
    def title(self) -> str:
        return (self.head or self.base).title  # type: ignore[union-attr]

    @property
    def delta(self) -> int:
        """Head duration minus base duration, in milliseconds (0 when either is unknown)."""
        if self.base is None or self.head is None or self.base.duration is None or self.head.duration is None:
            return 0
        return self.head.duration - self.base.duration


@dataclass
class Section:
    name: str
    changes: list[Change] = field(default_factory=list)  # the first `limit` of them
    total: int = 0


@dataclass
class Comparison:
    base_id: str
    head_id: str
    new_failures: Section = field(default_factory=lambda: Section("New failures"))
    fixed: Section = field(default_factory=lambda: Section("Fixed"))
    still_failing: Section = field(default_factory=lambda: Section("Still failing"))
    other_changes: Section = field(default_factory=lambda: Section("Other status changes"))
    new_tests: Section = field(default_factory=lambda: Section("New tests"))
    removed_tests: Section = field(default_factory=lambda: Section("Removed tests"))
    slower: Section = field(default_factory=lambda: Section("Slower"))
    faster: Section = field(default_factory=lambda: Section("Faster"))
    unchanged: int = 0

    @property
    def sections(self) -> list[Section]:
        return [self.new_failures, self.fixed, self.still_failing, self.other_changes, self.new_tests,
                self.removed_tests, self.slower, self.faster]


# Statuses as the integers the rows hold: comparing 200,000 rows stays in plain ints and tuples.
_FAILING_INTS = frozenset({int(Status.FAILED), int(Status.BROKEN)})
_PASSED = int(Status.PASSED)


def _results(connection: Connection, report_id: str) -> dict[str, Any]:
    """history_hash -> (id, status, duration, container_id, title) for every result of the report."""
    found: dict[str, Any] = {}
    rows = connection.execute(
        select(_Res.c.history_hash, _Res.c.id, _Res.c.status, _Res.c.duration, _Res.c.container_id, _Res.c.title)
        .where(_Res.c.report_id == report_id, _Res.c.history_hash.is_not(None))
    ).all()
    for row in rows:
        # Duplicate titles share a hash; the first one stands for the test (Calliope: no history for those).
        found.setdefault(row[0], row[1:])
    return found


def _side(row: Any) -> Side | None:
    if row is None:
        return None
    return Side(result_id=row[0], status=Status(row[1]), duration=row[2], container_id=row[3], title=row[4])


def compare_reports(connection: Connection, base_id: str, head_id: str, limit: int = 100) -> Comparison:
    """How report `head_id` differs from report `base_id`; each section keeps its first `limit` changes
    (status sections by title, duration sections by the size of the change).

    Reports are read whole (a few columns a result); both must exist (callers look them up first).
    """
    base, head = _results(connection, base_id), _results(connection, head_id)
    comparison = Comparison(base_id=base_id, head_id=head_id)
    names = [s.name for s in comparison.sections]
    buckets: dict[str, list[Any]] = {name: [] for name in names}
    new_failures, fixed, still_failing, other = (buckets[n] for n in names[:4])
    slower, faster = buckets["Slower"], buckets["Faster"]
    unchanged = 0
    for history_hash, now in head.items():
        before = base.get(history_hash)
        if before is None:
            buckets["New tests"].append(history_hash)
            continue
        was, is_ = before[1], now[1]
        if is_ in _FAILING_INTS:
            (still_failing if was in _FAILING_INTS else new_failures).append(history_hash)
        elif was in _FAILING_INTS and is_ == _PASSED:
            fixed.append(history_hash)
        elif was != is_:
            other.append(history_hash)
        else:
            unchanged += 1
        if before[2] is not None and now[2] is not None:
            delta = now[2] - before[2]
            if abs(delta) >= MIN_DURATION_DELTA_MS and abs(delta) >= MIN_DURATION_RATIO * before[2]:
                (slower if delta > 0 else faster).append((-abs(delta), history_hash))
    buckets["Removed tests"] = [h for h in base if h not in head]
    comparison.unchanged = unchanged
    shown: list[Change] = []
    for section in comparison.sections:
        found = buckets[section.name]
        section.total = len(found)
        if section.name in ("Slower", "Faster"):
            found.sort()
            chosen = [h for _, h in found[:limit]]
        else:
            row_of = base if section.name == "Removed tests" else head
            chosen = sorted(found, key=lambda h: (row_of[h][4].lower(), h))[:limit]  # noqa: B023
        section.changes = [Change(history_hash=h, base=_side(base.get(h)), head=_side(head.get(h))) for h in chosen]
        shown.extend(section.changes)
    _fill_paths(connection, comparison, base_id, head_id, shown)
    return comparison


def _fill_paths(connection: Connection, comparison: Comparison, base_id: str, head_id: str,
                shown: list[Change]) -> None:
    wanted: dict[str, set[str]] = {base_id: set(), head_id: set()}
    for change in shown:
        side, report_id = (change.head, head_id) if change.head else (change.base, base_id)
        if side is not None and side.container_id:
            wanted[report_id].add(side.container_id)
    paths = {rid: paths_of(connection, rid, list(ids)) for rid, ids in wanted.items() if ids}
    for section in comparison.sections:
        filled = []
        for change in section.changes:
            side, report_id = (change.head, head_id) if change.head else (change.base, base_id)
            chain = paths.get(report_id, {}).get(side.container_id or "", []) if side else []
            filled.append(Change(change.history_hash, change.base, change.head, " › ".join(c.title for c in chain)))
        section.changes = filled


__all__ = ["Change", "Comparison", "Section", "Side", "compare_reports"]
