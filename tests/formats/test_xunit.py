from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assay.errors import ParseError
from assay.formats import detect, get_format
from assay.model import Container, Event, ReportMeta, Result, Status
from tests.formats.helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    parse_events,
    results_of,
)

FILES = corpus_files("xunit")
# every other format's corpus file (junit, trx, robot...), not expected.json or SOURCES.md
OTHER_FILES = sorted(
    p for p in CORPUS.rglob("*") if p.is_file() and p.parent != CORPUS and p.parent.name != "xunit"
)


def _parse(data: bytes) -> list[Event]:
    return parse_events("xunit", data)


def _corpus(name: str) -> list[Event]:
    return _parse((CORPUS / "xunit" / name).read_bytes())


def _v2(tests: str, *, assembly_extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<assemblies schema-version="3" start-rtf="2024-05-01T10:00:00.1234567+02:00"
            finish-rtf="2024-05-01T10:00:09.5+02:00">
  <assembly name="/src/out/Cart.Tests.dll" test-framework="xUnit.net 2.9.0" run-date="2024-05-01"
            run-time="10:00:00" target-framework=".NETCoreApp,Version=v8.0" time="9.5" total="1">
    {assembly_extra}
    <collection name="Test collection for Cart.Tests.CartTests" time="1.25" total="1">
      {tests}
    </collection>
  </assembly>
</assemblies>""".encode()


# -- the corpus ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_matches_expected_counts(path: Path) -> None:
    events = _parse(path.read_bytes())
    assert_matches_expected(f"xunit/{path.name}", events)
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is not None and id(event.container) in seen
            assert event.container.classification in ("Collection", "Class")
            assert event.title
    containers = containers_of(events)
    assert containers and all(c.classification == "Assembly" for c in containers if c.parent is None)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_sniff_claims_own_corpus_files(path: Path) -> None:
    head = path.read_bytes()[:65536]
    assert get_format("xunit").sniff(head) >= 0.9
    assert detect(head, path.name).name == "xunit"


@pytest.mark.parametrize("path", OTHER_FILES, ids=[f"{p.parent.name}/{p.name}" for p in OTHER_FILES])
def test_sniff_ignores_other_formats(path: Path) -> None:
    assert get_format("xunit").sniff(path.read_bytes()[:65536]) == 0.0


def test_v2_tree_failure_and_skip_reason() -> None:
    events = _corpus("xunit2.0-console-pass-fail-skip.xml")
    assembly, collection = containers_of(events)
    assert (assembly.classification, assembly.title) == ("Assembly", "MyProject.Tests.DLL")
    assert assembly.properties["path"].endswith(r"\bin\Release\MyProject.Tests.DLL")
    assert assembly.properties["test-framework"] == "xUnit.net 2.0.0.2785"
    assert assembly.duration == 288
    assert (collection.classification, collection.title, collection.parent) == (
        "Collection",
        "Test collection for MyProject.Tests.SampleFact",
        assembly,
    )
    failed, passed, skipped = results_of(events)
    assert (failed.title, failed.status) == ("MyProject.Tests.SampleFact.FailedTest", Status.FAILED)
    assert failed.classname == "MyProject.Tests.SampleFact"
    assert failed.exception_name == "Xunit.Sdk.TrueException"
    assert failed.exception_description == "Assert.True() Failure"
    assert failed.exception_backtrace is not None
    assert failed.exception_backtrace.startswith("at MyProject.Tests.SampleFact.FailedTest() in c:\\Jenkins")
    assert (failed.duration, failed.json_data) == (14, {"method": "FailedTest"})
    assert passed.status == Status.PASSED
    assert (skipped.status, skipped.exception_description) == (Status.SKIPPED, "On Purpose")
    [meta] = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.started_at == datetime(2014, 12, 18, 14, 34, 32, tzinfo=UTC)


def test_v1_class_element_traits_output_and_failure() -> None:
    events = _corpus("xunit1.9-pickles-class-element.xml")
    assembly, cls = containers_of(events)
    assert (assembly.title, cls.classification, cls.title) == (
        "Pickles.TestHarness.xUnit.dll",
        "Class",
        "Pickles.TestHarness.xUnit.AdditionFeature",
    )
    assert cls.parent is assembly
    results = results_of(events)
    assert results[1].title == (
        "Pickles.TestHarness.xUnit.AdditionFeature.AddingSeveralNumbers("
        'firstNumber: "40", secondNumber: "50", result: "90", exampleTags: System.String[])'
    )
    first = results[0]
    assert first.tags == ["Description:Add two numbers", "FeatureTitle:Addition"]
    assert first.stdout is not None
    assert first.stdout.startswith("Given I have entered 50 into the calculator\n")
    failed = results[3]
    assert failed.status == Status.FAILED
    assert failed.exception_name == "System.InvalidOperationException"
    # xUnit.net 1.x repeats the type in front of the message; it is not kept twice
    assert failed.exception_description == "This is a fake failure message"
    assert failed.exception_backtrace is not None
    assert failed.exception_backtrace.startswith("at Pickles.TestHarness.xUnit.Steps.ThenTheResultShould")
    assert "\n  at lambda_method" not in failed.exception_backtrace  # indentation removed evenly


def test_bad_run_date_is_tolerated() -> None:
    events = _corpus("xunit-format-custom-runner-bad-date.xml")
    assert not [e for e in events if isinstance(e, ReportMeta)]  # run-date="2018-38-06" is no date
    [result] = results_of(events)
    assert result.title == "collection1\\test.xml"
    assert result.classname is None  # type=""
    assert result.exception_description == (
        "OK: TestProcess.Execution.ExitCode == 0\nFAIL: Output differs from reference.\n"
        "  Left:  data\\ref\n  Right: results\\out"
    )
    assert result.duration == 36782


def test_empty_assembly_is_a_container_without_results() -> None:
    events = _corpus("xunit2.2-empty-assembly.xml")
    [assembly] = containers_of(events)
    assert assembly.title == "KundM.Api.Csv.UnitTest.DLL" and not results_of(events)


def test_display_names_and_output() -> None:
    results = results_of(_corpus("xunit2.3-five-tests.xml"))
    assert [r.title for r in results][:2] == [
        "Uninstall application if it is installed.",
        "Install application.",
    ]
    assert results[0].duration == 48391
    assert results[0].stdout is not None and results[0].stdout.endswith("Sleeping 15 second(s)")
    assert results[0].json_data["method"] == "UninstallApplicationIfInstalled"


# -- inline documents for what the corpus lacks ------------------------------------------------------


def test_schema_3_run_times_not_run_warnings_and_assembly_errors() -> None:
    errors = """<errors>
      <error type="test-class-cleanup" name="Cart.Tests.CartTests">
        <failure exception-type="System.IO.IOException">
          <message>file in use</message><stack-trace>at Cart.Tests.CartTests.Dispose()</stack-trace>
        </failure>
      </error>
    </errors>"""
    tests = """
      <test name="Cart.Tests.CartTests.Explicit" type="Cart.Tests.CartTests" method="Explicit" time="0"
            result="NotRun" source-file="CartTests.cs" source-line="12">
        <traits><trait name="Category" value="Slow"/><trait name="Owner" value="ana"/></traits>
        <warnings><warning><![CDATA[Obsolete API]]></warning></warnings>
      </test>"""
    events = _parse(_v2(tests, assembly_extra=errors))
    assembly = containers_of(events)[0]
    assert assembly.properties["errors"] == [
        {
            "type": "test-class-cleanup",
            "name": "Cart.Tests.CartTests",
            "exception": "System.IO.IOException",
            "message": "file in use",
            "stack_trace": "at Cart.Tests.CartTests.Dispose()",
        }
    ]
    assert assembly.properties["target-framework"] == ".NETCoreApp,Version=v8.0"
    [result] = results_of(events)
    assert result.status == Status.SKIPPED
    assert result.tags == ["Category:Slow", "Owner:ana"]
    assert result.json_data == {
        "method": "Explicit",
        "source_file": "CartTests.cs",
        "source_line": "12",
        "warnings": ["Obsolete API"],
    }
    metas = [e for e in events if isinstance(e, ReportMeta)]
    plus_two = timezone(timedelta(hours=2))
    assert metas[0].started_at == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=plus_two)
    assert metas[0].finished_at == datetime(2024, 5, 1, 10, 0, 9, 500000, tzinfo=plus_two)


def test_odd_results_and_missing_attributes() -> None:
    tests = """
      <test name="a" result="Fail"><failure><message><![CDATA[ünïcode ☃ <ok>]]></message></failure></test>
      <test name="b"><failure exception-type="X"><message>no result attribute</message></failure></test>
      <test name="c" result="Exploded"/>
      <test type="Cart.Tests.CartTests" method="Unnamed" time="garbage" result="Pass"/>
      <test/>"""
    results = results_of(_parse(_v2(tests)))
    assert [(r.title, r.status) for r in results] == [
        ("a", Status.FAILED),
        ("b", Status.FAILED),
        ("c", Status.UNKNOWN),
        ("Cart.Tests.CartTests.Unnamed", Status.PASSED),
        ("(unnamed test)", Status.UNKNOWN),
    ]
    assert results[0].exception_description == "ünïcode ☃ <ok>"
    assert results[2].properties == {"result": "Exploded"}
    assert results[3].duration is None


def test_v1_skip_reason_and_class_failure_under_assemblies() -> None:
    data = b"""<assemblies>
      <assembly name="A.dll" run-date="2012-01-14" run-time="10:21:10" test-framework="xUnit.net 1.9">
        <class name="A.Tests" time="0.1" total="1">
          <failure exception-type="System.Exception"><message>fixture dispose failed</message></failure>
          <test name="A.Tests.Later" type="A.Tests" method="Later" result="Skip">
            <reason><message>not today</message></reason>
          </test>
        </class>
      </assembly>
      <assembly name="B.dll"><class name="B.Tests">
        <test name="B.Tests.T" type="B.Tests" method="T" result="Pass" time="0.5"/>
      </class></assembly>
    </assemblies>"""
    events = _parse(data)
    a, a_tests, b, b_tests = containers_of(events)
    assert (a.title, a_tests.parent, b.parent, b_tests.parent) == ("A.dll", a, None, b)
    assert a_tests.properties["failure"] == {
        "exception": "System.Exception",
        "message": "fixture dispose failed",
    }
    skipped, passed = results_of(events)
    assert (skipped.status, skipped.exception_description) == (Status.SKIPPED, "not today")
    assert (passed.container, passed.duration) == (b_tests, 500)


def test_stack_trace_indentation_is_cut_evenly() -> None:
    tests = """
      <test name="tabs" result="Fail"><failure><message>m</message><stack-trace><![CDATA[
\tat A.B()\r\n\tat A.C()\r\n\t  at lambda
]]></stack-trace></failure></test>
      <test name="blank line" result="Fail"><failure><message>m</message><stack-trace>
        at A.B()
           \t
        at A.C()
      </stack-trace></failure></test>"""
    tabs, blank = results_of(_parse(_v2(tests)))
    assert tabs.exception_backtrace == "at A.B()\nat A.C()\n  at lambda"
    # a line of nothing but whitespace is emptied and does not count towards the indentation
    assert blank.exception_backtrace == "at A.B()\n\nat A.C()"


def test_source_and_run_times_are_kept_whatever_else_is_missing() -> None:
    tests = """
      <test name="c" result="Pass" start-rtf="2024-05-01T10:00:00+02:00" finish-rtf="2024-05-01T10:00:01+02:00"/>
      <test name="d" result="Pass" time="0.25" type="T" method="d" source-line="7"/>
      <test name="e" result="Pass" time="0.25" type="T" method="e"/>"""
    c, d, e = results_of(_parse(_v2(tests)))
    assert c.json_data == {"start_rtf": "2024-05-01T10:00:00+02:00", "finish_rtf": "2024-05-01T10:00:01+02:00"}
    assert d.json_data == {"method": "d", "source_line": "7"}
    assert e.json_data == {"method": "e"}


def test_streaming_yields_before_the_end_of_a_large_file() -> None:
    tests = "".join(
        f'<test name="T.m{i}" type="T" method="m{i}" result="Pass" time="0.001"/>' for i in range(20000)
    )
    data = _v2(tests)
    stream = io.BytesIO(data)
    events = get_format("xunit").parse(stream, {})
    first = next(e for e in events if isinstance(e, Result))
    assert first.title == "T.m0" and stream.tell() < len(data)
    assert sum(1 for e in events if isinstance(e, Result)) == 19999


def test_empty_file_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as caught:
        _parse(b"")
    assert caught.value.code == "empty_file"


def test_wrong_root_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"root element is <test-run>, expected <assemblies> or <assembly>"):
        _parse(b"<test-run><test-suite/></test-run>")


def test_wrong_root_is_refused_before_a_broken_body() -> None:
    # only the ends of tests and containers are reported, but the root is still checked first
    with pytest.raises(ParseError, match=r"root element is <testsuites>, expected <assemblies>"):
        _parse(b"<testsuites><testsuite><oops></testsuite></testsuites>")


def test_truncated_file_is_a_parse_error_with_its_line() -> None:
    data = (CORPUS / "xunit" / "xunit2.0-console-pass-fail-skip.xml").read_bytes()[:1200]
    with pytest.raises(ParseError) as caught:
        _parse(data)
    assert caught.value.details.get("line") is not None


def test_sniff_leaves_other_assembly_documents_alone() -> None:
    sniff = get_format("xunit").sniff
    manifest = b'<?xml version="1.0"?><assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1">'
    maven = b'<assembly xmlns="http://maven.apache.org/ASSEMBLY/2.0.0"><id>bin</id>'
    assert sniff(manifest) == 0.0 and sniff(maven) == 0.0
    assert sniff(b'<assembly name="A.dll" run-date="2012-01-14">') >= 0.9
    assert 0.0 < sniff(b'<assembly name="A.dll">') < 0.5
    assert sniff(b"<assemblies>") >= 0.9
    assert sniff(b"<testsuites>") == 0.0
