"""Jest JSON: a real `jest --json` report (Jest 30: describe nesting, skip, todo, retries, a suite
that failed to run), inline edge cases (an afterAll failure, ANSI colours, Vitest's shape) and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import get_format
from assay.formats.jest import SUITE_FAILED
from assay.model import Event, ReportMeta, Result, Status

from ._json_cases import mutations
from .helpers import containers_of, count, parse_events, results_of

SAMPLE = Path(__file__).parent / "files" / "jest" / "jest30-describe-todo-retry-suite-failed.json"
ROOT = "/home/runner/work/shop/shop/jest"


def parse(document: Any) -> list[Event]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("jest", raw)


def file(name: str, *tests: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "status": "passed", "message": "", "assertionResults": list(tests), **fields}


def by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def test_tree_of_files_and_describe_blocks() -> None:
    events = parse_events("jest", SAMPLE)
    tree = [(c.title, c.classification, c.parent.title if c.parent else None) for c in containers_of(events)]
    assert tree == [
        (f"{ROOT}/cart.test.js", "File", None),
        ("Cart", "Describe", f"{ROOT}/cart.test.js"),
        ("add", "Describe", "Cart"),
        ("total", "Describe", "Cart"),
        (f"{ROOT}/broken.test.js", "File", None),
    ]
    assert containers_of(events)[0].duration == 542  # endTime - startTime
    assert count(events).as_dict() == {
        "count_total": 9, "count_passed": 3, "count_failed": 3, "count_broken": 1,
        "count_skipped": 2, "count_unknown": 0,
    }
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.properties == {"success": False, "wasInterrupted": False}
    assert meta.started_at == datetime.fromtimestamp(1795437479.981, tz=UTC)


def test_statuses_messages_and_durations() -> None:
    results = by_title(parse_events("jest", SAMPLE))
    added = results["adds an item"]
    assert (added.status, added.duration, added.classname) == (Status.PASSED, 3, "Cart add adds an item")
    assert added.container is not None and added.container.title == "add"
    sums = results["sums price times quantity"]
    assert sums.status is Status.FAILED and sums.exception_name == "Error"
    assert sums.exception_description == (
        "expect(received).toBe(expected) // Object.is equality\n\nExpected: 12\nReceived: 11"
    )
    assert sums.exception_backtrace is not None
    assert f"at Object.toBe ({ROOT}/cart.test.js:20:28)" in sums.exception_backtrace
    fixture = results["reads a missing fixture"]
    assert fixture.exception_name == "TypeError"
    assert fixture.exception_description == "Cannot read properties of undefined (reading 'name')"
    assert fixture.container is not None and fixture.container.classification == "File"  # outside any describe
    assert (results["handles currencies"].status, results["handles currencies"].json_data) == (
        Status.SKIPPED, {"jest_status": "pending"}
    )
    assert results["rounds to cents"].json_data == {"jest_status": "todo"}
    assert results["rounds to cents"].duration is None


def test_retries_make_attempts_and_flaky() -> None:
    results = by_title(parse_events("jest", SAMPLE))
    flaky = results["flaky network stub eventually answers"]
    assert flaky.status is Status.PASSED and flaky.flaky and flaky.attempts == [{"status": "failed"}]
    failed = results["applies the HALF code"]
    assert not failed.flaky and len(failed.attempts) == 2  # three invocations, all failed
    assert not results["adds an item"].attempts


def test_suite_that_failed_to_run_is_one_broken_result() -> None:
    broken = by_title(parse_events("jest", SAMPLE))[SUITE_FAILED]
    assert broken.status is Status.BROKEN
    assert broken.container is not None and broken.container.title == f"{ROOT}/broken.test.js"
    assert broken.exception_description == "Cannot find module '../src/checkout' from 'jest/broken.test.js'"
    assert broken.exception_backtrace is not None
    assert broken.exception_backtrace.startswith("  ● Test suite failed to run")


def test_after_all_failure_with_passing_tests_and_ansi_colours() -> None:
    message = (
        "\x1b[1m\x1b[31m  \x1b[1m● \x1b[22m\x1b[1mCart › afterAll\x1b[39m\x1b[22m\n\n"
        "    TypeError: db.close is not a function"
    )
    events = parse({"numTotalTests": 1, "testResults": [
        file("/p/a.test.js", {"ancestorTitles": [], "title": "ok", "status": "passed"},
             status="failed", message=message)
    ]})
    ok, hook = results_of(events)
    assert ok.status is Status.PASSED
    assert (hook.title, hook.status, hook.exception_name) == (SUITE_FAILED, Status.BROKEN, "TypeError")
    assert hook.exception_description == "db.close is not a function"
    assert hook.exception_backtrace is not None and "\x1b" not in hook.exception_backtrace
    # A failed file whose failure a test explains gets no extra result.
    events = parse({"testResults": [file("/p/b.test.js", {"title": "bad", "status": "failed",
                                                            "failureMessages": ["Error: boom\n    at x (b.js:1:1)"]},
                                         status="failed", message="  ● bad\n\n    boom")]})
    assert [r.title for r in results_of(events)] == ["bad"]


def test_vitest_shape_and_loose_fields() -> None:
    events = parse({"numTotalTestSuites": 1, "numTotalTests": 3, "startTime": "garbage", "success": True,
                    "testResults": [{"name": "/src/sum.test.ts", "status": "passed", "startTime": 1, "endTime": "x",
                                     "assertionResults": [
                                         {"ancestorTitles": ["sum", "ints"], "fullName": "sum ints adds",
                                          "title": "adds", "status": "passed", "duration": 1.4,
                                          "location": {"line": 3, "column": 5}},
                                         {"ancestorTitles": ["sum", "ints"], "title": "x", "status": "disabled"},
                                         {"title": "focus", "status": "focused", "duration": None},
                                     ]}]})
    adds, disabled, focused = results_of(events)
    assert adds.duration == 1 and adds.json_data == {"location": {"line": 3, "column": 5}}
    assert adds.container is not None and adds.container.title == "ints"
    assert disabled.status is Status.SKIPPED and disabled.container is adds.container
    assert focused.status is Status.UNKNOWN and focused.json_data == {"jest_status": "focused"}
    assert containers_of(events)[0].duration is None
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.started_at is None
    # Vitest's "retryReasons" describe each earlier failure.
    retry = {"title": "r", "status": "passed", "retryReasons": ["Error: flaky\n    at t (a.js:1:1)"]}
    (retried,) = results_of(parse({"testResults": [file("/a.js", retry)]}))
    assert retried.flaky and retried.attempts == [{"status": "failed", "message": "Error: flaky"}]


def test_vitest_empty_file_level_title_makes_no_container() -> None:
    test = {"ancestorTitles": ["", "first test file"], "title": "adds", "status": "failed",
            "failureMessages": ["AssertionError: expected 5 to be 4"]}
    events = parse({"testResults": [file("/src/a.test.ts", test, status="failed")]})
    (result,) = results_of(events)
    assert [c.title for c in containers_of(events)] == ["/src/a.test.ts", "first test file"]
    assert result.container is not None and result.container.title == "first test file"
    assert result.container.parent is containers_of(events)[0]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"numTotalTests": 0}, 'no "testResults" array'),
        ({"testResults": {}}, 'no "testResults" array'),
        ({"testResults": [[]]}, r"testResults\[0\]: expected an object, got an array"),
        ({"testResults": [file("a", 3)]},  # type: ignore[arg-type]
         r"testResults\[0\]\.assertionResults\[0\]: expected an object"),
        ({"testResults": [file("a", {"title": "t", "ancestorTitles": "Cart"})]},
         r"testResults\[0\]\.assertionResults\[0\]\.ancestorTitles: expected an array"),
        ({"testResults": [file("a", {"title": "t", "ancestorTitles": [{}]})]},
         r"ancestorTitles\[0\]: expected a string, got an object"),
        ({"testResults": [file("a", {"title": "t", "failureMessages": "boom"})]},
         r"failureMessages: expected an array"),
        ({"testResults": [file("a", message={"m": 1})]}, r"testResults\[0\]\.message: expected a string"),
        ("[]", "the document: expected an object"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(document.encode() if isinstance(document, str) else document)


def test_not_json_empty_and_truncated() -> None:
    with pytest.raises(ParseError, match=r"line 1, column 1: not valid JSON"):
        parse(b"PASS src/a.test.js")
    with pytest.raises(ParseError) as empty:
        parse(b"")
    assert empty.value.code == "empty_file"
    raw = SAMPLE.read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(raw[:5000])


def test_mutated_documents_raise_only_parse_errors() -> None:
    for label, mutated in mutations(json.loads(SAMPLE.read_text())):
        try:
            parse(mutated)
        except ParseError:
            pass
        except Exception as error:  # pragma: no cover - the failure message names the mutation
            pytest.fail(f"{label}: {type(error).__name__}: {error}")


def test_sniff_scores() -> None:
    jest = get_format("jest")
    assert jest.sniff(SAMPLE.read_bytes()) == 0.9
    assert jest.sniff(b'{"testResults": [{"assertionResults": []}]}') == 0.6
    assert jest.sniff(b'{"testResults": []}') == 0.0
    assert jest.sniff(b'[{"numTotalTests": 1, "testResults": []}]') == 0.0
