"""XCTest console logs: every corpus file against its hand counts, the suite tree, failures, skips,
crashes, parallel clones, Swift Testing lines (with macOS glyphs), bad input and sniffing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assay.errors import ParseError
from assay.formats import get_format
from assay.model import Container, Event, ReportMeta, Result, Status

from .helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    count,
    parse_events,
    results_of,
)

XCTEST = get_format("xctest")


def corpus(name: str) -> list[Event]:
    return parse_events("xctest", CORPUS / "xctest" / name)


def log(*lines: str) -> list[Event]:
    return parse_events("xctest", ("\n".join(lines) + "\n").encode())


def by_title(events: list[Event]) -> dict[str, Result]:
    return {result.title: result for result in results_of(events)}


def path_of(container: Container | None) -> list[str]:
    titles = []
    while container is not None:
        titles.append(container.title)
        container = container.parent
    return titles[::-1]


@pytest.mark.parametrize("path", corpus_files("xctest"), ids=lambda p: p.name)
def test_corpus_file_matches_expected_counts(path: Path) -> None:
    events = parse_events("xctest", path)
    assert_matches_expected(f"xctest/{path.name}", events)
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is not None and id(event.container) in seen


def test_suites_nest_and_the_class_suite_holds_its_tests() -> None:
    events = corpus("swift-6.0-macos-xctest-plus-swift-testing.txt")
    results = by_title(events)
    failing = results["testForceFailure"]
    assert path_of(failing.container) == ["All tests", "xcbeautifyPackageTests.xctest", "CaptureGroupTests"]
    assert [c.classification for c in containers_of(events)[:3]] == ["Suite", "Suite", "Class"]
    assert failing.classname == "CaptureGroupTests" and failing.properties == {"module": "XcbeautifyLibTests"}
    assert failing.status is Status.FAILED and failing.duration == 163
    assert failing.exception_description == "XCTAssertTrue failed - True is never false."
    assert failing.exception_backtrace == (
        "/Users/runner/work/xcbeautify/xcbeautify/Tests/XcbeautifyLibTests/CaptureGroupTests.swift:34: "
        "XCTAssertTrue failed - True is never false."
    )
    suite = failing.container
    assert suite is not None and suite.duration == 166
    meta = next(e for e in events if isinstance(e, ReportMeta))
    assert meta.started_at is not None and meta.started_at.isoformat() == "2025-08-10T01:38:41.772000+00:00"


@pytest.mark.parametrize("name", ["swift-6.0-linux-xctest-plus-swift-testing.txt",
                                  "swift-6.0-macos-xctest-plus-swift-testing.txt"])
def test_swift_testing_lines_are_counted(name: str) -> None:
    events = corpus(name)
    swift = next(c for c in containers_of(events) if c.title == "Swift Testing")
    tests = [r for r in results_of(events) if r.container is swift]
    assert [(r.title, r.status) for r in tests] == [
        ("testTrueIsTrue()", Status.PASSED), ("testFailTrueIsFalse()", Status.FAILED),
    ]
    assert tests[1].exception_description == "Expectation failed: true == false"
    assert tests[1].exception_backtrace == "Test.swift:17:9: Expectation failed: true == false"
    assert swift.properties["suites"] == {"SwiftTestingGroup": "failed"}
    assert count(events).total == 6


def test_linux_names_give_the_same_tree_as_macos() -> None:
    linux = by_title(corpus("swift-6.0-linux-xctest-plus-swift-testing.txt"))
    assert path_of(linux["testForceFailure"].container) == ["All tests", "debug.xctest", "CaptureGroupTests"]
    assert linux["testForceFailure"].classname == "CaptureGroupTests"
    assert linux["testMatchSwiftTestingIssueArgument1"].duration == 2


def test_crash_restarts_are_broken_and_skips_are_skipped() -> None:
    events = corpus("swift-test-2021-with-skip-and-crash-restarts.txt")
    broken = [r for r in results_of(events) if r.status is Status.BROKEN]
    assert [(r.classname, r.title) for r in broken] == [
        ("SwiftTests", "testExample()"), ("ObjCTests", "testExample"),
    ]
    for result in broken:
        assert result.container is not None and result.container.classification == "Class"
        assert path_of(result.container)[:2] == ["All tests", "xcbeautifyPackageTests.xctest"]
        assert result.exception_backtrace is not None
        assert "Restarting after unexpected exit" in result.exception_backtrace
    results = by_title(events)
    assert results["testWriteFile"].status is Status.SKIPPED
    assert results["testAggregateTarget"].exception_description is not None
    assert results["testAggregateTarget"].exception_description.startswith("XCTAssertEqual failed:")


def test_parallel_clones_group_tests_by_class() -> None:
    events = corpus("xcodebuild-parallel-simulator-clones.txt")
    classes = {c.title: c for c in containers_of(events)}
    assert set(classes) == {
        "URL_OutgoingEmailTests", "MobileWebURLRouteTest", "URLRoutingComponentsTests", "BuildFlagTests",
        "GeneratedTestingFlagTests", "Event_EmailTests", "UserCoordinatorTests",
    }
    assert all(c.classification == "Class" and c.parent is None for c in classes.values())
    failing = by_title(events)["test_failIntentionally()"]
    assert failing.container is classes["BuildFlagTests"] and failing.duration == 278
    assert failing.properties["device"] == "Clone 1 of iPhone 13 mini - xctest (59522)"
    assert len([r for r in results_of(events) if r.container is classes["UserCoordinatorTests"]]) == 11


def test_octest_kiwi_log_with_build_output_and_captured_stdout() -> None:
    events = corpus("xcodebuild-2013-kiwi-octest-failures.txt")
    titles = [c.title for c in containers_of(events)]
    # OCUnit names the bundle by its full path: the title keeps the file name
    assert titles[:3] == ["All tests", "SampleProjectTests.octest(Tests)", "CoreDataManagerTests"]
    assert "KWSpec" in titles  # an empty suite still belongs to the tree
    results = by_title(events)
    first = results["CoreDataStack_CanUseInmemoryStore"]
    assert first.stdout is not None
    assert first.stdout.endswith("+ 'Core data stack, can use in-memory store' [PASSED]")
    failed = [r for r in results_of(events) if r.status is Status.FAILED]
    assert [r.title for r in failed] == [
        "FindCreateSaveDeleteSpecs_Finders_FindsTheFirstMatch",
        "Mappings_UsesMappedValuesWhenCreating",
        "Mappings_UsesMappingsInFindOrCreate",
    ]
    assert failed[1].exception_description == (
        "'Mappings, uses mapped values when creating' [FAILED], expected subject to equal 24, got 25"
    )
    meta = next(e for e in events if isinstance(e, ReportMeta))
    assert meta.started_at is not None and meta.started_at.isoformat() == "2013-12-10T23:12:08+00:00"


# -- inline logs ------------------------------------------------------------------------------------


def test_sf_symbol_glyphs_skips_with_reasons_and_several_issues() -> None:
    events = log(
        "\U001007c8 Test run started.",
        "\U001007c8 Test adds() started.",
        "\U0010105b Test adds() passed after 0.012 seconds.",
        "\U001007c8 Test \"Divides by zero\" started.",
        "\U00100884 Test \"Divides by zero\" recorded an issue at Math.swift:3:5: Expectation failed: 1 == 2",
        "\u21b3 // the divisor was zero",
        "\U00100884 Test \"Divides by zero\" recorded an issue with 1 argument value \u2192 0"
        " at Math.swift:9:1: Caught error",
        "\U00100884 Test \"Divides by zero\" failed after 0.003 seconds with 2 issues.",
        "\U0010065f Test later() skipped: \"Not on this platform\"",
        "\U00100884 Test run with 3 tests failed after 0.020 seconds with 2 issues.",
    )
    results = by_title(events)
    assert results["adds()"].status is Status.PASSED and results["adds()"].duration == 12
    divides = results["Divides by zero"]
    assert divides.status is Status.FAILED
    assert divides.exception_description == "Expectation failed: 1 == 2"
    assert divides.exception_backtrace == (
        "Math.swift:3:5: Expectation failed: 1 == 2\n// the divisor was zero\nMath.swift:9:1: Caught error"
    )
    assert results["later()"].status is Status.SKIPPED
    assert results["later()"].exception_description == "Not on this platform"


def test_xctest_skip_reason_and_several_failure_lines() -> None:
    events = log(
        "Test Suite 'All tests' started at 2024-01-02 03:04:05.000",
        "Test Suite 'MathTests' started at 2024-01-02 03:04:05.000",
        "Test Case '-[App.MathTests testSkip]' started.",
        "/src/MathTests.swift:5: -[App.MathTests testSkip] : Test skipped - needs a GPU",
        "Test Case '-[App.MathTests testSkip]' skipped (0.001 seconds).",
        "Test Case '-[App.MathTests testTwice]' started.",
        "some output the test printed",
        "/src/MathTests.swift:9: error: -[App.MathTests testTwice] :"
        " XCTAssertEqual failed: (\"1\") is not equal to (\"2\")",
        "/src/MathTests.swift:10: error: -[App.MathTests testTwice] : XCTAssertTrue failed",
        "Test Case '-[App.MathTests testTwice]' failed (0.002 seconds).",
        "Test Suite 'MathTests' failed at 2024-01-02 03:04:05.010.",
        "Test Suite 'All tests' failed at 2024-01-02 03:04:05.011.",
    )
    results = by_title(events)
    assert results["testSkip"].status is Status.SKIPPED
    assert results["testSkip"].exception_description == "needs a GPU"
    twice = results["testTwice"]
    assert twice.exception_description == 'XCTAssertEqual failed: ("1") is not equal to ("2")'
    assert twice.exception_backtrace == (
        '/src/MathTests.swift:9: XCTAssertEqual failed: ("1") is not equal to ("2")\n'
        "/src/MathTests.swift:10: XCTAssertTrue failed"
    )
    assert twice.stdout == "some output the test printed"
    meta = next(e for e in events if isinstance(e, ReportMeta))
    assert meta.finished_at is not None and meta.finished_at.isoformat() == "2024-01-02T03:04:05.011000+00:00"


def test_a_test_that_never_ends_is_broken_and_a_crash_line_does_not_count_it_twice() -> None:
    events = log(
        "Test Suite 'Tests' started at 2024-01-02 03:04:05.000",
        "Test Case '-[Tests testCrash]' started.",
        "Restarting after unexpected exit, crash, or test timeout in -[Tests testCrash]; "
        "summary will include totals from previous launches.",
        "Test Case '-[Tests testHang]' started.",
    )
    results = results_of(events)
    assert [(r.title, r.status) for r in results] == [
        ("testCrash", Status.BROKEN), ("testHang", Status.BROKEN),
    ]
    assert results[0].exception_description == "unexpected exit, crash, or test timeout"
    assert results[0].exception_backtrace is not None
    assert results[0].exception_backtrace.startswith("Restarting")
    assert results[1].exception_description == "the log ends before this test finished"


def test_suites_reopened_after_a_crash_are_the_same_containers() -> None:
    events = log(
        "Test Suite 'All tests' started at 2024-01-02 03:04:05.000",
        "Test Suite 'Tests.xctest' started at 2024-01-02 03:04:05.000",
        "Test Suite 'Tests' started at 2024-01-02 03:04:05.000",
        "Test Case '-[Tests testCrash]' started.",
        "Restarting after unexpected exit, crash, or test timeout in -[Tests testCrash]; "
        "summary will include totals from previous launches.",
        "Test Suite 'All tests' started at 2024-01-02 03:04:06.000",
        "Test Suite 'Tests.xctest' started at 2024-01-02 03:04:06.000",
        "Test Suite 'Tests' started at 2024-01-02 03:04:06.000",
        "Test Case '-[Tests testAfter]' started.",
        "Test Case '-[Tests testAfter]' passed (0.001 seconds).",
        "Test Suite 'Tests' passed at 2024-01-02 03:04:06.100.",
        "Test Suite 'Tests.xctest' passed at 2024-01-02 03:04:06.100.",
        "Test Suite 'All tests' passed at 2024-01-02 03:04:06.100.",
    )
    assert [c.title for c in containers_of(events)] == ["All tests", "Tests.xctest", "Tests"]
    crash, after = results_of(events)
    assert crash.status is Status.BROKEN and after.status is Status.PASSED
    assert crash.container is after.container
    assert path_of(after.container) == ["All tests", "Tests.xctest", "Tests"]


def test_crlf_and_invalid_utf8_are_read() -> None:
    data = (b"\xef\xbb\xbfTest Suite 'S\xff' started at 2024-01-02 03:04:05.000\r\n"
            b"Test Case 'S\xef\xbf\xbd.test_\xc3\xa9' passed (0.5 seconds)\r\n")
    (result,) = results_of(parse_events("xctest", data))
    assert result.title == "test_é" and result.duration == 500
    assert result.container is not None and result.container.title == "S\ufffd"


class Trickle:
    """Hands out three bytes a read: lines, CRLFs and UTF-8 sequences are cut anywhere."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(3)


def test_reads_cut_anywhere_give_the_same_report() -> None:
    path = CORPUS / "xctest" / "swift-6.0-macos-xctest-plus-swift-testing.txt"
    data = path.read_bytes().replace(b"\n", b"\r\n")
    trickled = list(XCTEST.parse(Trickle(data), {}))  # type: ignore[arg-type]
    whole = parse_events("xctest", path)
    assert [(r.title, r.status, r.duration) for r in results_of(trickled)] == [
        (r.title, r.status, r.duration) for r in results_of(whole)
    ]
    assert count(trickled).total == 6


@pytest.mark.parametrize("data", [b"", b"\n \n", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_events("xctest", data)
    assert caught.value.code == "empty_file"


@pytest.mark.parametrize("data", [
    b"Compiling Swift Module 'App'\nBuild failed\n",
    (CORPUS / "junit" / sorted(p.name for p in (CORPUS / "junit").iterdir())[0]).read_bytes(),
])
def test_a_file_without_any_test_line_is_not_an_xctest_log(data: bytes) -> None:
    with pytest.raises(ParseError, match="not an XCTest log"):
        parse_events("xctest", data)


# -- sniffing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_files("xctest"), ids=lambda p: p.name)
def test_sniff_claims_xctest_logs(path: Path) -> None:
    # the Xcode 5 log starts with 64 KiB of build output: only a weaker hint is left
    floor = 0.5 if "kiwi" in path.name else 0.85
    assert XCTEST.sniff(path.read_bytes()[: 64 * 1024]) >= floor


OTHER_FILES = [p for folder in sorted(CORPUS.iterdir()) if folder.is_dir() and folder.name != "xctest"
               for p in corpus_files(folder.name)]


@pytest.mark.parametrize("path", OTHER_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sniff_leaves_other_formats_alone(path: Path) -> None:
    assert XCTEST.sniff(path.read_bytes()[: 64 * 1024]) == 0.0


@pytest.mark.parametrize(("head", "score"), [
    (b"\xe2\x97\x87 Test run started.\n", 0.8),
    (b"Test Case 'A.b' passed (0.1 seconds)\n", 0.85),
    (b"<?xml version='1.0'?><x>Test Suite 'A' started at 1</x>", 0.0),
    (b'{"log": "Test Suite \'A\' started at 1"}', 0.0),
    (b"== Test foo started.\n", 0.0),
    (b"", 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert XCTEST.sniff(head) == score
