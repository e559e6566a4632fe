"""MSTest TRX: every corpus file against its hand counts, the class tree, inner results, output,
result files, outcome mapping, seekable and non-seekable streams, bad input and sniffing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

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

TRX = get_format("trx")
NS = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"


class OneWay:
    """A stream that cannot seek (a pipe, an upload read once): definitions must be waited for."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._data.read(size if size and size > 0 else 64 * 1024)
        self.consumed += len(chunk)
        return chunk

    def seekable(self) -> bool:
        return False


def one_way(data: bytes) -> list[Event]:
    return list(TRX.parse(OneWay(data), {}))  # type: ignore[arg-type]


def by_title(events: list[Event]) -> dict[str, Result]:
    return {result.title: result for result in results_of(events)}


def corpus(name: str) -> list[Event]:
    return parse_events("trx", CORPUS / "trx" / name)


@pytest.mark.parametrize("path", corpus_files("trx"), ids=lambda p: p.name)
def test_corpus_file_matches_expected_counts(path: Path) -> None:
    events = parse_events("trx", path)
    assert_matches_expected(f"trx/{path.name}", events)
    # the same file read from a stream that cannot seek gives the same report
    again = one_way(path.read_bytes())
    assert [(r.title, r.status, r.classname) for r in results_of(again)] == [
        (r.title, r.status, r.classname) for r in results_of(events)
    ]
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            seen.add(id(event))
        elif isinstance(event, Result) and event.container is not None:
            assert id(event.container) in seen, "a container is yielded before its results"


def test_classes_come_from_test_definitions_written_after_the_results() -> None:
    events = corpus("dotnet-test-xunit-11-tests.trx")
    (calculator,) = containers_of(events)
    assert (calculator.title, calculator.classification, calculator.parent) == (
        "DotnetTests.XUnitTests.CalculatorTests", "Class", None,
    )
    results = by_title(events)
    # the adapter's full test name loses the class prefix; custom display names stay as written
    expected = {"Failing_Test", "Is_Even_Number(i: 3)", "Should be even number(i: 3)", "Custom Name"}
    assert expected <= set(results)
    assert all(r.container is calculator and r.classname == calculator.title for r in results.values())
    assert results["Skipped_Test"].status is Status.SKIPPED
    assert results["Skipped_Test"].stdout == "Skipped test"


def test_failure_message_stack_trace_and_exception_type() -> None:
    results = by_title(corpus("dotnet-test-xunit-11-tests.trx"))
    failing = results["Exception_In_TargetTest"]
    assert failing.status is Status.FAILED
    assert failing.exception_name == "System.DivideByZeroException"
    assert failing.exception_description == "System.DivideByZeroException : Attempted to divide by zero."
    assert failing.exception_backtrace is not None
    assert failing.exception_backtrace.startswith("   at DotnetTests.Unit.Calculator.Div(Int32 a, Int32 b)")
    assert "\r" not in failing.exception_backtrace
    assert "CalculatorTests.cs:line 33" in failing.exception_backtrace
    assertion = results["Failing_Test"]
    assert assertion.exception_description == "Assert.Equal() Failure\nExpected: 3\nActual:   2"
    assert assertion.exception_name is None
    assert assertion.duration == 4  # 00:00:00.0038697
    assert assertion.properties["computerName"] == "DORNY-PC"


def test_inner_results_are_steps_of_the_top_level_result() -> None:
    events = corpus("mstest-data-driven-inner-results.trx")
    assert len(results_of(events)) == 3
    three = by_title(events)["UnitTest_Three"]
    assert three.status is Status.FAILED and three.duration == 51972
    assert [(s.title, s.status) for s in three.steps] == [
        ("UnitTest_Three (Child One)", Status.FAILED),
        ("UnitTest_Three (Child Two)", Status.FAILED),
    ]
    first, second = three.steps
    assert first.error == "Some Message." and first.data == {"stack_trace": " Some Trace."}
    assert [(s.title, s.status, s.error) for s in second.steps] == [
        ("UnitTest_Three (Child Two) (GrandChild One)", Status.PASSED, None),
        ("UnitTest_Three (Child Two) (GrandChild Two)", Status.FAILED, "Second Message."),
    ]
    assert second.steps[0].duration == 18


def test_visual_studio_2015_outcomes_and_assembly_qualified_classes() -> None:
    events = corpus("mstest-vs-2015-aborted-notrunnable-notexecuted.trx")
    assert {c.title for c in containers_of(events)} == {
        "Prueba_Sistema.UnitTest1", "Prueba_Sistema.SIARAlgorithmTest",
    }
    results = by_title(events)
    assert results["EST_SEG_TEMPTest"].status is Status.BROKEN  # Aborted
    not_runnable = results["CompareTest"]
    assert not_runnable.status is Status.UNKNOWN
    assert not_runnable.exception_description is not None
    assert not_runnable.exception_description.startswith("UTA007: la firma del método CompareTest")
    assert results["EST_INTER_TEMPTest"].exception_name == "System.ArgumentOutOfRangeException"
    assert results["GetDiseñoTest"].status is Status.SKIPPED
    summary = [e for e in events if isinstance(e, ReportMeta) and "run_infos" in e.properties]
    assert summary[0].properties["outcome"] == "Error"
    (info,) = summary[0].properties["run_infos"]
    assert info["text"] == "El proceso del host de pruebas terminó inesperadamente."


def test_a_result_whose_definition_has_no_class_stays_at_the_top() -> None:
    results = by_title(corpus("dotnet-test-xunit-v3.trx"))
    cleanup = results["[Test Class Cleanup Failure (DotnetTests.XUnitV3Tests.FixtureTests.Passing_Test)]"]
    assert cleanup.container is None and cleanup.classname is None
    assert results["Failing_Test"].container is not None


def test_times_and_run_name_become_report_meta() -> None:
    metas = [e for e in corpus("dotnet-test-empty.trx") if isinstance(e, ReportMeta)]
    assert metas[0].title == "..."
    times = next(m for m in metas if m.started_at is not None)
    zone = timezone(timedelta(hours=2))
    assert times.started_at == datetime(2021, 2, 26, 10, 36, 33, 327895, tzinfo=zone)
    assert times.finished_at == datetime(2021, 2, 26, 10, 36, 33, 713983, tzinfo=zone)
    assert times.properties["creation"] == "2021-02-26T10:36:33.7131022+02:00"


# -- inline documents --------------------------------------------------------------------------------


def trx(results: str, definitions: str = "", *, definitions_first: bool = False, extra: str = "") -> bytes:
    sections = [f"<TestDefinitions>{definitions}</TestDefinitions>", f"<Results>{results}</Results>"]
    if not definitions_first:
        sections.reverse()
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<TestRun id="r" name="inline" xmlns="{NS}">\n'
        '<Times creation="2024-01-02T03:04:05Z" start="2024-01-02T03:04:05Z"'
        ' finish="2024-01-02T03:04:15Z"/>\n'
        + "\n".join(sections) + extra + "\n</TestRun>"
    ).encode()


def result(test_id: str, name: str, outcome: str | None = "Passed", body: str = "", **attributes: str) -> str:
    attrs = "".join(f' {key}="{value}"' for key, value in attributes.items())
    if outcome is not None:
        attrs += f' outcome="{outcome}"'
    return (f'<UnitTestResult testId="{test_id}" testName="{name}" executionId="e-{test_id}"{attrs}>'
            f"{body}</UnitTestResult>")


def definition(test_id: str, class_name: str, name: str, body: str = "") -> str:
    return (f'<UnitTest id="{test_id}" name="{name}" storage="/tmp/tests.dll">{body}'
            f'<TestMethod className="{class_name}" name="{name}"/></UnitTest>')


RICH_RESULT = result(
    "t1", "Acme.Shop.CartTests.Adds ünïcode ✓", "Failed",
    body=(
        "<Output><StdOut><![CDATA[<not> markup & stays]]></StdOut><StdErr>warning: slow</StdErr>"
        "<DebugTrace>trace line</DebugTrace>"
        "<ErrorInfo><Message>Test method threw exception: \nSystem.InvalidOperationException: nope</Message>"
        "<StackTrace>   at Acme.Shop.Cart.Add()</StackTrace></ErrorInfo>"
        "<TextMessages><Message>first note</Message><Message>second note</Message></TextMessages></Output>"
        '<ResultFiles><ResultFile path="screenshots\\cart.png"/>'
        '<ResultFile path="/tmp/out/log.txt"/></ResultFiles>'
    ),
    duration="1.02:03:04.5000000",
)
RICH_DEFINITION = definition(
    "t1", "Acme.Shop.CartTests", "Adds",
    body=(
        "<Description>Adds an item</Description>"
        '<Owners><Owner name="alice"/></Owners>'
        '<TestCategory><TestCategoryItem TestCategory="smoke"/>'
        '<TestCategoryItem TestCategory="cart"/></TestCategory>'
        "<Properties><Property><Key>Jira</Key><Value>SHOP-1</Value></Property>"
        "<Property><Key>Jira</Key><Value>SHOP-2</Value></Property></Properties>"
    ),
)


@pytest.mark.parametrize("read", [lambda d: parse_events("trx", d), one_way], ids=["seekable", "one-way"])
def test_output_result_files_and_definition_details(read: Any) -> None:
    events = read(trx(RICH_RESULT, RICH_DEFINITION))
    (cart,) = results_of(events)
    assert cart.title == "Adds ünïcode ✓" and cart.classname == "Acme.Shop.CartTests"
    assert cart.duration == ((26 * 60 + 3) * 60 + 4.5) * 1000
    assert cart.stdout == "<not> markup & stays" and cart.stderr == "warning: slow"
    assert cart.exception_name == "System.InvalidOperationException"
    assert cart.exception_backtrace == "   at Acme.Shop.Cart.Add()"
    assert [(a.name, a.path, a.data) for a in cart.assets] == [
        ("cart.png", "screenshots\\cart.png", None), ("log.txt", "/tmp/out/log.txt", None),
    ]
    assert cart.description == "Adds an item"
    assert cart.tags == ["owner:alice", "smoke", "cart"]
    assert cart.properties["Jira"] == ["SHOP-1", "SHOP-2"]
    assert cart.json_data["messages"] == ["first note", "second note"]
    assert cart.json_data["debug_trace"] == "trace line"
    assert cart.json_data["outcome"] == "Failed"
    assert containers_of(events)[0].properties == {"storage": "/tmp/tests.dll"}
    meta = next(e for e in events if isinstance(e, ReportMeta) and e.started_at)
    assert meta.started_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC) and meta.duration == 10_000


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("Passed", Status.PASSED), ("Failed", Status.FAILED), ("NotExecuted", Status.SKIPPED),
        ("Inconclusive", Status.UNKNOWN), ("NotRunnable", Status.UNKNOWN), ("Timeout", Status.BROKEN),
        ("Aborted", Status.BROKEN), ("Error", Status.BROKEN), ("Disconnected", Status.BROKEN),
        ("PassedButRunAborted", Status.PASSED), ("Completed", Status.PASSED), ("Warning", Status.UNKNOWN),
        ("InProgress", Status.UNKNOWN), ("Pending", Status.UNKNOWN), ("Whatever", Status.UNKNOWN),
        (None, Status.UNKNOWN),
    ],
)
def test_outcome_mapping(outcome: str | None, status: Status) -> None:
    (only,) = results_of(parse_events("trx", trx(result("t", "T", outcome))))
    assert only.status is status


def test_missing_attributes_and_garbage_durations_are_tolerated() -> None:
    doc = trx('<UnitTestResult testName="bare"/>' + result("x", "odd", duration="soon")
              + result("y", "timed", startTime="2024-01-01T00:00:00Z", endTime="2024-01-01T00:00:02.5Z"))
    results = by_title(parse_events("trx", doc))
    assert results["bare"].status is Status.UNKNOWN and results["bare"].container is None
    assert results["odd"].duration is None
    assert results["timed"].duration == 2500


def build_many(n: int, *, definitions_first: bool) -> bytes:
    results = "".join(result(f"t{i}", f"test_{i}", body="<Output><StdOut>" + "x" * 200 + "</StdOut></Output>")
                      for i in range(n))
    definitions = "".join(definition(f"t{i}", f"Ns.Class{i % 7}", f"test_{i}") for i in range(n))
    return trx(results, definitions, definitions_first=definitions_first)


def test_results_stream_before_the_end_when_definitions_come_first() -> None:
    data = build_many(4000, definitions_first=True)
    stream = OneWay(data)
    events = TRX.parse(stream, {})  # type: ignore[arg-type]
    first = next(e for e in events if isinstance(e, Result))
    assert first.container is not None and first.container.title == "Ns.Class0"
    assert stream.consumed < len(data) // 2


def test_results_wait_for_late_definitions_on_a_one_way_stream() -> None:
    events = one_way(build_many(300, definitions_first=False))
    assert len(results_of(events)) == 300
    assert {c.title for c in containers_of(events)} == {f"Ns.Class{i}" for i in range(7)}
    assert all(r.container is not None and r.container.title == r.classname for r in results_of(events))


# -- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \n\t ", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_events("trx", data)
    assert caught.value.code == "empty_file"


@pytest.mark.parametrize("read", [lambda d: parse_events("trx", d), one_way], ids=["seekable", "one-way"])
def test_wrong_root_element(read: Any) -> None:
    with pytest.raises(ParseError, match=r"not a TRX file: root element is <testsuites>, expected <TestRun>"):
        read(b'<?xml version="1.0"?><testsuites><testsuite name="x"/></testsuites>')


@pytest.mark.parametrize("read", [lambda d: parse_events("trx", d), one_way], ids=["seekable", "one-way"])
def test_truncated_file_reports_the_line(read: Any) -> None:
    data = (CORPUS / "trx" / "dotnet-test-xunit-11-tests.trx").read_bytes()
    with pytest.raises(ParseError) as caught:
        read(data[: len(data) // 2])
    assert caught.value.code == "parse_error"
    assert isinstance(caught.value.details.get("line"), int)
    assert "line " in str(caught.value)


def test_the_seekable_first_pass_leaves_nothing_half_read() -> None:
    # a malformed tail is found by the definitions pass, before any result is handed out
    data = build_many(50, definitions_first=False)
    broken = data.replace(b"</TestDefinitions>", b"</TestDefinition>")
    events = TRX.parse(io.BytesIO(broken), {})
    with pytest.raises(ParseError):
        next(events)


# -- sniffing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_files("trx"), ids=lambda p: p.name)
def test_sniff_claims_trx_files(path: Path) -> None:
    assert TRX.sniff(path.read_bytes()[: 64 * 1024]) >= 0.9


OTHER_FILES = [p for folder in sorted(CORPUS.iterdir()) if folder.is_dir() and folder.name != "trx"
               for p in corpus_files(folder.name)]


@pytest.mark.parametrize("path", OTHER_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sniff_leaves_other_formats_alone(path: Path) -> None:
    assert TRX.sniff(path.read_bytes()[: 64 * 1024]) == 0.0


def test_sniff_without_namespace_is_a_weaker_claim() -> None:
    assert 0 < TRX.sniff(b'<?xml version="1.0"?>\n<TestRun id="x">') < 0.9
    assert TRX.sniff(b"") == 0.0 and TRX.sniff(b"\x00\xff garbage") == 0.0


def test_counts_of_the_largest_file() -> None:
    counts = count(corpus("dotnet-test-nunit-silentnotes-large.trx"))
    assert (counts.total, counts.passed, counts.skipped) == (79, 67, 12)
