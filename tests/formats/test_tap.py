"""TAP reader: the sample streams in files/tap (node-tap, Test::More, tape, Catch2, bail out,
truncated), plus small inline streams for each rule of the TAP 12/13/14 grammar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.errors import ParseError
from assay.formats import detect, get_format
from assay.formats.tap import sniff
from assay.model import Container, ReportMeta, Result, Status
from tests.formats.helpers import CORPUS, containers_of, count, parse_events, results_of

FILES = Path(__file__).resolve().parent / "files" / "tap"
SAMPLES = sorted(p for p in FILES.glob("*.tap"))
OTHER_FILES = sorted(
    p for p in [*CORPUS.rglob("*"), *FILES.parent.rglob("*")]
    if p.is_file() and p.suffix != ".md" and p.name != "expected.json" and FILES not in p.parents
)


def tap(text: str | bytes) -> list[object]:
    return parse_events("tap", text.encode() if isinstance(text, str) else text)


def sample(name: str) -> list[object]:
    return parse_events("tap", FILES / name)


def by_title(events: list[object]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


# -- the sample streams ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_are_detected_as_tap_and_keep_parents_first(path: Path) -> None:
    data = path.read_bytes()
    assert detect(data[:65536], path.name).name == "tap"
    seen: set[int] = set()
    for event in tap(data):
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            assert event.title and event.classification == "Subtest"
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is None or id(event.container) in seen


def test_node_tap_subtests_become_nested_containers() -> None:
    events = sample("node-tap-18-tap14-subtests.tap")
    containers = {c.title: c for c in containers_of(events)}
    assert list(containers) == ["test/cart.test.js", "adding items", "checkout", "test/money.test.js"]
    assert containers["adding items"].parent is containers["test/cart.test.js"]
    assert containers["test/money.test.js"].parent is None
    # the closing test points of subtests are not tests: 4 + 3 + 2 results
    got = count(events)
    assert (got.total, got.passed, got.failed, got.skipped, got.broken) == (9, 6, 1, 2, 0)
    results = by_title(events)
    assert results["adds one item"].duration == 1  # "# time=1.204ms"
    assert containers["test/cart.test.js"].duration == 412
    assert containers["adding items"].duration == 15
    assert [m.properties for m in events if isinstance(m, ReportMeta)] == [{"tap.version": "14"}]


def test_node_tap_yaml_diagnostic_fills_the_failure() -> None:
    failed = by_title(sample("node-tap-18-tap14-subtests.tap"))["total includes tax"]
    assert failed.status is Status.FAILED
    assert failed.exception_description == "wanted: 108\nfound: 100"
    assert failed.exception_backtrace.splitlines()[:2] == [
        "at: test/cart.test.js:27",
        "Test.<anonymous> (test/cart.test.js:27:7)",
    ]
    diagnostic = failed.json_data["diagnostic"]
    assert diagnostic["found"] == 100 and diagnostic["wanted"] == 108 and diagnostic["compare"] == "==="
    assert diagnostic["diff"].startswith("--- expected\n+++ actual\n")
    assert failed.json_data["number"] == 3


VITEST_BUFFERED = """TAP version 13
1..1
not ok 1 - tests/cart.test.ts # time=20.00ms {
    1..1
    not ok 1 - cart # time=18.00ms {
        1..3
        not ok 1 - adds an item # time=12.00ms
            ---
            error:
                name: "AssertionError"
                message: "expected 2 to be 3"
            at: "/src/tests/cart.test.ts:9:17"
            actual: "2"
            expected: "3"
            ...
        ok 2 - empties # time=1.00ms
        ok 3 - later # SKIP
    }
}
"""


def test_vitest_buffered_subtests_in_braces() -> None:
    events = tap(VITEST_BUFFERED)
    file, describe = containers_of(events)
    assert (file.title, describe.title, describe.parent) == ("tests/cart.test.ts", "cart", file)
    assert file.duration == 20 and describe.duration == 18
    results = results_of(events)
    assert [(r.title, r.status, r.container) for r in results] == [
        ("adds an item", Status.FAILED, describe),
        ("empties", Status.PASSED, describe),
        ("later", Status.SKIPPED, describe),
    ]
    failed = results[0]
    assert failed.exception_name == "AssertionError"
    assert failed.exception_description == "expected 2 to be 3"
    assert failed.exception_backtrace == "at: /src/tests/cart.test.ts:9:17"
    assert failed.stdout is None  # the YAML block is read, not kept as output


def test_vitest_flat_yaml_indented_four_spaces() -> None:
    events = tap(
        "TAP version 13\n1..2\n"
        "not ok 1 - a.test.ts > suite > adds # time=3.00ms\n"
        "    ---\n    error:\n        name: \"TypeError\"\n        message: \"x is undefined\"\n    ...\n"
        "ok 2 - a.test.ts > suite > removes # time=0.00ms\n"
    )
    failed, passed = results_of(events)
    assert (failed.status, failed.exception_name, failed.exception_description) == (
        Status.FAILED, "TypeError", "x is undefined")
    assert passed.status is Status.PASSED and not containers_of(events)


def test_todo_and_skip_directives() -> None:
    results = by_title(sample("node-tap-18-tap14-subtests.tap"))
    todo_passed = results["discount codes are case-insensitive"]
    assert todo_passed.status is Status.PASSED and todo_passed.json_data["todo"] == "not implemented yet"
    skipped = results["sends a receipt"]
    assert skipped.status is Status.SKIPPED and skipped.description == "no SMTP server in CI"
    expected_failure = results["rejects expired cards"]  # "# todo" in lower case
    assert expected_failure.status is Status.SKIPPED
    assert expected_failure.description == "expected failure (TODO: waiting for the payment sandbox)"


def test_test_more_diag_and_old_style_subtest() -> None:
    events = sample("perl-test-more-1.3-diag-old-subtest.tap")
    results = by_title(events)
    failed = results["total() with tax"]
    assert failed.status is Status.FAILED
    assert failed.exception_description.splitlines() == [
        "Failed test 'total() with tax'",
        "at t/cart.t line 23.",
        "       got: '100'",
        "  expected: '108'",
    ]
    assert results["test 3"].status is Status.SKIPPED and results["test 3"].description == "Net::SMTP not installed"
    assert results["refunds are prorated"].status is Status.SKIPPED
    assert "Unicode names survive: Crème brûlée" in results
    (discounts,) = containers_of(events)
    assert discounts.title == "discounts" and discounts.parent is None
    assert {r.title for r in results_of(events) if r.container is discounts} == {"percent off", "fixed amount off"}
    assert count(events).total == 7  # 6 planned points, the subtest's closing point replaced by its 2 tests


def test_tape_comments_name_the_next_test_and_yaml_is_indented_deeper() -> None:
    events = sample("tape-5-yaml-comments.tap")
    first, second, third = results_of(events)
    assert first.description == "parse dates" and second.description is None
    assert third.status is Status.FAILED and third.description == "parse invalid dates"
    assert third.exception_description == "expected: 'Invalid Date'\nactual: '2024-02-30T00:00:00.000Z'"
    assert third.exception_backtrace.startswith("at: Test.<anonymous> (/home/ci/app/test/dates.js:18:5)\nError:")
    assert third.json_data["diagnostic"]["operator"] == "equal"


def test_catch2_tap_reporter_assertions_are_tests() -> None:
    events = sample("catch2-3.5-tap-reporter.tap")
    got = count(events)
    assert (got.total, got.passed, got.failed, got.skipped) == (5, 2, 2, 1)
    results = results_of(events)
    assert results[2].description == "Parser rejects unbalanced brackets"
    assert results[2].exception_description is None  # a "# name" comment is not a diagnostic
    assert results[4].title == "test 5" and results[4].json_data["skip"] == "'no CUDA device available'"


def test_bail_out_ends_the_stream_with_one_broken_result() -> None:
    events = sample("bail-out-missing-database.tap")
    titles = [r.title for r in results_of(events)]
    assert titles == ["config loaded", "database handle", "Bail out!"]  # nothing after it, no plan mismatch
    bail = results_of(events)[-1]
    assert bail.status is Status.BROKEN
    assert bail.exception_description == "bail out: Couldn't connect to database."


def test_truncated_stream_gets_a_plan_mismatch() -> None:
    events = sample("plan-mismatch-truncated.tap")
    results = by_title(events)
    assert results["parses trailer"].exception_description == "unexpected end of input"
    assert results["parses trailer"].exception_backtrace == "at: t/parser.c:212"
    assert results["parses trailer"].properties == {"severity": "fail"}
    mismatch = results["plan mismatch"]
    assert mismatch.status is Status.BROKEN
    assert mismatch.exception_description == "planned 5 tests (1..5), 3 ran"


# -- the grammar, inline ---------------------------------------------------------------------------


def test_trailing_plan_and_numbers_kept_by_the_harness() -> None:
    events = tap("ok\nnot ok\nok - created Board\n1..3\n")
    assert [(r.title, r.status, r.json_data["number"]) for r in results_of(events)] == [
        ("test 1", Status.PASSED, 1), ("test 2", Status.FAILED, 2), ("created Board", Status.PASSED, 3),
    ]


def test_skip_all_plan_is_one_skipped_result() -> None:
    (result,) = results_of(tap("TAP version 14\n1..0 # skip because English-to-French translator isn't installed\n"))
    assert result.status is Status.SKIPPED and result.title == "all tests skipped"
    assert result.description == "because English-to-French translator isn't installed"


def test_no_plan_is_a_plan_mismatch() -> None:
    results = results_of(tap("TAP version 13\nok 1 - a\nok 2 - b\n"))
    assert results[-1].title == "plan mismatch" and results[-1].exception_description == "no plan, 2 ran"


def test_plan_with_no_tests_is_a_plan_mismatch() -> None:
    (result,) = results_of(tap("TAP version 13\n1..4\n"))
    assert result.status is Status.BROKEN and result.exception_description == "planned 4 tests (1..4), 0 ran"


def test_test_number_outside_the_plan_is_a_plan_mismatch() -> None:
    results = results_of(tap("1..3\nok 2\nok 4\nok 1\n"))
    assert results[-1].exception_description == "planned 3 tests (1..3), 3 ran, highest test number 4"


def test_directives_are_case_insensitive_and_escaped_hash_is_text() -> None:
    results = results_of(tap(
        "1..5\nok 1 - a # SkIp later\nnot ok 2 - b # Todo soon\nok 3 - issue \\#12 fixed\n"
        "ok 4 - issue #12 fixed\nok 5 - c # skipped: no network\n"
    ))
    assert [r.status for r in results] == [Status.SKIPPED, Status.SKIPPED, Status.PASSED, Status.PASSED, Status.SKIPPED]
    assert results[2].title == "issue #12 fixed"
    assert results[3].title == "issue #12 fixed"  # not a directive: the # stays in the description
    assert results[4].description == ": no network"


def test_invalid_utf8_is_replaced_and_crlf_is_a_line_end() -> None:
    (result,) = results_of(tap(b"1..1\r\nok 1 - caf\xe9 \xe2\x82\xac\r\n"))
    assert result.title == "caf\ufffd €"


def test_unreadable_yaml_is_kept_raw_and_unterminated_yaml_ends_at_the_next_point() -> None:
    results = results_of(tap(
        "1..2\nnot ok 1 - a\n  ---\n  this is: not\n       valid: yaml\n  oops\n  ...\nnot ok 2 - b\n  ---\n"
        "  message: boom\nok 3 - c\n"
    ))
    assert results[0].json_data["diagnostic"] == {"raw": "this is: not\n     valid: yaml\noops"}
    assert results[1].exception_description == "boom"
    assert results[2].title == "c"


def test_subtest_without_a_comment_is_named_by_its_closing_point() -> None:
    events = tap("1..2\n    1..1\n    not ok 1 - inner\nnot ok 1 - outer group\nok 2 - after\n")
    (group,) = containers_of(events)
    assert group.title == "outer group"
    inner, after = results_of(events)
    assert inner.container is group and inner.status is Status.FAILED
    assert after.container is None


def test_subtest_failing_without_a_failing_test_adds_a_broken_result() -> None:
    events = tap(
        "1..1\n# Subtest: setup\n    1..1\n    ok 1 - connects\nnot ok 1 - setup\n  ---\n"
        "  message: 'beforeEach hook threw: ECONNRESET'\n  ...\n"
    )
    (setup,) = containers_of(events)
    broken = [r for r in results_of(events) if r.status is Status.BROKEN]
    assert len(broken) == 1 and broken[0].container is setup
    assert broken[0].exception_description == "beforeEach hook threw: ECONNRESET"


def test_empty_subtest_closing_point_is_the_test() -> None:
    # announced by name (Test::More writes the comment inside the child), it stays, empty
    events = tap("1..1\n    # Subtest: empty group\nok 1 - empty group # SKIP no fixtures\n")
    (group,) = containers_of(events)
    (result,) = results_of(events)
    assert group.title == "empty group" and result.container is None and result.status is Status.SKIPPED


def test_skip_all_subtest_is_a_skipped_result_in_it() -> None:
    events = tap("1..1\n    1..0 # nothing to do\nok 1 - empty group # SKIP no fixtures\n")
    (group,) = containers_of(events)
    (result,) = results_of(events)
    assert group.title == "empty group" and result.container is group
    assert (result.title, result.status, result.description) == ("all tests skipped", Status.SKIPPED, "nothing to do")


def test_subtest_comment_without_a_subtest_names_nothing() -> None:
    events = tap("1..2\n# Subtest: ghost\nok 1 - plain\n    1..1\n    ok 1 - inner\nok 2 - real group\n")
    (group,) = containers_of(events)
    assert group.title == "real group"


def test_bail_out_inside_a_subtest() -> None:
    events = tap("1..2\n# Subtest: db\n    1..3\n    ok 1 - a\n    Bail out! disk full\nok 1 - db\nok 2 - never\n")
    results = results_of(events)
    assert [r.title for r in results] == ["a", "Bail out!"]
    assert results[1].container is containers_of(events)[0]


def test_program_output_between_tests_is_kept_with_the_test() -> None:
    (first, second) = results_of(tap("1..2\nok 1 - prints\nhello from the test\n    indented output\nok 2\n"))
    assert first.stdout == "hello from the test\n    indented output"
    assert second.stdout is None


def test_nothing_but_comments_or_another_format_is_refused() -> None:
    with pytest.raises(ParseError, match="not a TAP stream"):
        tap("# just a comment\nhello\n")
    with pytest.raises(ParseError, match="not a TAP stream"):
        tap((CORPUS / "junit" / "jest-junit-windows-paths.xml").read_bytes())


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        tap(data)
    assert caught.value.code == "empty_file"


def test_parse_is_lazy() -> None:
    lines = "".join(f"ok {i}\n" for i in range(1, 200_001))
    events = get_format("tap").parse(io.BytesIO(f"1..200000\n{lines}".encode()), {})
    first = next(iter(events))
    assert isinstance(first, Result) and first.title == "test 1"


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("head, score", [
    (b"TAP version 14\n", 0.95),
    (b"\xef\xbb\xbf\n\nTAP version 13\n1..1\nok 1\n", 0.95),
    (b"1..2\nok 1\nnot ok 2\n", 0.8),
    (b"# comment\nok 1\n1..1\n", 0.8),
    (b"ok 1\nok 2\n", 0.0),  # no plan in the head: too weak
    (b"1..2\n", 0.0),
    (b"<?xml version='1.0'?><testsuite/>", 0.0),
    (b'{"ok": 1}', 0.0),
    (b"Test Suite 'All tests' started at 2021-01-01\nok 1\n1..1\n", 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert sniff(head) == score


@pytest.mark.parametrize("path", OTHER_FILES, ids=[p.relative_to(p.parents[1]).as_posix() for p in OTHER_FILES])
def test_sniff_claims_no_other_formats_file(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0


# -- fuzzing -------------------------------------------------------------------------------------

_LINES = sorted({line for p in SAMPLES for line in p.read_text(encoding="utf-8").splitlines()})


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_LINES), st.text(max_size=30)), max_size=40))
def test_any_mix_of_tap_lines_parses_or_raises_parse_error(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    try:
        events = tap(data)
    except ParseError:
        return
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is None or id(event.container) in seen
            assert isinstance(event.status, Status) and isinstance(event.title, str)
