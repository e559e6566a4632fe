"""JUnit XML parser: every corpus file against its hand counts, plus what each dialect must keep."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assay.errors import ParseError, UnsafeInputError
from assay.formats import detect, get_format
from assay.formats.junit import sniff
from assay.model import Container, ReportMeta, Result, Status
from tests.formats.helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    count,
    parse_events,
    results_of,
)

JUNIT_FILES = corpus_files("junit")

def parse(name: str) -> list[object]:
    return parse_events("junit", CORPUS / "junit" / name)


def junit(text: str | bytes) -> list[object]:
    return parse_events("junit", text.encode() if isinstance(text, str) else text)


def by_title(events: list[object]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def metas(events: list[object]) -> list[ReportMeta]:
    return [e for e in events if isinstance(e, ReportMeta)]


# -- the corpus -------------------------------------------------------------------------------------


# googletest-xml.xml: our reading differs from expected.json on purpose (GTEST_SKIP counts as
# skipped); see EXPECTED_OVERRIDES in tests/formats/helpers.py, which assert_matches_expected applies.
@pytest.mark.parametrize("path", JUNIT_FILES, ids=[p.name for p in JUNIT_FILES])
def test_corpus_counts_match_expected(path: Path) -> None:
    assert_matches_expected(f"junit/{path.name}", parse_events("junit", path))


@pytest.mark.parametrize("path", JUNIT_FILES, ids=[p.name for p in JUNIT_FILES])
def test_corpus_events_are_well_formed(path: Path) -> None:
    events = parse_events("junit", path)
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen  # parents come first
            assert event.classification == "Suite"
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is None or id(event.container) in seen
            assert type(event.title) is str and event.title
            assert event.stdout is None or type(event.stdout) is str  # no lxml strings escape
            assert all(type(v) in (str, list) for v in event.properties.values())


def test_googletest_skips_notrun_suppressed_and_gtest_skip() -> None:
    events = parse("googletest-xml.xml")
    got = count(events)
    assert (got.total, got.passed, got.failed, got.skipped) == (24, 17, 4, 3)
    results = results_of(events)
    skipped = {r.title for r in results if r.status is Status.SKIPPED}
    assert skipped == {"DISABLED_test", "DISABLED_test_not_run", "Skipped"}
    fails = next(r for r in results if r.title == "Fails" and r.classname == "MixedResultTest")
    # two <failure> elements: counted once, both texts kept
    assert "1\n  2" in fails.exception_backtrace and "2\n  3" in fails.exception_backtrace
    assert fails.exception_name is None  # type="" is no type
    quoting = by_title(events)["OutputsCData"]
    assert "<top><![CDATA[cdata text]]></top>" in quoting.exception_backtrace  # CDATA split by ]]&gt;
    assert by_title(events)["ThreeProperties"].properties == {"key_1": "1", "key_2": "2", "key_3": "3"}
    assert by_title(events)["HasValueParamAttribute/0"].properties["value_param"] == "33"
    assert "status" not in by_title(events)["Succeeds"].properties
    assert metas(events)[0].title == "AllTests"
    assert metas(events)[0].properties == {"ad_hoc_property": "42"}


def test_surefire_flaky_reruns_pass_with_attempts() -> None:
    events = parse("surefire-3.0.2-flaky-reruns.xml")
    (result,) = results_of(events)
    assert result.status is Status.PASSED
    assert result.flaky is True
    assert result.exception_description is None
    assert [a["status"] for a in result.attempts] == ["failed", "failed"]
    assert [a["message"] for a in result.attempts] == ["obvious fail", "try one more time maybe"]
    first = result.attempts[0]
    assert first["type"] == "junit.framework.AssertionFailedError"
    assert first["stack_trace"].startswith("junit.framework.AssertionFailedError: obvious fail\n\tat ")
    assert first["system_out"] == "this will fail maybe\n"
    assert first["system_err"] == "this will maybe fail\n"
    (suite,) = containers_of(events)
    assert suite.title == "io.olamy.FlakyTest" and suite.parent is None  # a bare root <testsuite>
    assert suite.properties["surefire.rerunFailingTestsCount"] == "3"
    assert suite.properties["version"] == "3.0.2"
    assert suite.duration == 46


def test_surefire_rerun_always_fails_stays_failed() -> None:
    (result,) = results_of(parse("surefire-3.0.2-rerun-always-fails.xml"))
    assert result.status is Status.FAILED and result.flaky is False
    assert result.exception_description == "built to fail"
    assert result.exception_name == "junit.framework.AssertionFailedError"
    assert result.stdout == "this will fail for real\n"
    assert result.stderr == "this will really fail\n"
    assert len(result.attempts) == 3
    assert {a["status"] for a in result.attempts} == {"failed"}


def test_suite_level_error_becomes_a_broken_result() -> None:
    events = parse("nested-testsuites-error-outside-testcase.xml")
    results = by_title(events)
    synthesized = results["test.3rdlevel (suite error)"]
    assert synthesized.status is Status.BROKEN
    assert synthesized.exception_name == "java.lang.IllegalStateException"
    assert synthesized.exception_description == "bla bla"
    assert synthesized.exception_backtrace.strip().endswith("at test.Test(Test:35)")
    suite = synthesized.container
    assert suite.title == "test.3rdlevel"
    assert [suite.parent.title, suite.parent.parent.title] == ["test.db.DatabaseTest", "test.AutomatedTests"]
    assert results["testTable"].container is suite.parent
    assert metas(events)[0].title == "Automated Tests"
    # earliest suite timestamp, no zone in the file -> UTC
    assert metas(events)[-1].started_at == datetime(2011, 7, 22, 13, 12, 19, tzinfo=UTC)


def test_pytest_xfail_and_properties() -> None:
    events = parse("pytest-xfail-properties.xml")
    results = by_title(events)
    xfail = results["test_expected_failure"]
    assert xfail.status is Status.SKIPPED and xfail.exception_name == "pytest.xfail"
    skip = results["test_always_skip"]
    assert skip.exception_description == "skipped" and skip.exception_name == "pytest.skip"
    assert results["test_with_record_property"].properties == {"example_key": "1"}
    assert results["test_always_fail"].exception_description == "assert False"
    assert results["test_with_subtests"].duration == 5
    assert results["test_with_record_xml_attribute"].classname == "custom_classname"
    (suite,) = containers_of(events)
    assert suite.properties["custom_prop"] == "custom_val"
    assert suite.properties["hostname"] == "Mac.hsd1.va.comcast.net"
    assert metas(events)[0].title == "pytest tests"
    started = metas(events)[-1].started_at
    assert started == datetime(2025, 11, 15, 11, 51, 49, 548396, tzinfo=timezone(timedelta(hours=-5)))


def test_go_subtests_keep_their_slash_titles() -> None:
    events = parse("go-junit-report-subtests.xml")
    results = by_title(events)
    assert results["TestSubtests/Subtest#01"].status is Status.FAILED
    assert results["TestSubtests/Subtest#01"].exception_backtrace == "    subtests_test.go:10: error message"
    assert results["TestNestedSubtests/a#1/b#1/c#1"].status is Status.PASSED
    assert results["TestSubtests/Subtest#02"].exception_description == "Skipped"
    assert results["TestSubtests/Subtest"].stdout == "    subtests_test.go:7: ok"
    (suite,) = containers_of(events)
    assert suite.properties["system-out"] == "exit status 1"  # suite output after the testcases
    assert suite.properties["go.version"] == "1.0"


def test_go_build_failures_are_broken() -> None:
    results = results_of(parse("go-junit-report-build-failed.xml"))
    broken = [r for r in results if r.status is Status.BROKEN]
    assert [r.title for r in broken] == ["[build failed]", "[build failed]", "[setup failed]"]
    assert broken[0].exception_description == "Build error"
    assert broken[0].exception_backtrace == "failing1/failing_test.go:15: undefined: x"


def test_jest_failures_without_message_take_the_first_line() -> None:
    events = parse("jest-junit-windows-paths.xml")
    results = by_title(events)
    failing = results["Failing test"]
    assert failing.exception_description == "Error: expect(received).toBeTruthy()"
    assert "main.test.js:10:21" in failing.exception_backtrace
    assert failing.classname == "Test 1 › Test 1.1"
    assert results["Timeout test"].classname is None  # classname="" is no class
    assert [c.title for c in containers_of(events)] == [
        "__tests__\\main.test.js",
        "__tests__\\second.test.js",
    ]


def test_karma_counts_repeated_outcomes_once() -> None:
    results = by_title(parse("karma-junit-reporter-ng-scenario.xml"))
    ten = results["ten builds are display"]
    assert ten.status is Status.FAILED
    assert ten.exception_description == "expect repeater 'li.build' count toBe 10"
    assert "expected 10 but was 0" in ten.exception_backtrace
    assert results["the latest testsuite show as first"].status is Status.BROKEN


def test_surefire_junit5_empty_name_uses_the_classname() -> None:
    (result,) = results_of(parse("surefire-3.0-junit5-beforeall-empty-name.xml"))
    assert result.title == "test.TestJUnit5FailingInBeforeAll"
    assert result.exception_name == "org.opentest4j.AssertionFailedError"
    assert result.exception_description == "org.opentest4j.AssertionFailedError: Failure in @BeforeAll method"
    assert result.stdout == "In setup...\n"


def test_phpunit_nested_suites_and_file_line() -> None:
    events = parse("phpunit-dataset-nested-suites.xml")
    data_test, add = containers_of(events)
    assert add.parent is data_test and data_test.parent is None
    assert data_test.properties["file"].endswith("DataTest.php")
    assert data_test.properties["assertions"] == "4"
    failed = by_title(events)["testAdd with data set #3"]
    assert failed.container is add and failed.exception_name == "PHPUnit_Framework_ExpectationFailedException"

    events = parse("phpunit-11-phpt-four-suites.xml")
    case = by_title(events)["testCollectsEventsUntilFlush"]
    assert case.properties["line"] == "22" and case.properties["file"].endswith("DeferringDispatcherTest.php")
    # PHPUnit 11 writes classname with dots and keeps the PHP name in class=
    assert case.classname == "PHPUnit.Event.DeferringDispatcherTest"
    assert case.properties["class"] == "PHPUnit\\Event\\DeferringDispatcherTest"
    assert case.container.parent.title == "CLI Arguments"


def test_ant_junitreport_suite_attributes() -> None:
    events = parse("ant-junitreport-testsuites.xml")
    first, second = containers_of(events)
    assert first.properties == {
        "hostname": "myhost",
        "id": "0",
        "package": "com.sample.test",
        "timestamp": "2015-01-13T07:23:07",
    }
    assert "system-out" not in first.properties  # empty CDATA is no output
    assert second.duration == 60
    meta = metas(events)[-1]
    assert meta.started_at == datetime(2015, 1, 13, 7, 23, 7, tzinfo=UTC)
    assert meta.finished_at == datetime(2015, 1, 13, 7, 23, 8, 60000, tzinfo=UTC)


def test_bazel_suite_log_keeps_mixed_text_and_cdata() -> None:
    events = parse("bazel-test-xml-suite-logs.xml")
    (suite,) = containers_of(events)
    log = suite.properties["system-out"]
    assert "Generated test.log" in log and "ModuleNotFoundError" in log
    assert suite.properties["system-err"].strip() == "Generated test.err"
    (result,) = results_of(events)
    assert result.status is Status.BROKEN and result.exception_description == "exited with error code 1"


def test_junit3_unnamed_suite_and_carriage_returns() -> None:
    events = parse("junit3-ejb-errors-crlf.xml")
    (suite,) = containers_of(events)
    assert suite.title == "(unnamed)"
    broken = next(r for r in results_of(events) if r.status is Status.BROKEN)
    assert broken.title == "org.twia.vendor.VendorManagerTest.testGetVendorFirmKeyForVendorRep"
    assert broken.exception_description == "java.lang.NullPointerException"
    assert "\r\n" in broken.exception_backtrace


def test_tst_disabled_and_swift_without_skip_marker() -> None:
    results = by_title(parse("tst-cpp-status-disabled.xml"))
    assert results["disabled_param_test[2]"].status is Status.SKIPPED
    assert results["test_which_throws_unknown_exception"].status is Status.BROKEN
    assert by_title(parse("swift-test-xunit-output.xml"))["test_always_skip"].status is Status.PASSED


def test_gradle_mojibake_imports() -> None:
    results = by_title(parse("gradle-junit4-windows-mojibake.xml"))
    assert results["test2"].status is Status.FAILED and results["test2"].exception_description
    assert results["test3"].exception_name == "java.lang.RuntimeException"
    assert results["test4"].status is Status.SKIPPED


def test_empty_testsuite_imports_as_an_empty_container() -> None:
    events = parse("jest-junit-empty-testsuite.xml")
    assert results_of(events) == []
    assert [c.title for c in containers_of(events)] == ["__tests__\\main.test.js"]


# -- inline edge cases ------------------------------------------------------------------------------


def test_missing_attributes() -> None:
    events = junit("<testsuite><testcase/><testcase classname='a.B'/></testsuite>")
    (suite,) = containers_of(events)
    first, second = results_of(events)
    assert suite.title == "(unnamed)" and suite.duration is None
    assert (first.title, first.duration, first.classname, first.status) == (
        "(unnamed)",
        None,
        None,
        Status.PASSED,
    )
    assert second.title == "a.B"


def test_cdata_and_unicode() -> None:
    events = junit(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites><testsuite name="Ünïcødé ✓">'
        '<testcase name="日本語のテスト" time="0,25"><failure message="ça échoue">'
        "<![CDATA[<b>not markup</b> & ]]]]><![CDATA[> done]]></failure>"
        "<system-err><![CDATA[stderr ✓]]></system-err></testcase></testsuite></testsuites>"
    )
    (result,) = results_of(events)
    assert result.container.title == "Ünïcødé ✓"
    assert result.title == "日本語のテスト" and result.duration == 250  # decimal comma
    assert result.exception_description == "ça échoue"
    assert result.exception_backtrace == "<b>not markup</b> & ]]> done"
    assert result.stderr == "stderr ✓"


def test_utf16_document_sniffs_and_parses() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><testsuite name="s"><testcase name="é"/></testsuite>'
    encoded = data.encode("utf-16")
    assert sniff(encoded) == 0.9
    assert results_of(junit(encoded))[0].title == "é"


def test_empty_testsuites() -> None:
    assert junit("<testsuites/>") == []
    events = junit("<testsuites name='run'></testsuites>")
    assert results_of(events) == [] and containers_of(events) == []
    assert metas(events)[0].title == "run"


@pytest.mark.parametrize("data", [b"", b"  \n\t ", b"\xef\xbb\xbf\n"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        junit(data)
    assert caught.value.code == "empty_file"


def test_phpunit_failure_text_starting_with_the_test_id_gives_the_real_message() -> None:
    (result,) = results_of(junit(
        '<testsuites><testsuite name="CartTest"><testcase name="testAdd" classname="CartTest">'
        '<error type="TypeError">CartTest::testAdd\nTypeError: Cannot add null to Cart\n\n/src/Cart.php:19\n'
        "</error></testcase></testsuite></testsuites>"
    ))
    assert result.status is Status.BROKEN and result.exception_name == "TypeError"
    assert result.exception_description == "TypeError: Cannot add null to Cart"
    assert result.exception_backtrace.startswith("CartTest::testAdd\n")


def _run(name: str, repetition: str, failure: str = "") -> str:
    return (f'<testcase classname="TicketTests" name="{name}" time="0.5">{failure}'
            f'<properties><property name="repetition" value="{repetition}"/></properties></testcase>')


def test_xcode_repetitions_are_one_test_decided_by_the_last_run() -> None:
    fail = '<failure message="Tickets.swift:48: Expectation failed"/>'
    events = junit(
        '<testsuites><testsuite name="TicketsTests">'
        + _run("flaky one", "Repetition 1 of 3", fail) + _run("flaky one", "Repetition 2 of 3")
        + _run("always fails", "Repetition 1 of 3", fail) + _run("always fails", "Repetition 2 of 3", fail)
        + '<testcase classname="TicketTests" name="plain"/><testcase classname="TicketTests" name="plain"/>'
        + "</testsuite></testsuites>"
    )
    results = results_of(events)
    assert [(r.title, r.status, r.flaky) for r in results] == [
        ("flaky one", Status.PASSED, True),
        ("always fails", Status.FAILED, False),
        ("plain", Status.PASSED, False),  # no repetition marker: two testcases stay two tests
        ("plain", Status.PASSED, False),
    ]
    flaky = results[0]
    assert flaky.attempts == [{"status": "failed", "message": "Tickets.swift:48: Expectation failed",
                               "duration": 500, "repetition": "Repetition 1 of 3"}]
    assert flaky.properties["repetition"] == "Repetition 2 of 3"
    assert results[1].exception_description == "Tickets.swift:48: Expectation failed"


def test_truncated_file_reports_the_line() -> None:
    data = (
        b'<?xml version="1.0"?>\n<testsuites>\n  <testsuite name="s">\n    <testcase name="a"/>\n    <testc'
    )
    with pytest.raises(ParseError) as caught:
        junit(data)
    assert caught.value.code == "parse_error"
    assert caught.value.details["line"] == 5


def test_doctype_with_entities_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        b"<testsuites>&b;</testsuites>"
    )
    with pytest.raises(UnsafeInputError):
        junit(data)


def test_wrong_root_is_named() -> None:
    with pytest.raises(ParseError, match=r"root element is <test-run>, expected <testsuites> or <testsuite>"):
        junit('<test-run id="2"><test-suite type="Assembly"/></test-run>')


@pytest.mark.parametrize(
    "path",
    [p for folder in ("nunit", "xunit", "testng", "robot", "trx") for p in corpus_files(folder)],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_other_xml_formats_are_refused(path: Path) -> None:
    with pytest.raises(ParseError):
        parse_events("junit", path)


def test_several_outcomes_most_severe_wins() -> None:
    events = junit(
        "<testsuite name='s'>"
        "<testcase name='fe'><error message='e'/><failure message='f'/></testcase>"
        "<testcase name='es'><skipped message='s'/><error message='e' type='IOError'/></testcase>"
        "<testcase name='attr'><skipped/></testcase>"
        "<testcase name='failed-attr' status='failed'/>"
        "</testsuite>"
    )
    results = by_title(events)
    assert results["fe"].status is Status.FAILED and results["fe"].exception_description == "f"
    assert results["es"].status is Status.BROKEN and results["es"].exception_name == "IOError"
    assert results["attr"].status is Status.SKIPPED
    assert results["failed-attr"].status is Status.FAILED
    assert count(events).total == 4


def test_rerun_without_final_failure_is_failed() -> None:
    (result,) = results_of(
        junit("<testsuite name='s'><testcase name='t'><rerunError message='x'/></testcase></testsuite>")
    )
    assert result.status is Status.FAILED
    assert result.attempts == [{"status": "broken", "message": "x"}]


def test_attachments_properties_and_conventions() -> None:
    png = base64.b64encode(b"\x89PNG").decode()
    events = junit(
        "<testsuites><testsuite name='s'><testcase name='t'>"
        "<properties>"
        "<property name='test_key' value='CALC-12'/>"
        "<property name='tags' value='smoke, ui'/>"
        "<property name='test_description'><![CDATA[Checks the total]]></property>"
        f"<property name='testrun_evidence'><item name='shot.png'>{png}</item></property>"
        "<property name='attachment' value='logs/run.log'/>"
        "<property name='multi'>  line one\n  line two  </property>"
        "<property name='k' value='1'/><property name='k' value='2'/>"
        "<property name='assay.status' value='unknown'/>"
        "</properties>"
        "<skipped message='unknown'/>"
        "<system-out>hello\n[[ATTACHMENT|/tmp/screens/a.png]]\n</system-out>"
        "<system-err>[[ATTACHMENT|C:\\out\\b.txt]]</system-err>"
        "</testcase></testsuite></testsuites>"
    )
    (result,) = results_of(events)
    assert result.status is Status.UNKNOWN  # Assay's own writer marks unknown this way
    assert result.test_key == "CALC-12"
    assert result.tags == ["smoke", "ui"]
    assert result.description == "Checks the total"
    assert result.properties == {"multi": "line one\n  line two", "k": ["1", "2"]}
    assets = {a.name: a for a in result.assets}
    assert assets["shot.png"].data == b"\x89PNG"
    assert assets["run.log"].path == "logs/run.log"
    assert assets["a.png"].path == "/tmp/screens/a.png"
    assert assets["b.txt"].path == "C:\\out\\b.txt"


def test_namespaced_document_and_cases_at_the_root() -> None:
    events = junit(
        "<testsuites xmlns='urn:example'><testcase name='top'><failure/></testcase>"
        "<testsuite name='s'><testcase name='in'/></testsuite>"
        "<properties><property name='build' value='1.2.3'/><property name='ci' value='gh'/></properties>"
        "</testsuites>"
    )
    results = by_title(events)
    assert results["top"].container is None and results["top"].status is Status.FAILED
    assert results["in"].container.title == "s"
    meta = next(m for m in metas(events) if m.properties or m.build)
    assert meta.build == "1.2.3" and meta.properties == {"ci": "gh"}


def test_garbage_numbers_and_timestamps() -> None:
    events = junit(
        "<testsuite name='s' time='abc' timestamp='yesterday'><testcase name='t' time='NaN'/>"
        "<testcase name='u' time='-1'/></testsuite>"
    )
    (suite,) = containers_of(events)
    assert suite.duration is None
    assert [r.duration for r in results_of(events)] == [None, None]
    assert all(m.started_at is None for m in metas(events))


def test_suite_children_keep_their_place_among_testcases() -> None:
    # The reader is told of testcases and suites only: what else a suite holds is read from the tree
    # when the next testcase or the suite ends, and must still come out in document order.
    events = junit(
        "<testsuites name='run'><testsuite name='outer'>"
        "<error message='setup'/><testcase name='a'/>"
        "<properties><property name='p' value='1'/></properties>"
        "<testsuite name='inner'><system-out>inner log</system-out></testsuite>"
        "<testcase name='b'/><failure message='teardown'/><system-out>outer log</system-out>"
        "</testsuite><testcase name='top'/></testsuites>"
    )
    order = [e.title for e in events if isinstance(e, Container | Result)]
    assert order == ["outer", "outer (suite error)", "a", "inner", "b", "outer (suite failure)", "top"]
    outer, inner = containers_of(events)
    assert inner.parent is outer
    assert outer.properties == {"p": "1", "system-out": "outer log"}
    assert inner.properties == {"system-out": "inner log"}
    assert by_title(events)["top"].container is None


def test_testcases_inside_other_elements_are_not_results() -> None:
    events = junit(
        "<testsuite name='s'>"
        "<testcase name='outer'><testcase name='nested'/></testcase>"
        "<group><testcase name='grouped'/><testsuite name='hidden'><testcase name='deep'/></testsuite></group>"
        "<testsuites><testcase name='grouping'/></testsuites>"
        "</testsuite>"
    )
    assert [r.title for r in results_of(events)] == ["outer", "grouping"]
    (suite,) = containers_of(events)
    assert by_title(events)["grouping"].container is suite  # a nested <testsuites> adds no level


def test_wrong_root_is_refused_from_the_first_bytes() -> None:
    # another format's big file is refused at once, not after being read (and held) whole
    stream = io.BytesIO(b'<?xml version="1.0"?><test-run>' + b"<test-case name='x'/>" * 100_000 + b"</test-run>")
    with pytest.raises(ParseError, match=r"root element is <test-run>"):
        list(get_format("junit").parse(stream, {}))
    assert stream.tell() <= 64 * 1024


def test_root_after_a_long_prolog() -> None:
    prolog = b"<!--" + b"x" * 70_000 + b"-->\n"  # the root's start tag is past the first 64 KiB
    assert [r.title for r in results_of(junit(prolog + b"<testsuite><testcase name='t'/></testsuite>"))] == ["t"]
    with pytest.raises(ParseError, match=r"root element is <test-run>"):
        junit(prolog + b"<test-run><test-case/></test-run>")


def test_many_distinct_times() -> None:
    # time= values are remembered up to a bound; past it they are still read
    cases = "".join(f"<testcase name='t{i}' time='{i}.5'/>" for i in range(5000))
    durations = [r.duration for r in results_of(junit(f"<testsuite>{cases}<testcase time='7.5'/></testsuite>"))]
    assert durations == [i * 1000 + 500 for i in range(5000)] + [7500]


def test_parse_is_lazy() -> None:
    stream = io.BytesIO(b"<testsuites><testsuite name='s'><testcase name='t'/></testsuite></testsuites>")
    events = get_format("junit").parse(stream, {})
    assert stream.tell() == 0  # a generator: nothing is read before the first event is asked for
    assert isinstance(next(events), Container)


# -- sniff --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", JUNIT_FILES, ids=[p.name for p in JUNIT_FILES])
def test_sniff_claims_junit_files(path: Path) -> None:
    head = path.read_bytes()[:65536]
    assert sniff(head) == 0.9
    assert detect(head, path.name).name == "junit"


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?><test-run id="2">',
        b"<test-results name='x'>",
        b'<assemblies timestamp="x"><assembly name="a">',
        b"<testng-results skipped='0'>",
        b"<Site BuildName='x'><Testing>",
        b"<robot generator='Robot'>",
        b'{"testsuites": []}',
        b"<!-- <testsuites> in a comment only --><other/>",
        b"",
        b"\x00\x01garbage",
    ],
)
def test_sniff_refuses_other_formats(head: bytes) -> None:
    assert sniff(head) == 0.0


@pytest.mark.parametrize(
    "head",
    [
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<testsuites>',
        b'<!-- SPDX: MIT -->\n<?xml version="1.0"?>\n<!-- c --><testsuite name="a"',
        b'<?xml version="1.0"?><!DOCTYPE testsuites [<!ELEMENT testsuites ANY>]><testsuites/>',
        b"\n\n  <testsuite",  # cut right after the root name
    ],
)
def test_sniff_skips_the_prolog(head: bytes) -> None:
    assert sniff(head) == 0.9
