"""Mocha JSON: real reports of mocha 12's `--reporter json` and of mochawesome 8 (hooks that fail,
pending tests, a timeout, unicode), mochawesome 1.x and Cypress shapes, and bad input."""

from __future__ import annotations

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

FILES = Path(__file__).parent / "files" / "mocha"
MOCHA = FILES / "mocha12-json-reporter-hook-failure.json"
AWESOME = FILES / "mochawesome8-nested-hooks-unicode.json"
CART = "/home/runner/work/shop/shop/mocha/cart.spec.js"
HOOK = '"before all" hook for "lists stock"'


def parse(document: Any) -> list[Event]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("mocha", raw)


def by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def tree(events: list[Event]) -> list[tuple[str, str | None, str | None]]:
    return [(c.title, c.classification, c.parent.title if c.parent else None) for c in containers_of(events)]


# -- mocha --reporter json -------------------------------------------------------------------------


def test_mocha_json_statuses_from_membership() -> None:
    events = parse_events("mocha", MOCHA)
    assert count(events).as_dict() == {
        "count_total": 10, "count_passed": 4, "count_failed": 2, "count_broken": 2,
        "count_skipped": 2, "count_unknown": 0,
    }
    results = by_title(events)
    assert results["adds an item"].status is Status.PASSED
    assert results["handles currencies"].status is Status.SKIPPED  # it('...') without a body
    assert results["rounds to cents"].status is Status.SKIPPED  # it.skip
    assert "lists stock" not in results  # its before-all hook failed: it never ran
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.started_at == datetime(2026, 11, 23, 12, 38, 16, 352000, tzinfo=UTC) and meta.duration == 27


def test_mocha_json_containers_files_and_suite_paths() -> None:
    events = parse_events("mocha", MOCHA)
    assert tree(events) == [
        (CART, "File", None), ("Cart #add()", "Suite", CART), ("Cart #total()", "Suite", CART),
        ("Checkout", "Suite", CART), ("/home/runner/work/shop/shop/mocha/user.spec.js", "File", None),
        ("User", "Suite", "/home/runner/work/shop/shop/mocha/user.spec.js"), ("Inventory", "Suite", CART),
    ]
    results = by_title(events)
    assert results["sums price times quantity"].classname == "Cart #total()"
    assert results["greets in unicode: héllo wörld ✓"].container is not None
    assert results["greets in unicode: héllo wörld ✓"].container.title == "User"


def test_mocha_json_failures_hooks_timeouts_and_retries() -> None:
    results = by_title(parse_events("mocha", MOCHA))
    sums = results["sums price times quantity"]
    assert sums.status is Status.FAILED and sums.exception_name == "AssertionError"
    assert sums.exception_description == "Expected values to be strictly equal:\n\n11 !== 12"
    assert sums.exception_backtrace is not None
    assert sums.exception_backtrace.startswith("AssertionError [ERR_ASSERTION]: Expected values")
    assert (sums.json_data["actual"], sums.json_data["expected"]) == ("11", "12")
    hook = results[HOOK]
    assert hook.status is Status.BROKEN and hook.exception_description == "database not reachable"
    assert hook.container is not None and hook.container.title == "Inventory"
    timeout = results["times out waiting for the receipt"]
    assert timeout.status is Status.BROKEN and timeout.exception_description is not None
    assert timeout.exception_description.startswith("Timeout of 20ms exceeded.")
    retried = results["retries a slow payment gateway"]
    assert retried.status is Status.PASSED and retried.flaky
    assert retried.attempts == [{"status": "failed"}] and retried.json_data["currentRetry"] == 1


def test_mocha_json_without_tests_list_and_duplicate_titles() -> None:
    failure = {"title": "t", "fullTitle": "S t", "duration": 1, "err": {"message": "boom", "stack": "Error: boom"}}
    events = parse({"stats": {}, "failures": [failure], "passes": [{"title": "p", "fullTitle": "S p"}]})
    assert {r.title: r.status for r in results_of(events)} == {"p": Status.PASSED, "t": Status.FAILED}
    same = {"title": "t", "fullTitle": "S t", "file": "a.js"}
    events = parse({"stats": {}, "tests": [same, same, same], "failures": [same], "pending": [same], "passes": [same]})
    assert [r.status for r in results_of(events)] == [Status.FAILED, Status.SKIPPED, Status.PASSED]


# -- mochawesome -----------------------------------------------------------------------------------


def test_mochawesome_tree_statuses_and_meta() -> None:
    events = parse_events("mocha", AWESOME)
    assert tree(events) == [
        ("/mocha/cart.spec.js", "File", None), ("Cart", "Suite", "/mocha/cart.spec.js"),
        ("#add()", "Suite", "Cart"), ("#total()", "Suite", "Cart"),
        ("Checkout", "Suite", "/mocha/cart.spec.js"), ("Inventory", "Suite", "/mocha/cart.spec.js"),
        ("/mocha/user.spec.js", "File", None), ("User", "Suite", "/mocha/user.spec.js"),
    ]
    assert count(events).as_dict() == {
        "count_total": 11, "count_passed": 4, "count_failed": 2, "count_broken": 2,
        "count_skipped": 3, "count_unknown": 0,
    }
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.properties == {"mocha_version": "12.0.3", "mochawesome_version": "8.1.1", "marge_version": "6.3.2"}
    assert meta.duration == 31


def test_mochawesome_failures_hooks_and_skips() -> None:
    results = by_title(parse_events("mocha", AWESOME))
    sums = results["sums price times quantity"]
    assert sums.exception_name == "AssertionError"
    assert sums.exception_description is not None and sums.exception_description.startswith("Expected values to be")
    assert sums.json_data["diff"].startswith("- 11\n+ 12") and "cart.add('melon', 5);" in sums.json_data["code"]
    assert sums.classname == "Cart #total()"
    hook = results[HOOK]
    assert hook.status is Status.BROKEN and hook.exception_name == "Error"
    assert hook.exception_description == "database not reachable"
    assert hook.exception_backtrace is not None and "cart.spec.js:42:11" in hook.exception_backtrace
    lists = results["lists stock"]
    assert lists.status is Status.SKIPPED and lists.json_data["skipped_by"] == "a failed hook"
    assert results["times out waiting for the receipt"].status is Status.BROKEN
    assert results["greets in unicode: héllo wörld ✓"].status is Status.FAILED


def test_mochawesome_cypress_roots_context_assets_and_hooks_in_tests() -> None:
    context = json.dumps([{"title": "screenshot", "value": "cypress/screenshots/login -- fails.png"},
                          {"title": "note", "value": "plain text"}, "https://ci.example.test/videos/login.mp4"])
    spec = {
        "uuid": "r1", "title": "", "file": "cypress/e2e/login.cy.js", "fullFile": "cypress/e2e/login.cy.js",
        "root": True, "rootEmpty": True, "beforeHooks": [], "afterHooks": [], "tests": [],
        "suites": [{"uuid": "s1", "title": "Login", "file": "", "tests": [
            {"title": "fails", "fullTitle": "Login fails", "state": "failed", "pass": False, "fail": True,
             "pending": False, "duration": 1200, "context": context, "uuid": "t1",
             "err": {"message": "AssertionError: Timed out retrying after 4000ms", "estack": "AssertionError: ..."}},
            {"title": '"after each" hook for "fails"', "state": "failed", "isHook": True, "fail": True, "uuid": "h1",
             "err": {"message": "Error: cleanup failed", "estack": "Error: cleanup failed\n    at x"}},
            {"title": '"before each" hook', "state": "passed", "isHook": True, "pass": True, "uuid": "h2"},
        ], "afterHooks": [{"title": '"after each" hook for "fails"', "state": "failed", "uuid": "h1", "err": {}}],
            "suites": []}],
    }
    events = parse({"stats": {"passPercent": 0}, "results": [spec]})
    assert tree(events) == [("cypress/e2e/login.cy.js", "File", None), ("Login", "Suite", "cypress/e2e/login.cy.js")]
    fails, hook = results_of(events)  # the passed hook is no test; the failed one is reported once
    assert fails.exception_description == "Timed out retrying after 4000ms"
    assert [(a.name, a.path, a.tag) for a in fails.assets] == [
        ("login -- fails.png", "cypress/screenshots/login -- fails.png", "screenshot"),
        ("login.mp4", "https://ci.example.test/videos/login.mp4", None),
    ]
    assert fails.json_data["context"][1] == {"title": "note", "value": "plain text"}
    assert (hook.title, hook.status, hook.exception_description) == (
        '"after each" hook for "fails"', Status.BROKEN, "cleanup failed"
    )


def test_mochawesome_1x_single_suites_object() -> None:
    events = parse({"stats": {"suites": 1, "passPercent": 50}, "suites": {"title": "", "suites": [
        {"title": "Master", "tests": [
            {"title": "ok", "fullTitle": "Master ok", "state": "passed", "pass": True, "duration": 1},
            {"title": "pend", "fullTitle": "Master pend", "pass": False, "fail": False, "pending": True},
            {"title": "?", "pass": False, "fail": False, "pending": False},
        ], "suites": []}]}})
    assert tree(events) == [("Master", "Suite", None)]
    assert [r.status for r in results_of(events)] == [Status.PASSED, Status.SKIPPED, Status.UNKNOWN]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"stats": {}}, "not a Mocha JSON file"),
        ({"stats": {}, "tests": {}}, "not a Mocha JSON file"),
        ({"stats": [], "tests": []}, r"stats: expected an object"),
        ({"stats": {}, "tests": [None]}, r"tests\[0\]: expected an object, got null"),
        ({"stats": {}, "tests": [], "failures": [{"title": "hook", "err": "boom"}]},
         r"failures\[0\]\.err: expected an object"),
        ({"stats": {}, "tests": [{"title": "t", "fullTitle": {"a": 1}}]}, r"tests\[0\]\.fullTitle: expected a string"),
        ({"stats": {}, "results": [{"tests": [{"title": "t", "state": "failed", "err": []}]}]},
         r"results\[0\]\.tests\[0\]\.err: expected an object"),
        ({"stats": {}, "results": [{"suites": {"title": "x"}}]}, r"results\[0\]\.suites: expected an array"),
        ({"stats": {}, "results": [{"title": ["a"], "suites": []}]}, None),  # a list of strings is text
        ({"stats": {}, "results": [{"title": [{}], "suites": []}]}, r"results\[0\]\.title: expected a string"),
        ({"stats": {}, "rootSuite": []}, r"rootSuite: expected an object"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, message: str | None) -> None:
    if message is None:
        parse(document)
        return
    with pytest.raises(ParseError, match=message):
        parse(document)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    suite: dict[str, Any] = {"title": "leaf", "tests": [], "suites": []}
    for depth in range(200):
        suite = {"title": f"s{depth}", "tests": [], "suites": [suite]}
    with pytest.raises(ParseError, match="nested deeper than 64"):
        parse({"stats": {}, "results": [suite]})


def test_not_json_empty_and_truncated() -> None:
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(b"  1 passing (3ms)\n")
    with pytest.raises(ParseError) as empty:
        parse(b"\n\n")
    assert empty.value.code == "empty_file"
    for path in (MOCHA, AWESOME):
        raw = path.read_bytes()
        with pytest.raises(ParseError, match="not valid JSON"):
            parse(raw[: len(raw) * 2 // 3])


@pytest.mark.parametrize("path", [MOCHA, AWESOME], ids=lambda p: p.name)
def test_mutated_documents_raise_only_parse_errors(path: Path) -> None:
    for label, mutated in mutations(json.loads(path.read_text())):
        try:
            parse(mutated)
        except ParseError:
            pass
        except Exception as error:  # pragma: no cover - the failure message names the mutation
            pytest.fail(f"{label}: {type(error).__name__}: {error}")


def test_sniff_scores() -> None:
    mocha = get_format("mocha")
    assert mocha.sniff(MOCHA.read_bytes()) == 0.9
    assert mocha.sniff(AWESOME.read_bytes()) == 0.9
    assert mocha.sniff(b'{"stats": {"suites": 1}, "tests": [{"title": "t", "fullTitle": "S t"') == 0.9
    assert mocha.sniff(b'{"stats": {"expected": 1}, "suites": [{"specs": []}]}') == 0.0  # Playwright
    assert mocha.sniff(b'{"tests": [], "passes": []}') == 0.0  # no stats
