"""Comparing two reports test by test, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from assay.services.compare import compare_reports
from assay.services.runtime import Runtime
from assay.store import read_transaction
from tests.web.helpers import import_cases


def test_compare(runtime: Runtime, tmp_path: Path) -> None:
    base = import_cases(runtime, tmp_path, {"a": "passed", "b": "failed", "c": "failed", "d": "skipped",
                                            "gone": "passed", "slow": ("passed", 0.1), "fast": ("passed", 3.0),
                                            "same": "passed"})
    head = import_cases(runtime, tmp_path, {"a": "failed", "b": "passed", "c": "broken", "d": "passed",
                                            "new": "failed", "slow": ("passed", 2.0), "fast": ("passed", 0.5),
                                            "same": "passed"})
    with read_transaction(runtime.engine) as connection:
        comparison = compare_reports(connection, base["id"], head["id"])
        one = compare_reports(connection, base["id"], head["id"], limit=1)
    titles = {s.name: [c.title for c in s.changes] for s in comparison.sections}
    assert titles == {
        "New failures": ["a"], "Fixed": ["b"], "Still failing": ["c"], "Other status changes": ["d"],
        "New tests": ["new"], "Removed tests": ["gone"], "Slower": ["slow"], "Faster": ["fast"],
    }
    slow = comparison.slower.changes[0]
    assert slow.delta == 1900 and slow.where == "com.acme › CartTest"
    assert comparison.removed_tests.changes[0].head is None and comparison.new_tests.changes[0].base is None
    assert comparison.unchanged == 3  # slow, fast and same kept their status
    assert one.new_failures.total == 1 and len(one.new_failures.changes) == 1
