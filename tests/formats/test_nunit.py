from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assay.errors import ParseError
from assay.formats import detect, get_format
from assay.formats._nunit_case import short_name
from assay.model import Container, Event, ReportMeta, Result, Status
from tests.formats.helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    parse_events,
    results_of,
)

FILES = corpus_files("nunit")
# every other format's corpus file (junit, trx, robot...), not expected.json or SOURCES.md
OTHER_FILES = sorted(
    p for p in CORPUS.rglob("*") if p.is_file() and p.parent != CORPUS and p.parent.name != "nunit"
)


def _parse(data: bytes) -> list[Event]:
    return parse_events("nunit", data)


def _corpus(name: str) -> list[Event]:
    return _parse((CORPUS / "nunit" / name).read_bytes())


def _by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def _path(container: Container | None) -> list[tuple[str | None, str]]:
    path = []
    while container is not None:
        path.append((container.classification, container.title))
        container = container.parent
    return list(reversed(path))


def _nunit3(cases: str, *, fixture_extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<test-run id="2" result="Failed" start-time="2024-05-01 10:00:00Z" end-time="2024-05-01 10:00:02Z"
          duration="2.5">
  <test-suite type="Assembly" name="Cart.Tests.dll" fullname="/src/out/Cart.Tests.dll" result="Failed">
    <test-suite type="TestFixture" name="CartTests" fullname="Cart.Tests.CartTests" result="Failed"
                classname="Cart.Tests.CartTests" duration="1.5">
      {fixture_extra}
      {cases}
    </test-suite>
  </test-suite>
</test-run>""".encode()


# -- the corpus ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_matches_expected_counts(path: Path) -> None:
    events = _parse(path.read_bytes())
    assert_matches_expected(f"nunit/{path.name}", events)
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is not None and id(event.container) in seen
            assert event.title and event.classname is None  # the suite tree already holds the classes
    assert all(c.classification for c in containers_of(events))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_sniff_claims_own_corpus_files(path: Path) -> None:
    head = path.read_bytes()[:65536]
    assert get_format("nunit").sniff(head) >= 0.9
    assert detect(head, path.name).name == "nunit"


@pytest.mark.parametrize("path", OTHER_FILES, ids=[f"{p.parent.name}/{p.name}" for p in OTHER_FILES])
def test_sniff_ignores_other_formats(path: Path) -> None:
    assert get_format("nunit").sniff(path.read_bytes()[:65536]) == 0.0


def test_nunit25_tree_statuses_categories_and_properties() -> None:
    events = _corpus("nunit2.5-mock-assembly-all-results.xml")
    results = _by_title(events)
    failing = results["FailingTest"]
    assert _path(failing.container) == [
        ("Assembly", "mock-assembly.dll"),
        ("Namespace", "NUnit"),
        ("Namespace", "Tests"),
        ("Namespace", "Assemblies"),
        ("TestFixture", "MockTestFixture"),
    ]
    assert failing.status == Status.FAILED
    assert failing.exception_description == "Intentional failure"
    assert failing.exception_backtrace is not None
    assert failing.exception_backtrace.startswith("at NUnit.Tests.Assemblies.MockTestFixture.FailingTest ()")
    assert failing.json_data["fullname"] == "NUnit.Tests.Assemblies.MockTestFixture.FailingTest"
    fixture = failing.container
    assert fixture is not None
    assert (fixture.tags, fixture.description) == (["FixtureCategory"], "Fake Test Fixture")
    error = results["TestWithException"]
    assert (error.status, error.exception_name, error.exception_description) == (
        Status.BROKEN,
        "System.ApplicationException",
        "Intentional Exception",
    )
    assert (results["InconclusiveTest"].status, results["InconclusiveTest"].exception_description) == (
        Status.UNKNOWN,
        "No valid data",
    )
    assert (results["NotRunnableTest"].status, results["NotRunnableTest"].exception_description) == (
        Status.SKIPPED,
        "No arguments were provided",
    )
    assert results["MockTest4"].status == Status.SKIPPED and results["MockTest4"].tags == ["Foo"]
    assert results["MockTest3"].tags == ["AnotherCategory", "MockCategory"]
    assert results["MockTest3"].exception_description is None  # "Succeeded!" reason of a pass is no error
    many = results["TestWithManyProperties"]
    assert many.properties == {"Size": "5", "TargetMethod": "SomeClassName"}
    assert many.tags == ["Size:5", "TargetMethod:SomeClassName"]
    assert results["MockTest1"].description == "Mock Test #1"
    generic = results["GenericMethod<Double>(9.2d,11.7d)"]
    assert _path(generic.container)[-2:] == [
        ("TestFixture", "FixtureWithTestCases"),
        ("ParameterizedTest", "GenericMethod"),
    ]
    bad = next(c for c in containers_of(events) if c.title == "BadFixture")
    assert bad.properties == {"reason": "No suitable constructor was found"}
    assert {c.classification for c in containers_of(events)} == {
        "Assembly",
        "Namespace",
        "TestFixture",
        "ParameterizedTest",
        "GenericFixture",
        "ParameterizedFixture",
    }


def test_nunit3_labels_theory_and_environment() -> None:
    events = _corpus("nunit3.12-console-netcore-errors.xml")
    results = _by_title(events)
    broken = results["Exception_In_TargetTest"]
    assert (broken.status, broken.exception_name, broken.exception_description) == (
        Status.BROKEN,
        "System.DivideByZeroException",
        "Attempted to divide by zero.",
    )
    plain = results["Exception_In_Test"]
    assert (plain.exception_name, plain.exception_description) == ("System.Exception", "Test")
    failing = results["Failing_Test"]
    assert (failing.status, failing.exception_description) == (Status.FAILED, "Expected: 3\nBut was:  2")
    # an assertion failure with a label that is a message: failed, the label says why
    timeout = results["Timeout_Test"]
    assert timeout.status == Status.FAILED
    assert timeout.exception_description == "Test exceeded Timeout value 1ms."
    assert timeout.tags == ["Timeout:1"]
    skipped = results["Skipped_Test"]
    assert (skipped.status, skipped.exception_description) == (Status.SKIPPED, "Skipped")
    assert skipped.tags == [] and skipped.properties == {"_SKIPREASON": "Skipped"}
    assert results["Passing_Test_With_Description"].description == "Some description"
    theory = results["Is_Even_Number(3)"]
    assert _path(theory.container) == [
        ("Assembly", "DotnetTests.NUnitV3Tests.dll"),
        ("TestSuite", "DotnetTests"),
        ("TestSuite", "XUnitTests"),
        ("TestFixture", "CalculatorTests"),
        ("Theory", "Is_Even_Number"),
    ]
    assert theory.json_data["classname"] == "DotnetTests.XUnitTests.CalculatorTests"
    assert theory.duration == 1
    assembly = containers_of(events)[0]
    assert assembly.properties["path"].endswith("/netcoreapp3.1/DotnetTests.NUnitV3Tests.dll")
    assert "failure" not in assembly.properties  # "One or more child tests had errors" is no news
    metas = [e for e in events if isinstance(e, ReportMeta)]
    assert metas[0].started_at == datetime(2021, 6, 28, 20, 23, 41, tzinfo=UTC)
    assert metas[0].duration == 230
    assert metas[0].properties == {"engine-version": "3.12.0.0"}
    assert metas[1].os == "Microsoft Windows 10.0.19041"
    assert metas[1].properties["framework-version"] == "3.13.2.0"


def test_nunit3_inconclusive_output_and_category_properties() -> None:
    events = _corpus("nunit3.6-specflow-inconclusive.xml")
    results = _by_title(events)
    pending = results["AddTwoNumbers"]
    assert pending.status == Status.UNKNOWN
    assert pending.exception_description is not None
    assert pending.exception_description.startswith("No matching step definition found for one or more")
    assert pending.stdout is not None
    assert pending.stdout.startswith("Given I have entered 50 into the calculator")
    assert (pending.tags, pending.description) == (["smoke"], "Add two numbers")
    method = next(c for c in containers_of(events) if c.classification == "ParameterizedMethod")
    assert (method.title, method.tags, method.description) == ("SubSmokeTest", ["browser"], "Sub Smoke Test")
    assert 'SubSmokeTest("Geo","Geonw","dev1234567",System.String[])' in results


def test_nunit22_without_types_or_result_attribute() -> None:
    events = _corpus("nunit2.2-mono-success-attr-only.xml")
    results = _by_title(events)
    assert _path(results["TestFailure"].container) == [
        ("Assembly", "Tests.dll"),
        ("Namespace", "UnitTests"),
        ("TestFixture", "UnitTests.MainClassTest"),
    ]
    assert results["TestFailure"].exception_description == "Expected failure\nExpected: 30\nBut was:  20"
    assert results["TestPropertyValue"].duration == 146


def test_ieunit_lower_case_single_quotes() -> None:
    events = _corpus("nunit2-ieunit-lowercase-single-quotes.xml")
    [fixture] = containers_of(events)
    assert (fixture.classification, fixture.title) == ("TestFixture", "AdministrationPasswordTest")
    assert results_of(events)[-1].title == "testChangePassword" and results_of(events)[-1].duration == 10100
    [meta] = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.started_at == datetime(2007, 6, 12, 14, 46, tzinfo=UTC)  # date='6/12/2007' time='2:46 PM'


def test_unicode_message_and_errors_from_nunit2_format() -> None:
    [failure] = results_of(_corpus("nunit2-unicode-names.xml"))
    assert failure.exception_description == "Expected failure\nExpected: ü\nBut was:  â"
    events = _corpus("nunit2-format-cosmosdb-errors.xml")
    first = results_of(events)[0]
    assert first.exception_name == "Microsoft.Azure.Documents.DocumentClientException"
    assert first.exception_description is not None
    assert first.exception_description.startswith("Sorry, we are currently experiencing high demand")
    assert first.container is not None and first.container.tags == ["CosmosDb"]
    assert not any("failure" in c.properties for c in containers_of(events))


def test_nunit38_parameterized_names_keep_their_arguments() -> None:
    results = _by_title(_corpus("nunit3.8-failures.xml"))
    assert results['TestWithParameters("Ä")'].status == Status.FAILED
    assert results["FailThisTest"].exception_backtrace is not None
    assert "Zeile 18" in results["FailThisTest"].exception_backtrace


# -- inline documents for what the corpus lacks ------------------------------------------------------


def test_nunit3_attachments_labels_and_suite_failure() -> None:
    cases = """
      <test-case name="Shot" fullname="Cart.Tests.CartTests.Shot" result="Passed" duration="0.25">
        <output><![CDATA[log line]]></output>
        <attachments>
          <attachment>
            <filePath>C:\\out\\screen.png</filePath><description><![CDATA[after login]]></description>
          </attachment>
          <attachment><filePath>/tmp/trace.zip</filePath></attachment>
        </attachments>
      </test-case>
      <test-case name="Warned" result="Warning"><reason><message>careful</message></reason></test-case>
      <test-case name="Invalid" result="Failed" label="Invalid">
        <reason><message>no args</message></reason>
      </test-case>
      <test-case name="Stopped" result="Failed" label="Cancelled"/>
      <test-case name="NotAsked" result="Skipped" label="Explicit" runstate="Explicit"/>
      <test-case name="Multi" result="Failed">
        <failure><message>2 failures</message></failure>
        <assertions>
          <assertion result="Failed"><message>one</message></assertion>
          <assertion result="Failed"><message>two</message></assertion>
        </assertions>
      </test-case>
      <test-case name="Odd" result="Exploded" duration="nope"/>"""
    suite_parts = """
      <properties><property name="Category" value="Nightly"/><property name="Owner" value="ana"/></properties>
      <failure><message><![CDATA[System.InvalidOperationException : db down]]></message>
        <stack-trace>at Cart.Tests.CartTests.Start()</stack-trace></failure>
      <output><![CDATA[fixture log]]></output>
      <attachments><attachment><filePath>/tmp/fixture.log</filePath></attachment></attachments>"""
    data = _nunit3(cases, fixture_extra=suite_parts).replace(
        b'classname="Cart.Tests.CartTests"', b'classname="Cart.Tests.CartTests" site="SetUp"'
    )
    events = _parse(data)
    results = _by_title(events)
    shot = results["Shot"]
    assert [(a.name, a.path, a.tag) for a in shot.assets] == [
        ("screen.png", "C:\\out\\screen.png", "after login"),
        ("trace.zip", "/tmp/trace.zip", None),
    ]
    assert (shot.stdout, shot.duration) == ("log line", 250)
    assert (results["Warned"].status, results["Warned"].exception_description) == (Status.UNKNOWN, "careful")
    assert (results["Invalid"].status, results["Invalid"].exception_description) == (Status.BROKEN, "no args")
    assert results["Stopped"].status == Status.BROKEN
    assert results["NotAsked"].status == Status.SKIPPED
    assert results["NotAsked"].json_data["runstate"] == "Explicit"
    assert [a["message"] for a in results["Multi"].json_data["assertions"]] == ["one", "two"]
    assert (results["Odd"].status, results["Odd"].duration) == (Status.UNKNOWN, None)
    fixture = next(c for c in containers_of(events) if c.classification == "TestFixture")
    assert fixture.tags == ["Nightly", "Owner:ana"]
    assert fixture.properties["failure"] == {
        "exception": "System.InvalidOperationException",
        "message": "db down",
        "stack_trace": "at Cart.Tests.CartTests.Start()",
        "site": "SetUp",
    }
    assert fixture.properties["output"] == "fixture log"
    assert [a.name for a in fixture.assets] == ["fixture.log"]
    assert fixture.duration == 1500
    assembly = containers_of(events)[0]
    assert (assembly.title, assembly.properties["path"]) == ("Cart.Tests.dll", "/src/out/Cart.Tests.dll")


def test_nunit2_results_and_root_level_environment() -> None:
    data = b"""<test-results name="A.dll" date="2015-05-22" time="15:01:53">
      <environment nunit-version="2.6.4" os-version="Microsoft Windows NT 6.2.9200.0" user="someone"/>
      <test-suite type="Test Project" name="" executed="True" result="Failure">
        <results><test-suite type="TestFixture" name="F"><results>
          <test-case name="A.F.Cancelled" executed="True" result="Cancelled"/>
          <test-case name="A.F.Skipped" executed="False" result="Skipped"/>
          <test-case name="A.F.Old" executed="True" success="False"/>
          <test-case name="A.F.NotRun" executed="False"><reason><message>later</message></reason></test-case>
          <test-case name="A.F.M(&quot;x.y&quot;, 1.5)" executed="True" result="Success"/>
        </results></test-suite></results>
      </test-suite>
    </test-results>"""
    events = _parse(data)
    results = results_of(events)
    assert [(r.title, r.status) for r in results] == [
        ("Cancelled", Status.BROKEN),
        ("Skipped", Status.SKIPPED),
        ("Old", Status.FAILED),
        ("NotRun", Status.SKIPPED),
        ('M("x.y", 1.5)', Status.PASSED),
    ]
    assert results[3].exception_description == "later"
    project = containers_of(events)[0]
    assert (project.classification, project.title) == ("Test Project", "Test Project")
    metas = [e for e in events if isinstance(e, ReportMeta)]
    assert metas[0].started_at == datetime(2015, 5, 22, 15, 1, 53, tzinfo=UTC)
    assert metas[1].os == "Microsoft Windows NT 6.2.9200.0" and "user" not in metas[1].properties


def test_a_lone_test_suite_root_is_read() -> None:
    data = b"""<test-suite type="Assembly" name="A.dll" runstate="Runnable">
      <test-case name="T" fullname="A.T" result="Passed"/></test-suite>"""
    [result] = results_of(_parse(data))
    assert (result.title, result.status) == ("T", Status.PASSED)
    assert get_format("nunit").sniff(data) == 0.6


def test_short_name_splits_after_the_last_dot_outside_brackets() -> None:
    assert short_name("NS.Fixture.Method") == "Method"
    assert short_name("NS.GenericFixture<Double>(11.5d).Test1") == "Test1"
    assert short_name('NS.F.M("a.b", 1.5)') == 'M("a.b", 1.5)'
    assert short_name("NS.F.G<System.Int32>(2)") == "G<System.Int32>(2)"
    assert short_name("plain") == "plain"
    assert short_name("trailing.") == "trailing."


def test_streaming_yields_before_the_end_of_a_large_file() -> None:
    cases = "".join(
        f'<test-case name="m{i}" fullname="C.m{i}" result="Passed" duration="0.001"/>' for i in range(20000)
    )
    data = _nunit3(cases)
    stream = io.BytesIO(data)
    events = get_format("nunit").parse(stream, {})
    first = next(e for e in events if isinstance(e, Result))
    assert first.title == "m0" and stream.tell() < len(data)
    assert sum(1 for e in events if isinstance(e, Result)) == 19999


def test_empty_file_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as caught:
        _parse(b"")
    assert caught.value.code == "empty_file"


def test_wrong_root_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"root element is <testsuite>, expected <test-run> \(NUnit 3\)"):
        _parse(b'<testsuite name="x" tests="1"><testcase name="a"/></testsuite>')


def test_wrong_root_is_refused_before_a_broken_body() -> None:
    # only the ends of test cases and suites are reported, but the root is still checked first
    with pytest.raises(ParseError, match=r"root element is <testsuites>, expected <test-run> \(NUnit 3\)"):
        _parse(b"<testsuites><testsuite><oops></testsuite></testsuites>")


def test_truncated_file_is_a_parse_error_with_its_line() -> None:
    data = (CORPUS / "nunit" / "nunit3.8-failures.xml").read_bytes()[:4000]
    with pytest.raises(ParseError) as caught:
        _parse(data)
    assert caught.value.details.get("line") is not None


def test_sniff_scores() -> None:
    sniff = get_format("nunit").sniff
    head = b'\xef\xbb\xbf<?xml version="1.0"?>\n<!--This file represents...-->\n<test-results name="a">'
    assert sniff(head) >= 0.9
    assert sniff("<?xml version='1.0' encoding='utf-16'?><test-run id='1'>".encode("utf-16")) >= 0.9
    assert sniff(b"<testsuites><testsuite name='x'/></testsuites>") == 0.0  # JUnit
    assert sniff(b"<test-suite name='x'>") == 0.0  # no type: too little to go on
    assert sniff(b"<TestRun xmlns='http://microsoft.com/schemas/VisualStudio/TeamTest/2010'>") == 0.0
