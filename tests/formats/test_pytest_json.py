"""pytest-json-report: a real report of pytest 9 + pytest-json-report 1.5 (a class, parameters, a
fixture error, a teardown error, skip, xfail, xpass, a collection error, captured output, metadata),
the plugin's own sample shape, and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import get_format
from assay.formats.pytest_json import COLLECTION_ERROR
from assay.model import Event, ReportMeta, Result, Status

from ._json_cases import mutations
from .helpers import containers_of, count, parse_events, results_of

SAMPLE = Path(__file__).parent / "files" / "pytest_json" / "pytest-json-report1.5-errors-xfail-collection.json"


def parse(document: Any) -> list[Event]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("pytest_json", raw)


def report(*tests: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"created": 1700000000.5, "duration": 2.25, "exitcode": 1, "root": "/w", "environment": {},
            "summary": {}, "tests": list(tests), **extra}


def by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def test_tree_from_node_ids_and_counts() -> None:
    events = parse_events("pytest_json", SAMPLE)
    tree = [(c.title, c.classification, c.parent.title if c.parent else None) for c in containers_of(events)]
    assert tree == [
        ("tests/test_broken.py", "Module", None),
        ("tests/test_cart.py", "Module", None),
        ("TestCart", "Class", "tests/test_cart.py"),
    ]
    assert count(events).as_dict() == {
        "count_total": 12, "count_passed": 5, "count_failed": 2, "count_broken": 3,
        "count_skipped": 2, "count_unknown": 0,
    }
    results = by_title(events)
    assert [t for t in results if t.startswith("test_total")] == [
        "test_total[1-3]", "test_total[2-6]", "test_total[3-10]"
    ]
    total = results["test_total[3-10]"]
    assert total.container is not None and total.container.title == "TestCart"
    assert total.classname == "tests.test_cart.TestCart"
    assert results["test_rounding"].classname == "tests.test_cart"


def test_report_meta() -> None:
    (meta,) = [e for e in parse_events("pytest_json", SAMPLE) if isinstance(e, ReportMeta)]
    assert meta.properties == {"exitcode": 1, "root": "/home/ci/shop"}
    assert meta.finished_at is not None and meta.started_at is not None
    assert meta.finished_at - meta.started_at == timedelta(milliseconds=meta.duration or 0)
    (meta,) = [e for e in parse(report(environment={"Python": "3.12.1", "Platform": "Linux-6.8-x86_64", "Packages": {}},
                                       warnings=[{"message": "deprecated", "category": "DeprecationWarning"}]))
               if isinstance(e, ReportMeta)]
    assert meta.finished_at == datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)
    assert meta.started_at == datetime(2023, 11, 14, 22, 13, 18, 250000, tzinfo=UTC)
    assert meta.os == "Linux-6.8-x86_64" and meta.properties["Python"] == "3.12.1"
    assert meta.properties["warnings"] == ["DeprecationWarning: deprecated"]


def test_failures_errors_and_their_phase() -> None:
    results = by_title(parse_events("pytest_json", SAMPLE))
    total = results["test_total[3-10]"]
    assert total.status is Status.FAILED and total.exception_name == "AssertionError"
    assert total.exception_description is not None and total.exception_description.startswith("assert 9 == 10")
    assert total.exception_backtrace is not None
    assert "tests/test_cart.py:34: AssertionError" in total.exception_backtrace
    setup = results["test_checkout_uses_database"]
    assert setup.status is Status.BROKEN and setup.exception_name == "ConnectionError"
    assert setup.exception_description == "database not reachable on localhost:5432"
    assert setup.json_data["failed_phase"] == "setup"
    teardown = results["test_order_cleanup"]
    assert teardown.status is Status.BROKEN and teardown.json_data["failed_phase"] == "teardown"
    assert teardown.exception_description == "could not delete order 1"
    assert teardown.properties == {"order": 1}  # the json_metadata fixture
    collection = results[COLLECTION_ERROR]
    assert collection.status is Status.BROKEN
    assert collection.container is not None and collection.container.title == "tests/test_broken.py"
    assert (collection.exception_name, collection.exception_description) == (
        "ModuleNotFoundError", "No module named 'shop.checkout'"
    )


def test_skips_xfail_xpass_output_and_logs() -> None:
    results = by_title(parse_events("pytest_json", SAMPLE))
    skip = results["test_currency"]
    assert skip.status is Status.SKIPPED and skip.exception_description == "Skipped: currencies land in v2"
    xfail = results["test_rounding"]
    assert xfail.status is Status.SKIPPED and xfail.json_data["outcome"] == "xfailed"
    xpass = results["test_unicode_names"]
    assert xpass.status is Status.PASSED and xpass.json_data["outcome"] == "xpassed"
    assert results["test_add"].stdout == "cart holds [('apple', 3, 1)]\n"
    warning = results["test_logs_warning"]
    assert warning.stderr == "to stderr\n" and warning.json_data["log"] == ["WARNING shop: stock low for apple"]
    assert warning.json_data["lineno"] == 64


def test_durations_sum_phases_and_node_ids_with_colons_in_params() -> None:
    events = parse(report(
        {"nodeid": "t/test_a.py::TestA::TestB::test_x[a::b-1]", "outcome": "passed",
         "setup": {"duration": 0.25, "outcome": "passed"}, "call": {"duration": 1.5, "outcome": "passed"},
         "teardown": {"duration": "0.0015", "outcome": "passed"}},
        {"nodeid": "test_top.py::test_y", "outcome": "rerun", "call": {"duration": -1}},
        {"nodeid": "test_top.py::test_z", "outcome": "passed", "user_properties": [{"ticket": "SHOP-9"}]},
    ))
    tree = [(c.title, c.classification) for c in containers_of(events)]
    assert tree == [("t/test_a.py", "Module"), ("TestA", "Class"), ("TestB", "Class"), ("test_top.py", "Module")]
    x, y, z = results_of(events)
    assert (x.title, x.duration, x.classname) == ("test_x[a::b-1]", 1752, "t.test_a.TestA.TestB")
    assert (y.status, y.duration, y.json_data["outcome"]) == (Status.UNKNOWN, None, "rerun")
    assert z.properties == {"ticket": "SHOP-9"}


def test_plugin_sample_crash_messages() -> None:
    """The shape of pytest-json-report's own sample_report.json (0.8): traceback entries name the exception."""
    (nested,) = results_of(parse(report({
        "nodeid": "test_create_report.py::test_fail_nested", "lineno": 51, "outcome": "failed",
        "keywords": ["test_fail_nested"], "setup": {"duration": 0.0001, "outcome": "passed"},
        "call": {"duration": 0.0001, "outcome": "failed",
                 "crash": {"path": "/tmp/t.py", "lineno": 55,
                           "message": "TypeError: unsupported operand type(s) for -: 'int' and 'NoneType'"},
                 "traceback": [{"path": "t.py", "lineno": 66, "message": ""},
                               {"path": "t.py", "lineno": 55, "message": "TypeError"}],
                 "longrepr": "def test_fail_nested():\n>       foo()\nE       TypeError: unsupported operand"},
    })))
    assert nested.exception_name == "TypeError"
    assert nested.exception_description == "unsupported operand type(s) for -: 'int' and 'NoneType'"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"created": 1, "summary": {"total": 0}}, "a pytest-json-report summary without"),
        ({"tests": {}}, 'no "tests" array'),
        (report("x"), r"tests\[0\]: expected an object, got 'x'"),  # type: ignore[arg-type]
        (report({"outcome": "passed"}), r"tests\[0\]\.nodeid: expected a pytest node id"),
        (report({"nodeid": "a.py::t", "call": []}), r"tests\[0\]\.call: expected an object"),
        (report({"nodeid": "a.py::t", "outcome": "failed", "call": {"outcome": "failed", "crash": "boom"}}),
         r"tests\[0\]\.call\.crash: expected an object"),
        (report({"nodeid": "a.py::t", "metadata": [1]}), r"tests\[0\]\.metadata: expected an object"),
        (report({"nodeid": "a.py::t", "user_properties": [1]}),
         r"tests\[0\]\.user_properties\[0\]: expected an object"),
        (report(collectors={}), r"collectors: expected an array"),
        (report(environment="linux"), r"environment: expected an object"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(document)


def test_not_json_empty_and_truncated() -> None:
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(b"===== 3 passed in 0.01s =====")
    with pytest.raises(ParseError) as empty:
        parse(b"")
    assert empty.value.code == "empty_file"
    raw = SAMPLE.read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(raw[: len(raw) // 3])


def test_mutated_documents_raise_only_parse_errors() -> None:
    for label, mutated in mutations(json.loads(SAMPLE.read_text()), count=400):
        try:
            parse(mutated)
        except ParseError:
            pass
        except Exception as error:  # pragma: no cover - the failure message names the mutation
            pytest.fail(f"{label}: {type(error).__name__}: {error}")


def test_sniff_scores() -> None:
    fmt = get_format("pytest_json")
    assert fmt.sniff(SAMPLE.read_bytes()) == 0.9
    assert fmt.sniff(b'{\n  "created": 1548185151.26,\n  "duration": 0.04,\n  "exitcode": 1,\n  "root": "/x",') == 0.9
    assert fmt.sniff(b'{"tests": [{"nodeid": "a.py::t", "outcome": "passed"}]}') == 0.6
    assert fmt.sniff(b'{"created": "2024-01-01", "tests": []}') == 0.0
