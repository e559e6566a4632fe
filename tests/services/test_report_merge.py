"""Adding an import to a stored report: containers reused by path, earlier runs replaced, counts recomputed."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from assay.model import Container, Counts, Result, Status
from assay.normalize import normalize
from assay.services.catalog import TestDraft, create_tests
from assay.services.report_merge import ReportMerger, recount_report
from assay.services.runtime import Runtime
from assay.store import read_transaction, tables, write_transaction
from assay.store.writer import ReportWriter, finish_report


def _tree(test_ids: dict[str, int], statuses: dict[str, Status]) -> list[Container | Result]:
    """Package com.acme > Class CartTest > results (JUnit-shaped, before normalize)."""
    suite = Container(title="com.acme.CartTest", classification="Suite")
    results: list[Container | Result] = [suite]
    for name, status in statuses.items():
        results.append(
            Result(title=name, status=status, container=suite, classname="com.acme.CartTest", test_id=test_ids[name])
        )
    return results


def _new_report(connection, report_id: str) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    connection.execute(
        insert(tables.report).values(
            id=report_id,
            key=f"DEMO-{report_id[:4]}",
            project_id=1,
            profile_id=1,
            date=now,
            tags=[],
            properties={},
            created_at=now,
            updated_at=now,
        )
    )


def test_merge_reuses_containers_replaces_runs_and_recounts(runtime: Runtime) -> None:
    report_id = "00000000-0000-4000-8000-000000000001"
    with write_transaction(runtime.engine) as connection:
        rows = create_tests(
            connection, 1, [TestDraft(title=n, identity=f"generic:{n}") for n in ("adds", "pays", "ships")]
        )
        ids = {row["title"]: row["id"] for row in rows}
        _new_report(connection, report_id)
        written = ReportWriter(connection, runtime.blobs, report_id).write(
            normalize(_tree(ids, {"adds": Status.PASSED, "pays": Status.FAILED}))
        )
        finish_report(connection, written, {})
    with read_transaction(runtime.engine) as connection:
        containers_before = connection.execute(
            select(tables.container.c.id, tables.container.c.title).where(tables.container.c.report_id == report_id)
        ).all()
    assert sorted(c.title for c in containers_before) == ["CartTest", "com.acme"]

    # "pays" runs again (now passing) and "ships" is new: the same Package/Class containers take them.
    with write_transaction(runtime.engine) as connection:
        merger = ReportMerger(connection, report_id)
        events = merger.events(normalize(_tree(ids, {"pays": Status.PASSED, "ships": Status.SKIPPED})))
        ReportWriter(connection, runtime.blobs, report_id).write(events)
        counts = merger.finish(connection, [ids["pays"], ids["ships"]])
    assert counts == Counts(total=3, passed=2, skipped=1)
    with read_transaction(runtime.engine) as connection:
        containers = connection.execute(select(tables.container).where(tables.container.c.report_id == report_id)).all()
        results = connection.execute(
            select(tables.result.c.title, tables.result.c.status, tables.result.c.position)
            .where(tables.result.c.report_id == report_id)
            .order_by(tables.result.c.position)
        ).all()
        report = connection.execute(select(tables.report).where(tables.report.c.id == report_id)).one()
    assert sorted((c.id, c.title) for c in containers) == sorted((c.id, c.title) for c in containers_before)
    assert {c.title: (c.count_total, c.count_passed, c.count_skipped, c.status) for c in containers} == {
        "com.acme": (3, 2, 1, int(Status.SKIPPED)),
        "CartTest": (3, 2, 1, int(Status.SKIPPED)),
    }
    assert [(r.title, Status(r.status)) for r in results] == [
        ("adds", Status.PASSED),
        ("pays", Status.PASSED),
        ("ships", Status.SKIPPED),
    ]
    assert len({r.position for r in results}) == 3  # new rows go after the stored ones
    assert (report.count_total, report.count_failed) == (3, 0)


def test_recount_prunes_containers_emptied_by_a_replacement(runtime: Runtime) -> None:
    report_id = "00000000-0000-4000-8000-000000000002"
    with write_transaction(runtime.engine) as connection:
        rows = create_tests(connection, 1, [TestDraft(title="lonely", identity="generic:lonely")])
        _new_report(connection, report_id)
        suite = Container(title="Old suite", classification="Suite")
        written = ReportWriter(connection, runtime.blobs, report_id).write(
            normalize(
                [suite, Result(title="lonely", status=Status.FAILED, container=suite, test_id=rows[0]["id"])], None
            )
        )
        finish_report(connection, written, {})
    with write_transaction(runtime.engine) as connection:
        merger = ReportMerger(connection, report_id)
        other = Container(title="New suite", classification="Suite")
        ReportWriter(connection, runtime.blobs, report_id).write(
            merger.events(
                normalize([other, Result(title="lonely", status=Status.PASSED, container=other, test_id=rows[0]["id"])])
            )
        )
        merger.finish(connection, [rows[0]["id"]])
    with read_transaction(runtime.engine) as connection:
        titles = (
            connection.execute(select(tables.container.c.title).where(tables.container.c.report_id == report_id))
            .scalars()
            .all()
        )
        total = recount_report(connection, report_id)
        results = connection.execute(
            select(func.count()).select_from(tables.result).where(tables.result.c.report_id == report_id)
        ).scalar_one()
    assert titles == ["New suite"] and results == 1 and total == Counts(total=1, passed=1)
