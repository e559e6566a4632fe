"""CTRF JSON: a real jest-ctrf-json-reporter report (suite as "a > b"), a spec 1.0 report (suite
arrays, attachments, retries, screenshot), inline edge cases and bad input."""

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

FILES = Path(__file__).parent / "files" / "ctrf"
JEST = FILES / "jest-ctrf-json-reporter0.0.11-suite-string.json"
SPEC = FILES / "ctrf1.0-spec-attachments-retries.json"


def parse(document: Any) -> list[Event]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("ctrf", raw)


def doc(*tests: dict[str, Any], **results: Any) -> dict[str, Any]:
    return {"results": {"tool": {"name": "t"}, "summary": {}, "tests": list(tests), **results}}


def by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def test_jest_reporter_suite_strings_become_nested_containers() -> None:
    events = parse_events("ctrf", JEST)
    tree = [(c.title, c.classification, c.parent.title if c.parent else None) for c in containers_of(events)]
    assert tree == [
        ("cart.test.js", "Suite", None), ("Cart", "Suite", "cart.test.js"),
        ("add", "Suite", "Cart"), ("total", "Suite", "Cart"),
    ]
    assert count(events).as_dict() == {
        "count_total": 8, "count_passed": 3, "count_failed": 3, "count_broken": 0,
        "count_skipped": 1, "count_unknown": 1,
    }
    results = by_title(events)
    assert results["Cart add adds an item"].container is not None
    assert results["Cart add adds an item"].container.title == "add"
    assert results["Cart total handles currencies"].status is Status.SKIPPED  # pending
    assert results["Cart total rounds to cents"].status is Status.UNKNOWN  # other (rawStatus todo)
    sums = results["Cart total sums price times quantity"]
    assert sums.exception_name == "Error"
    assert sums.exception_description == (
        "expect(received).toBe(expected) // Object.is equality\n\nExpected: 12\nReceived: 11"
    )
    assert sums.exception_backtrace is not None and sums.exception_backtrace.startswith("at Object.toBe (")
    assert sums.json_data["retries"] == 2 and sums.attempts == [{"status": "failed"}, {"status": "failed"}]
    flaky = results["flaky network stub eventually answers"]
    assert flaky.flaky and flaky.status is Status.PASSED and flaky.attempts == [{"status": "failed"}]
    assert flaky.container is not None and flaky.container.title == "cart.test.js"
    assert results["reads a missing fixture"].exception_name == "TypeError"
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.properties["tool"] == "jest" and meta.properties["generatedBy"] == "jest-ctrf-json-reporter"
    assert meta.duration == 501 and meta.started_at == datetime(2026, 11, 23, 12, 39, 47, 930000, tzinfo=UTC)


def test_spec_1_0_report_fields() -> None:
    events = parse_events("ctrf", SPEC)
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.title == "Nightly e2e – main"
    assert meta.build == "1287" and meta.os == "linux"
    assert meta.duration == 42_500
    assert meta.properties["tool_version"] == "1.56.1" and meta.properties["branchName"] == "main"
    assert meta.properties["extra"] == {"region": "eu-west-1"}
    assert [c.title for c in containers_of(events)] == [
        "auth/login.spec.ts", "Login", "checkout/pay.spec.ts", "checkout/currency.spec.ts"
    ]
    results = by_title(events)
    signin = results["signs in with a valid password"]
    assert signin.tags == ["smoke", "auth"]
    assert signin.properties == {"owner": "team-identity", "priority": "P1"}
    assert signin.stdout == "navigating to /login\nsession cookie set"
    assert signin.json_data["browser"] == "chromium" and signin.json_data["line"] == 12
    assert signin.duration == 1840


def test_failure_attachments_screenshot_and_steps() -> None:
    locks = by_title(parse_events("ctrf", SPEC))["locks the account after three failures"]
    assert locks.status is Status.FAILED
    assert locks.exception_description is not None
    assert locks.exception_description.startswith("expect(locator).toHaveText(expected)")
    assert locks.stderr == "[warn] slow network: 1200 ms"
    assert [(a.name, a.path, a.tag, a.mime_type) for a in locks.assets[:2]] == [
        ("test-failed-1.png", "test-results/login-locks-chromium/test-failed-1.png", "screenshot", "image/png"),
        ("trace.zip", "test-results/login-locks-chromium/trace.zip", "trace", "application/zip"),
    ]
    screenshot = locks.assets[2]
    assert screenshot.name == "screenshot.png" and screenshot.data is not None
    assert screenshot.data.startswith(b"\x89PNG")
    assert [(s.title, s.status) for s in locks.steps] == [
        ("open /login", Status.PASSED), ("submit three wrong passwords", Status.PASSED),
        ("see the lock banner", Status.FAILED),
    ]
    assert locks.json_data["parameters"] == {"user": "ann@example.test"}
    assert locks.json_data["snippet"].startswith("  43 |")


def test_retry_attempts_flaky_broken_and_other() -> None:
    results = by_title(parse_events("ctrf", SPEC))
    pay = results["pays with a saved card"]
    assert pay.flaky and pay.status is Status.PASSED
    assert pay.attempts == [{
        "status": "failed", "message": "Error: payment gateway timeout",
        "trace": "Error: payment gateway timeout\n    at pay (tests/checkout/pay.spec.ts:18:11)",
        "duration": 2950, "attempt": 1,
    }]
    timeout = results["waits for the receipt e-mail"]
    assert timeout.status is Status.BROKEN  # failed, rawStatus timedOut
    assert timeout.exception_description == "Test timeout of 30000ms exceeded."
    assert results["shows prices in yen"].exception_description == "multi-currency lands in v2"
    other = results["exports the order as PDF – ünïcødé"]
    assert other.status is Status.UNKNOWN and other.json_data["extra"] == {"note": "run cancelled by the CI job"}


def test_minimal_and_loose_documents() -> None:
    events = parse(doc({"name": "a", "status": "passed", "duration": "12.6"}, {"status": "weird"}, {"name": 5}))
    a, second, third = results_of(events)
    assert (a.title, a.status, a.duration, a.container) == ("a", Status.PASSED, 13, None)
    assert (second.title, second.status) == ("test 2", Status.UNKNOWN)
    assert third.title == "5" and third.duration is None
    data_uri = "data:image/jpeg;base64,/9j/4AAQ"
    (shot,) = results_of(parse(doc({"name": "s", "status": "failed", "screenshot": data_uri})))
    assert shot.assets[0].name == "screenshot.jpeg" and shot.assets[0].mime_type == "image/jpeg"
    (meta,) = [e for e in parse(doc()) if isinstance(e, ReportMeta)]
    assert meta.properties == {"tool": "t"} and meta.started_at is None and meta.duration is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"results": []}, 'no "results" object'),
        ({"tool": {"name": "x"}, "tests": []}, 'no "results" object'),
        ({"results": {"tool": {}, "tests": {}}}, 'no "tests" array'),
        (doc(7), r"results\.tests\[0\]: expected an object, got 7"),  # type: ignore[arg-type]
        (doc({"name": "a", "suite": {"x": 1}}), r"results\.tests\[0\]\.suite: expected an array of suite names"),
        (doc({"name": "a", "attachments": {}}), r"results\.tests\[0\]\.attachments: expected an array"),
        (doc({"name": "a", "steps": ["x"]}), r"results\.tests\[0\]\.steps\[0\]: expected an object"),
        (doc({"name": "a", "screenshot": "***"}), r"results\.tests\[0\]\.screenshot: not valid base64"),
        (doc({"name": {"x": 1}}), r"results\.tests\[0\]\.name: expected a string"),
        (doc(environment=[1]), r"results\.environment: expected an object"),
        ([], "the document: expected an object"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(document)


def test_not_json_empty_and_truncated() -> None:
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(b"results: none")
    with pytest.raises(ParseError) as empty:
        parse(b"\xef\xbb\xbf")
    assert empty.value.code == "empty_file"
    raw = SPEC.read_bytes()
    with pytest.raises(ParseError, match=r"line \d+, column \d+: not valid JSON"):
        parse(raw[:-40])


@pytest.mark.parametrize("path", [JEST, SPEC], ids=lambda p: p.name)
def test_mutated_documents_raise_only_parse_errors(path: Path) -> None:
    for label, mutated in mutations(json.loads(path.read_text())):
        try:
            parse(mutated)
        except ParseError:
            pass
        except Exception as error:  # pragma: no cover - the failure message names the mutation
            pytest.fail(f"{label}: {type(error).__name__}: {error}")


def test_sniff_scores() -> None:
    ctrf = get_format("ctrf")
    assert ctrf.sniff(JEST.read_bytes()) == 0.95
    assert ctrf.sniff(b'{"results": {"tool": {"name": "mocha"}, "summary": {}, "tests": [') == 0.9
    assert ctrf.sniff(b'{"stats": {}, "results": [{"uuid": "x", "tool": {}}]}') == 0.0  # mochawesome
    assert ctrf.sniff(b'{"tool": {"name": "x"}}') == 0.0
