"""The web pages' queries: profile lists and filters, trends, tree levels, search, tests by key, imports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from assay.errors import InvalidInputError, NotFoundError
from assay.model import Status
from assay.services.browse import ReportFilter, list_profile_reports, profile_facets, project_overview, report_trend
from assay.services.by_key import get_test, resolve_key, runs_of_test
from assay.services.catalog import create_test
from assay.services.import_jobs import list_import_jobs
from assay.services.imports import ImportRequest, UploadedFile, run_import
from assay.services.report_tree import container_path, search_results, tree_level
from assay.services.runtime import Runtime
from assay.store import read_transaction, tables, write_transaction
from tests.web.helpers import import_cases


def test_profile_reports_filters_and_trend(runtime: Runtime, tmp_path: Path) -> None:
    one = import_cases(runtime, tmp_path, {"a": "passed"}, build="1", os="linux", **{"tag[]": "nightly"},
                       date="2026-01-10T10:00:00Z")
    two = import_cases(runtime, tmp_path, {"a": "failed", "b": ("passed", 1.5)}, build="2", os="mac",
                       **{"tag[]": "100%_sure"}, date="2026-02-10T10:00:00Z")
    with read_transaction(runtime.engine) as connection:
        page = list_profile_reports(connection, 1)
        assert [r.key for r in page.items] == [two["key"], one["key"]] and page.total == 2
        assert page.items[0].duration == 1510  # no duration in the file: the sum of its results'
        def keys(**kw: object) -> list[str]:
            return [r.key for r in list_profile_reports(connection, 1, ReportFilter(**kw)).items]  # type: ignore[arg-type]
        assert keys(tag="nightly") == [one["key"]]
        assert keys(tag="100%_sure") == [two["key"]] and keys(tag="100") == []  # whole tags, wildcards literal
        assert keys(os="mac") == [two["key"]] and keys(build="1", os="mac") == []
        assert keys(date_from=date(2026, 2, 10)) == [two["key"]]
        assert keys(date_to=date(2026, 1, 10)) == [one["key"]]  # inclusive
        assert [r.key for r in report_trend(connection, 1)] == [one["key"], two["key"]]  # oldest first
        facets = profile_facets(connection, 1)
        assert (facets.builds, facets.oses, facets.tags) == (["1", "2"], ["linux", "mac"], ["100%_sure", "nightly"])
        overview = project_overview(connection)
        assert overview[0].profiles[0].reports == 2 and overview[0].profiles[0].latest.key == two["key"]  # type: ignore[union-attr]
        with pytest.raises(InvalidInputError):
            list_profile_reports(connection, 1, page=0)


def test_tree_levels_paging_filter_and_search(runtime: Runtime, tmp_path: Path) -> None:
    cases = {f"test{i:03d}": ("failed" if i % 10 == 0 else "passed") for i in range(250)}
    report = import_cases(runtime, tmp_path, cases)
    with read_transaction(runtime.engine) as connection:
        top = tree_level(connection, report["id"])
        assert [c.title for c in top.containers] == ["com.acme"] and top.total == 1
        cls = tree_level(connection, report["id"], top.containers[0].id).containers[0]
        assert cls.title == "CartTest" and cls.counts.failed == 25 and cls.status is Status.FAILED
        pages = [tree_level(connection, report["id"], cls.id, page=n, per_page=100) for n in (1, 2, 3)]
        assert [len(p.results) for p in pages] == [100, 100, 50] and pages[0].total == 250
        assert pages[0].has_next and not pages[2].has_next and pages[1].remaining == 50
        assert [r.title for r in pages[1].results][:2] == ["test100", "test101"]  # file order
        failed = tree_level(connection, report["id"], cls.id, Status.FAILED)
        assert failed.total == 25 and {r.status for r in failed.results} == {Status.FAILED}
        assert tree_level(connection, report["id"], None, Status.SKIPPED).total == 0  # no container holds any
        hits = search_results(connection, report["id"], "TEST1", per_page=20)
        assert len(hits.items) == 20 and hits.has_next and all("test1" in h.title for h in hits.items)
        assert [c.title for c in hits.items[0].path] == ["com.acme", "CartTest"]
        assert search_results(connection, report["id"], "%").items == []  # a wildcard is a character
        only = search_results(connection, report["id"], "test00", Status.FAILED)
        assert [h.title for h in only.items] == ["test000"]
        assert [c.title for c in container_path(connection, report["id"], cls.id)] == ["com.acme", "CartTest"]
        with pytest.raises(NotFoundError):
            tree_level(connection, report["id"], "not-a-container")


def test_tests_by_key_and_import_jobs(runtime: Runtime, tmp_path: Path) -> None:
    first = import_cases(runtime, tmp_path, {"adds": "passed"})
    second = import_cases(runtime, tmp_path, {"adds": "failed"})
    bad = tmp_path / "bad.xml"
    bad.write_text("<testsuite><testcase")
    failed = run_import(runtime, ImportRequest(profile_id=1, files=[UploadedFile("bad.xml", bad, bad.stat().st_size)],
                                               format="junit"))
    assert not failed.ok
    with write_transaction(runtime.engine) as connection:
        test = create_test(connection, "DEMO", "Cart adds an item")
        connection.execute(update(tables.result).values(test_id=test["id"]))
    with read_transaction(runtime.engine) as connection:
        assert resolve_key(connection, first["key"].lower()) == ("report", first["id"])
        assert resolve_key(connection, test["key"]) == ("test", test["key"])
        with pytest.raises(NotFoundError):
            resolve_key(connection, "DEMO-999")
        with pytest.raises(InvalidInputError):
            resolve_key(connection, "not a key")
        runs = runs_of_test(connection, get_test(connection, test["key"]))
        assert [r.report_key for r in runs.items] == [second["key"], first["key"]] and runs.total == 2
        assert runs.items[0].status is Status.FAILED
        jobs = list_import_jobs(connection)
        assert [j.status for j in jobs.items] == ["failed", "success", "success"]
        assert jobs.items[0].error_code and jobs.items[0].report_key is None
        assert jobs.items[1].report_key == second["key"] and jobs.items[1].profile_name == "Default"
        assert [j.id for j in list_import_jobs(connection, status="failed").items] == [failed.import_id]
