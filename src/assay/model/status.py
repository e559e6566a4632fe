"""Result statuses, numbered as Calliope numbers them, and the order that makes one "worse"."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class Status(IntEnum):
    """Calliope's enum: 0 failed, 1 broken (error outside an assertion), 2 passed, 3 skipped, 4 unknown."""

    FAILED = 0
    BROKEN = 1
    PASSED = 2
    SKIPPED = 3
    UNKNOWN = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Status:
        """`"failed"` -> Status.FAILED; raises ValueError for anything else."""
        try:
            return cls[label.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown status {label!r}") from None


# Worst first: a container's status is the first of these that any of its children has.
SEVERITY_ORDER: tuple[Status, ...] = (
    Status.FAILED,
    Status.BROKEN,
    Status.UNKNOWN,
    Status.SKIPPED,
    Status.PASSED,
)
_RANK = {status: rank for rank, status in enumerate(SEVERITY_ORDER)}


def worst(statuses: Iterable[Status]) -> Status | None:
    """The most severe of `statuses` (failed > broken > unknown > skipped > passed); None if empty."""
    best: Status | None = None
    for status in statuses:
        if best is None or _RANK[status] < _RANK[best]:
            best = status
    return best
