"""History labels (Calliope's), flaky marks and result history strips, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from assay.model import Status
from assay.services.history import (
    earlier_reports,
    flaky_reason,
    history_label,
    marks_for,
    previous_report,
    result_history,
)
from assay.services.report_tree import tree_level
from assay.services.runtime import Runtime
from assay.store import read_transaction, tables
from tests.web.helpers import import_cases

F, B, P, S, U = Status.FAILED, Status.BROKEN, Status.PASSED, Status.SKIPPED, Status.UNKNOWN


@pytest.mark.parametrize(("previous", "current", "label"), [
    (None, F, "New result"), (None, P, "New result"),
    (P, F, "New failure"), (P, B, "New failure"),
    (F, P, "Fixed"), (B, P, "Fixed"),
    (F, F, "Still failing"), (B, F, "Still failing"), (F, B, "Still failing"),
    (S, P, "Was skipped"), (P, S, "Was passed"), (S, F, "Was skipped"), (F, S, "Was failed"), (U, P, "Was unknown"),
    (P, P, None), (S, S, None),
])
def test_labels(previous: Status | None, current: Status, label: str | None) -> None:
    assert history_label(previous, current, previous is not None) == label


def test_flaky() -> None:
    assert flaky_reason([P, F, P]) is not None
    assert flaky_reason([F, None, P, S, F]) is not None  # gaps and skips do not hide the flips
    assert flaky_reason([P, P, F]) is None  # broke once: a new failure, not flakiness
    assert flaky_reason([F, P]) is None
    assert flaky_reason([P], retried=True) == "passed on a retry"


def _result(runtime: Runtime, report_id: str, title: str) -> str:
    with read_transaction(runtime.engine) as connection:
        return connection.execute(select(tables.result.c.id).where(
            tables.result.c.report_id == report_id, tables.result.c.title == title)).scalar_one()


def test_history_over_three_reports(runtime: Runtime, tmp_path: Path) -> None:
    reports = [
        import_cases(runtime, tmp_path, {"a": "passed", "b": "failed", "d": "passed"}, date="2026-01-01T00:00:00Z"),
        import_cases(runtime, tmp_path, {"a": "failed", "b": "failed", "d": "skipped"}, date="2026-01-02T00:00:00Z"),
        import_cases(runtime, tmp_path, {"a": "passed", "b": "passed", "d": "passed", "e": "failed"},
                     date="2026-01-03T00:00:00Z"),
    ]
    # A report dated earlier but imported last sits first in the history (date decides, not arrival).
    older = import_cases(runtime, tmp_path, {"a": "failed"}, date="2025-12-31T00:00:00Z")
    with read_transaction(runtime.engine) as connection:
        assert [r.key for r in earlier_reports(connection, reports[2]["id"])] == \
            [reports[1]["key"], reports[0]["key"], older["key"]]
        assert previous_report(connection, older["id"]) is None
        assert previous_report(connection, reports[0]["id"]).key == older["key"]  # type: ignore[union-attr]
        history = result_history(connection, _result(runtime, reports[2]["id"], "a"))
        assert [c.report.key for c in history.cells] == [older["key"], *(r["key"] for r in reports)]
        assert [c.status for c in history.cells] == [F, P, F, P]
        assert [c.label for c in history.cells] == ["New result", "Fixed", "New failure", "Fixed"]
        assert history.cells[-1].current and history.label == "Fixed"
        assert history.flaky and "3 times" in history.flaky
        level = tree_level(connection, reports[2]["id"], None)
        while level.containers:  # down the package and class to the results
            level = tree_level(connection, reports[2]["id"], level.containers[0].id)
        marks = {r.title: marks_for(connection, reports[2]["id"], level.results)[r.id] for r in level.results}
        assert {t: m.label for t, m in marks.items()} == {"a": "Fixed", "b": "Fixed", "d": "Was skipped",
                                                         "e": "New result"}
        assert marks["a"].flaky and not marks["b"].flaky
        gone = result_history(connection, _result(runtime, reports[1]["id"], "d"))
        assert [c.status for c in gone.cells] == [None, P, S] and gone.label == "Was passed"
        assert gone.cells[0].result_id is None  # not in that report: a gap in the strip, no link


def test_passed_on_a_retry_is_flaky(runtime: Runtime) -> None:
    from assay.services.imports import ImportRequest, UploadedFile, run_import
    from tests.formats.helpers import CORPUS

    path = CORPUS / "junit" / "surefire-3.0.2-flaky-reruns.xml"
    outcome = run_import(runtime, ImportRequest(profile_id=1, files=[UploadedFile(path.name, path,
                                                                                  path.stat().st_size)]))
    assert outcome.ok and outcome.report
    report_id = outcome.report["id"]
    with read_transaction(runtime.engine) as connection:
        level = tree_level(connection, report_id)
        while level.containers:
            level = tree_level(connection, report_id, level.containers[0].id)
        (result,) = level.results
        assert result.status is Status.PASSED and result.flaky
        assert marks_for(connection, report_id, [result])[result.id].flaky == "passed on a retry"
        assert result_history(connection, result.id).flaky == "passed on a retry"
