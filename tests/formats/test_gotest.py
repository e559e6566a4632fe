"""go test -json: a real Go 1.19 run captured with 2>&1 (a plain-text build failure between the
events, a panic, a -timeout), a Go 1.24/1.25 stream (build events, attr, a TestMain failure),
streaming, truncation and bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import get_format
from assay.formats.gotest import BUILD_FAILED, PACKAGE_FAILED
from assay.model import Container, Event, ReportMeta, Result, Status

from ._json_cases import mutations
from .helpers import containers_of, count, parse_events, results_of

FILES = Path(__file__).parent / "files" / "gotest"
GO119 = FILES / "go1.19-build-failed-panic-timeout-2to1.json"
GO124 = FILES / "go1.24-build-events-attr-testmain.json"
SHOP = "example.com/shop"


def lines(*events: dict[str, Any] | str) -> bytes:
    return "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events).encode()


def parse(raw: bytes) -> list[Event]:
    return parse_events("gotest", raw)


def by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def test_go119_packages_statuses_and_counts() -> None:
    events = parse_events("gotest", GO119)
    assert [(c.title, c.classification, c.parent) for c in containers_of(events)] == [
        (f"{SHOP}/checkout", "Package", None), (f"{SHOP}/cart", "Package", None),
        (f"{SHOP}/ledger", "Package", None), (f"{SHOP}/slow", "Package", None),
    ]  # example.com/shop/notes has no test files: no container
    assert count(events).as_dict() == {
        "count_total": 13, "count_passed": 7, "count_failed": 2, "count_broken": 3,
        "count_skipped": 1, "count_unknown": 0,
    }
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.started_at == datetime(2026, 11, 23, 12, 43, 38, 855970, tzinfo=UTC)
    assert meta.finished_at == datetime(2026, 11, 23, 12, 43, 41, 62014, tzinfo=UTC)
    assert containers_of(events)[3].duration == 2005


def test_go119_subtests_messages_and_output() -> None:
    results = by_title(parse_events("gotest", GO119))
    three = results["TestTotal/three"]
    assert three.status is Status.FAILED and three.json_data == {"parent": "TestTotal"}
    assert three.exception_description == "cart_test.go:34: Total() = 9, want 10"
    assert three.exception_backtrace == "cart_test.go:34: Total() = 9, want 10"
    assert three.container is not None and three.container.title == f"{SHOP}/cart"
    parent = results["TestTotal"]
    assert parent.status is Status.FAILED and parent.exception_description == "failed subtests: three"
    assert results["TestAdd"].stdout == "cart_test.go:13: cart holds 1 item"  # framing lines dropped, dedented
    assert results["TestPrintsToStdout"].stdout == "a line from fmt.Println"
    assert results["TestPay"].stdout is None
    skipped = results["TestCurrencies"]
    assert skipped.status is Status.SKIPPED
    assert skipped.exception_description == "cart_test.go:41: currencies land in v2"
    assert results["TestAdd"].classname == f"{SHOP}/cart"


def test_go119_panic_timeout_and_plain_text_build_failure() -> None:
    results = by_title(parse_events("gotest", GO119))
    panic = results["TestRefundPanics"]
    assert panic.status is Status.BROKEN and panic.exception_name == "panic"
    assert panic.exception_description == "panic: assignment to entry in nil map [recovered]"
    assert panic.exception_backtrace is not None and "checkout_test.go:13" in panic.exception_backtrace
    timeout = results["TestWaitsForever"]  # no pass/fail event: the package failed around it
    assert timeout.status is Status.BROKEN and timeout.duration is None
    assert timeout.exception_description == "panic: test timed out after 2s"
    build = results[BUILD_FAILED]
    assert build.status is Status.BROKEN
    assert build.container is not None and build.container.title == f"{SHOP}/ledger"
    assert build.exception_description == "ledger/ledger_test.go:6:18: undefined: undefinedExpected"
    assert build.exception_backtrace == (
        f"# {SHOP}/ledger [{SHOP}/ledger.test]\n"
        "ledger/ledger_test.go:6:18: undefined: undefinedExpected\n"
        f"FAIL\t{SHOP}/ledger [build failed]"
    )


def test_go124_build_events_attr_and_package_failure() -> None:
    events = parse_events("gotest", GO124)
    assert [c.title for c in containers_of(events)] == [f"{SHOP}/cart", f"{SHOP}/ledger", f"{SHOP}/db"]
    cart, ledger, db = containers_of(events)
    assert (cart.duration, db.duration) == (1262, 34)
    results = by_title(events)
    assert results["TestAdd"].properties == {"issue": "SHOP-17"}
    assert results["TestAdd"].stdout == "cart_test.go:13: cart holds 1 item"  # "=== ATTR" is framing too
    assert results["TestSlowRetry"].duration == 1250
    build = results[BUILD_FAILED]
    assert build.container is ledger
    assert build.exception_description == "ledger/ledger_test.go:6:18: undefined: undefinedExpected"
    assert build.exception_backtrace is not None and build.exception_backtrace.startswith(f"# {SHOP}/ledger [")
    package = results[PACKAGE_FAILED]  # TestMain failed after every test passed
    assert package.container is db and package.status is Status.BROKEN
    assert package.exception_description == "main_test.go:21: 2 connections still open after the tests"
    assert results["TestQuery"].status is Status.PASSED


class _CountingStream(io.RawIOBase):
    """A stream that counts the lines handed out, to show the parser reads as it yields."""

    def __init__(self, raw: bytes) -> None:
        self._lines = raw.splitlines(keepends=True)
        self.consumed = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self._lines:
            self.consumed += 1
            yield line

    def readable(self) -> bool:
        return True


def test_streams_line_by_line() -> None:
    stream = _CountingStream(GO119.read_bytes())
    events = get_format("gotest").parse(stream, {})  # type: ignore[arg-type]
    first = next(e for e in events if isinstance(e, Result))
    assert first.title == "TestPay" and stream.consumed == 4
    assert sum(1 for _ in events) > 10


def test_test2json_without_package_puts_results_at_the_top() -> None:
    events = parse(lines({"Action": "start"}, {"Action": "run", "Test": "TestA"},
                         {"Action": "output", "Test": "TestA", "Output": "=== RUN   TestA\n"},
                         {"Action": "pass", "Test": "TestA", "Elapsed": 0.25}, {"Action": "pass"}))
    assert containers_of(events) == []
    (a,) = results_of(events)
    assert (a.title, a.status, a.duration, a.container) == ("TestA", Status.PASSED, 250, None)
    assert [e for e in events if isinstance(e, ReportMeta)] == []  # no Time in these events


def test_truncated_streams() -> None:
    raw = GO119.read_bytes()
    cut = raw.index(b'"Action":"fail","Package":"example.com/shop/cart","Test":"TestTotal/three"')
    with pytest.raises(ParseError, match=r"line \d+, column \d+: not valid JSON \(a truncated line\?\)"):
        parse(raw[: cut + 20])
    # Cut at a line end: tests without an outcome are UNKNOWN, the rest stays.
    events = parse(raw[: raw.index(b"\n", cut) + 1])
    unknown = [r.title for r in results_of(events) if r.status is Status.UNKNOWN]
    assert unknown == ["TestRefundPanics", "TestTotal"]
    assert by_title(events)["TestTotal"].exception_description == "the log ends before the test did"
    assert by_title(events)["TestTotal/three"].status is Status.FAILED


def test_unfinished_tests_of_a_passing_package_are_unknown() -> None:
    events = parse(lines({"Action": "run", "Package": "p", "Test": "TestHang"}, {"Action": "pass", "Package": "p"}))
    (hang,) = results_of(events)
    assert hang.status is Status.UNKNOWN


def test_plain_text_before_the_first_event_and_not_go_output() -> None:
    events = parse(b"go: downloading example.com/dep v1.0.0\n" + lines({"Action": "run", "Package": "p", "Test": "T"},
                                                                       {"Action": "fail", "Package": "p", "Test": "T"}))
    (t,) = results_of(events)
    assert t.status is Status.FAILED and t.exception_description == "--- FAIL: T"
    with pytest.raises(ParseError, match="no test2json event found"):
        parse(b"ok  \texample.com/shop/cart\t0.01s\nFAIL\texample.com/shop/ledger [build failed]\n")
    with pytest.raises(ParseError) as empty:
        parse(b"\n\n")
    assert empty.value.code == "empty_file"
    with pytest.raises(ParseError, match=r"line 1: not go test -json output: expected one JSON event per line"):
        parse(b'{\n  "Action": "run"\n}\n')


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (lines({"Action": "run", "Package": "p", "Test": 7}), r"line 1: Test: expected a string, got 7"),
        (lines({"Package": "p"}), r'line 1: not a test2json event: no "Action"'),
        (lines({"Action": ["run"]}), r"line 1: Action: expected a string"),
        (lines({"Action": "start", "Package": "p"}, "[1, 2]", {"Action": "pass", "Package": 5}),
         r"line 3: Package: expected a string, got 5"),
        (lines({"Action": "output", "Package": "p", "Output": {"x": 1}}), r"line 1: Output: expected a string"),
        (b'{"Action":"run"}\n{"Action": "pass", "Test": "T"', r"line 2, column \d+: not valid JSON"),
    ],
)
def test_wrong_shapes_name_the_line(raw: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(raw)


def test_mutated_events_raise_only_parse_errors() -> None:
    events = [json.loads(line) for line in GO124.read_bytes().splitlines() if line.startswith(b"{")]
    for label, mutated in mutations(events, count=400):
        raw = b"".join(json.dumps(e).encode() + b"\n" for e in (mutated if isinstance(mutated, list) else [mutated]))
        try:
            parse(raw)
        except ParseError:
            pass
        except Exception as error:  # pragma: no cover - the failure message names the mutation
            pytest.fail(f"{label}: {type(error).__name__}: {error}")


def test_sniff_scores() -> None:
    fmt = get_format("gotest")
    assert fmt.sniff(GO119.read_bytes()) == 0.9
    assert fmt.sniff(GO124.read_bytes()) == 0.9  # starts with an ImportPath build event
    assert fmt.sniff(b'go: downloading x v1\n{"Action":"start","Package":"p"}\n') == 0.9
    assert fmt.sniff(b'{"Action":"start"}\n') == 0.9
    assert fmt.sniff(b'{"Time":"2024-01-01T00:00:00Z","Action":"launch"}\n') == 0.0
    assert fmt.sniff(b'{"tests": [], "Action": "run"}') == 0.0
    assert isinstance(containers_of(parse(lines({"Action": "run", "Package": "p", "Test": "T"})))[0], Container)
