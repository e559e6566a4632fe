"""Playwright JSON: a real report of @playwright/test 1.65 (two projects, a flaky retry, a timeout,
test.fail(), a skip with a reason, attachments by path and by body, stdout/stderr), inline edge cases
(global errors, steps, buffers, several projects in one spec) and bad input."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import get_format
from assay.model import Event, ReportMeta, Result, Status

from ._json_cases import mutations
from .helpers import containers_of, count, parse_events, results_of

SAMPLE = Path(__file__).parent / "files" / "playwright" / "playwright1.65-two-projects-flaky-timeout.json"
OUT = "/home/runner/work/shop/shop/test-results"


def parse(document: Any) -> list[Event]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("playwright", raw)


def report(*specs: dict[str, Any], projects: tuple[str, ...] = ("chromium",), **extra: Any) -> dict[str, Any]:
    return {"config": {"projects": [{"name": p} for p in projects]},
            "suites": [{"title": "a.spec.ts", "file": "a.spec.ts", "specs": list(specs), "suites": []}],
            "errors": [], "stats": {}, **extra}


def spec(title: str, *tests: dict[str, Any]) -> dict[str, Any]:
    return {"title": title, "ok": True, "tags": [], "file": "a.spec.ts", "line": 3, "tests": list(tests)}


def pw_test(
    status: str | None, *results: dict[str, Any], project: str = "chromium", expected: str = "passed"
) -> dict[str, Any]:
    found = {"projectName": project, "expectedStatus": expected, "annotations": [], "results": list(results)}
    if status is not None:
        found["status"] = status
    return found


def by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def test_tree_titles_with_projects_and_counts() -> None:
    events = parse_events("playwright", SAMPLE)
    tree = [(c.title, c.classification, c.parent.title if c.parent else None) for c in containers_of(events)]
    assert tree == [
        ("cart.spec.js", "File", None), ("cart", "Describe", "cart.spec.js"), ("checkout", "Describe", "cart"),
        ("receipt", "Describe", "cart"), ("smoke.spec.js", "File", None), ("cart", "Describe", "smoke.spec.js"),
    ]
    assert sorted(by_title(events)) == [
        "adds an item @smoke [api-eu]", "adds an item @smoke [api]", "currencies [api]", "flaky payment [api]",
        "known bug in rounding [api]", "total with discount [api]", "waits for the receipt [api]",
    ]
    assert count(events).as_dict() == {
        "count_total": 7, "count_passed": 5, "count_failed": 0, "count_broken": 1,
        "count_skipped": 1, "count_unknown": 0,
    }
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.properties == {"playwright_version": "1.65.1", "projects": ["api", "api-eu"]}
    assert meta.started_at == datetime(2026, 11, 23, 12, 39, 36, 484000, tzinfo=UTC)
    assert meta.duration == 8121


def test_flaky_retry_attempts_and_attachments() -> None:
    flaky = by_title(parse_events("playwright", SAMPLE))["flaky payment [api]"]
    assert flaky.status is Status.PASSED and flaky.flaky
    assert flaky.duration == 11  # the last try
    (attempt,) = flaky.attempts
    assert attempt == {"status": "failed", "retry": 0, "duration": 72,
                       "message": "Error: expect(received).toBeGreaterThan(expected)\n\nExpected: > 0\nReceived:   0"}
    assert flaky.stderr == "gateway answered on retry 1\n"  # ANSI colours removed
    assert [(a.tag, a.name) for a in flaky.assets] == [
        ("payment-log", "payment-log-a8c2e57b28af7b2bd31fd99305f2be5173855f50.log"),
        ("error-context", "error-context.md"),
        ("payment-log (retry 1)", "payment-log-a684d42c4840fedcdf422d7bbdc58246d2817593.log"),
    ]
    assert flaky.assets[1].path == f"{OUT}/cart-cart-checkout-flaky-payment-api/error-context.md"
    assert flaky.assets[1].mime_type == "text/markdown" and flaky.assets[1].data is None
    assert flaky.json_data["status"] == "flaky" and flaky.classname == "cart.spec.js"


def test_timeout_expected_failure_skip_body_attachment_and_tags() -> None:
    results = by_title(parse_events("playwright", SAMPLE))
    timeout = results["waits for the receipt [api]"]
    assert timeout.status is Status.BROKEN
    assert timeout.exception_description == "Test timeout of 2000ms exceeded."
    assert timeout.duration == 2013
    known = results["known bug in rounding [api]"]
    assert known.status is Status.PASSED  # test.fail() that failed
    assert known.properties == {"issue": "https://tracker.example.test/SHOP-17"}
    assert known.json_data["expectedStatus"] == "failed"
    assert known.exception_name == "Error" and known.exception_description is not None
    assert known.exception_description.startswith("expect(received).toBe(expected)")
    skipped = results["currencies [api]"]
    assert skipped.status is Status.SKIPPED and skipped.exception_description == "multi-currency lands in v2"
    (body,) = results["total with discount [api]"].assets
    assert (body.name, body.mime_type) == ("cart.json", "application/json")
    assert body.data == b'[{"name":"apple","price":3,"qty":3}]'
    smoke = results["adds an item @smoke [api-eu]"]
    assert smoke.tags == ["smoke", "fast"] and smoke.stdout == "cart has 1 item\n"


def test_single_project_has_no_suffix_and_missing_status_is_derived() -> None:
    events = parse(report(
        spec("passes", pw_test(None, {"status": "passed", "duration": 5})),
        spec("fails", pw_test(None, {"status": "failed",
                                     "error": {"message": "\x1b[31mboom\x1b[39m", "stack": "Error: boom\n at x"}})),
        spec("interrupted", pw_test("unexpected", {"status": "interrupted"})),
        spec("no results", pw_test(None)),
        spec("fail() passed", pw_test("unexpected", {"status": "passed"}, expected="failed")),
    ))
    results = by_title(events)
    assert {t: r.status for t, r in results.items()} == {
        "passes": Status.PASSED, "fails": Status.FAILED, "interrupted": Status.BROKEN,
        "no results": Status.UNKNOWN, "fail() passed": Status.FAILED,
    }
    assert results["fails"].exception_description == "boom"
    assert results["fails"].exception_backtrace == "Error: boom\n at x"


def test_one_spec_on_several_projects_without_config() -> None:
    events = parse({"suites": [{"title": "a.spec.ts", "specs": [spec(
        "t",
        pw_test("expected", {"status": "passed"}, project="chromium"),
        pw_test("skipped", {"status": "skipped"}, project="webkit"),
    )]}]})
    assert [(r.title, r.status) for r in results_of(events)] == [
        ("t [chromium]", Status.PASSED), ("t [webkit]", Status.SKIPPED)
    ]


def test_global_errors_steps_buffers_and_soft_assertions() -> None:
    steps = [{"title": "open", "duration": 3, "steps": [{"title": "goto", "duration": 2}]},
             {"title": "check", "duration": 1, "error": {"message": "expected 1"}}]
    buffer = base64.b64encode("grüße\n".encode()).decode()
    run = {"status": "failed", "duration": 9, "steps": steps, "stdout": [{"buffer": buffer}, "raw\n"],
           "errors": [{"message": "Error: soft one", "stack": "Error: soft one\n at a"},
                      {"message": "Error: soft two"}]}
    events = parse(report(spec("t", pw_test("unexpected", run)),
                          errors=[{"message": "Error: No tests found", "stack": "Error: No tests found\n at load"},
                                  {"message": "SyntaxError: Unexpected token"}]))
    t, first, second = results_of(events)
    assert [(s.title, s.status, len(s.steps)) for s in t.steps] == [
        ("open", Status.PASSED, 1), ("check", Status.FAILED, 0)
    ]
    assert t.steps[1].error == "expected 1"
    assert t.stdout == "grüße\nraw\n"
    assert t.exception_description == "soft one"
    assert t.exception_backtrace == "Error: soft one\n at a\n\nError: soft two"
    assert (first.title, first.status, first.container, first.exception_description) == (
        "Global error", Status.BROKEN, None, "No tests found"
    )
    assert (second.title, second.exception_name) == ("Global error 2", "SyntaxError")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"config": {}}, 'no "suites" array'),
        ({"suites": {}}, 'no "suites" array'),
        ({"suites": ["x"]}, r"suites\[0\]: expected an object, got 'x'"),
        ({"suites": [{"specs": [{"title": "t", "tests": {}}]}]}, r"suites\[0\]\.specs\[0\]\.tests: expected an array"),
        (report(spec("t", {"results": [[]]})),
         r"suites\[0\]\.specs\[0\]\.tests\[0\]\.results\[0\]: expected an object"),
        (report(spec("t", pw_test("unexpected", {"status": "failed", "error": "boom"}))),
         r"results\[0\]\.error: expected an object"),
        (report(spec("t", pw_test("expected", {"attachments": [{"name": "a", "body": "%%%"}]}))),
         r"attachments\[0\]\.body: not valid base64"),
        (report(spec("t", pw_test("expected", {"stdout": [{"x": 1}]}))),
         r"results\[0\]\.stdout\[0\]: expected \{text\} or \{buffer\}"),
        ({"config": {"projects": {}}, "suites": []}, r"config\.projects: expected an array"),
        ({"suites": [], "errors": [1]}, r"errors\[0\]: expected an object"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(document)


def test_deep_nesting_and_not_json_empty_truncated() -> None:
    suite: dict[str, Any] = {"title": "leaf", "specs": []}
    for depth in range(100):
        suite = {"title": f"d{depth}", "suites": [suite]}
    with pytest.raises(ParseError, match="nested deeper than 64"):
        parse({"suites": [suite]})
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(b"Running 7 tests using 1 worker")
    with pytest.raises(ParseError) as empty:
        parse(b"")
    assert empty.value.code == "empty_file"
    raw = SAMPLE.read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(raw[: len(raw) - 100])


def test_mutated_documents_raise_only_parse_errors() -> None:
    for label, mutated in mutations(json.loads(SAMPLE.read_text()), count=400):
        try:
            parse(mutated)
        except ParseError:
            pass
        except Exception as error:  # pragma: no cover - the failure message names the mutation
            pytest.fail(f"{label}: {type(error).__name__}: {error}")


def test_sniff_scores() -> None:
    playwright = get_format("playwright")
    raw = SAMPLE.read_bytes()
    assert playwright.sniff(raw) == 0.9
    assert playwright.sniff(raw[:1500]) == 0.9  # the config block alone
    assert playwright.sniff(b'{"suites": [{"specs": [{"tests": [{"projectName": "x"}]}]}]}') == 0.9
    assert playwright.sniff(b'{"stats": {}, "suites": {"title": ""}}') == 0.0  # mochawesome 1.x
