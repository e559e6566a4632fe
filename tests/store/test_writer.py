from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from assay.model import Asset, Container, ReportMeta, Result, Status, Step, new_id
from assay.normalize import NormalizeOptions, normalize
from assay.services.projects import get_project, issue_keys
from assay.services.runtime import Runtime
from assay.store import read_transaction, tables, write_transaction
from assay.store.reader import iter_tree, read_report
from assay.store.writer import ReportWriter, finish_report

FILE_TREE = NormalizeOptions(smart=False)


def _insert_report(connection, report_id: str) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    connection.execute(
        insert(tables.report).values(
            id=report_id, key=f"DEMO-{report_id[:6]}", project_id=1, profile_id=1, date=now, created_at=now,
            updated_at=now, tags=[], properties={},
        )
    )


def _events() -> list[object]:
    suite = Container("Suite A", "Suite", properties={"env": "ci"})
    inner = Container("Inner", "Class", parent=suite)
    failing = Result(
        "fails", Status.FAILED, container=inner, duration=12, exception_name="AssertionError",
        exception_description="1 != 2", exception_backtrace="trace\x00with nul", classname="a.Inner",
        properties={"k": "v"}, stdout="out", flaky=False,
        steps=[Step("Given x", Status.PASSED, keyword="Given", steps=[Step("nested", Status.PASSED)]),
               Step("Then y", Status.FAILED, keyword="Then", error="boom",
                    assets=[Asset("shot.png", data=b"\x89PNG", mime_type="image/png")])],
        assets=[Asset("log.txt", data=b"hello", mime_type="text/plain")],
    )
    return [
        ReportMeta(title="run 1", started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        suite, inner, failing,
        Result("passes", Status.PASSED, container=inner, duration=3),
        Result("top", Status.SKIPPED),
    ]


def test_report_round_trips_through_the_database(runtime: Runtime) -> None:
    report_id = new_id()
    with write_transaction(runtime.engine) as connection:
        _insert_report(connection, report_id)
        written = ReportWriter(connection, runtime.blobs, report_id).write(normalize(_events(), FILE_TREE))
        finish_report(connection, written, {"title": written.meta.title})
    assert (written.counts.total, written.counts.failed, written.counts.skipped) == (3, 1, 1)
    with read_transaction(runtime.engine) as connection:
        report = read_report(connection, report_id)
        tree = list(iter_tree(connection, report_id))
    assert report is not None and report.title == "run 1" and report.counts.total == 3
    containers = [n for n in tree if isinstance(n, Container)]
    results = [n for n in tree if isinstance(n, Result)]
    assert [c.title for c in containers] == ["Suite A", "Inner"]
    assert containers[1].parent is containers[0]
    assert containers[0].status == Status.FAILED and containers[0].counts.total == 2
    assert containers[0].properties == {"env": "ci"}
    fails = next(r for r in results if r.title == "fails")
    assert fails.exception_description == "1 != 2" and fails.duration == 12
    assert fails.classname == "a.Inner" and fails.properties == {"k": "v"} and fails.stdout == "out"
    assert [s.title for s in fails.steps] == ["Given x", "Then y"]
    assert fails.steps[0].steps[0].title == "nested"
    assert fails.steps[1].assets[0].name == "shot.png"
    log = fails.assets[0]
    assert log.sha256 and runtime.blobs.open(log.location or "").read_bytes() == b"hello"  # type: ignore[union-attr]
    assert next(r for r in results if r.title == "top").container is None


def test_a_failing_stream_leaves_nothing_behind(runtime: Runtime) -> None:
    report_id = new_id()

    def broken_stream():  # type: ignore[no-untyped-def]
        yield from _events()
        raise ValueError("parser died")

    with pytest.raises(ValueError), write_transaction(runtime.engine) as connection:
        _insert_report(connection, report_id)
        ReportWriter(connection, runtime.blobs, report_id).write(normalize(broken_stream()))
    with read_transaction(runtime.engine) as connection:
        for table in (tables.report, tables.result, tables.container, tables.step, tables.asset):
            assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_keys_stay_unique_under_concurrent_writers(runtime: Runtime) -> None:
    with read_transaction(runtime.engine) as connection:
        project_id = get_project(connection, "DEMO")["id"]
    issued: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(10):
            with write_transaction(runtime.engine) as connection:
                keys = issue_keys(connection, project_id, 2)
            with lock:
                issued.extend(keys)

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(issued) == 120 and len(set(issued)) == 120
    assert sorted(int(k.split("-")[1]) for k in issued) == list(range(1, 121))
