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

FILES = corpus_files("testng")
OTHER_FILES = sorted(
    p for p in CORPUS.rglob("*") if p.is_file() and p.parent.name not in ("testng",) and p.parent != CORPUS
)


def _parse(data: bytes) -> list[Event]:
    return parse_events("testng", data)


def _doc(methods: str, *, suite_extra: str = "", class_attrs: str = 'name="com.acme.CartTest"') -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<testng-results skipped="0" failed="0" total="1" passed="1">
  <reporter-output></reporter-output>
  <suite name="S" duration-ms="10" started-at="2021-03-01T10:00:00 CET" finished-at="2021-03-01T10:00:05 CET">
    {suite_extra}
    <test name="T" duration-ms="9">
      <class {class_attrs}>
        {methods}
      </class>
    </test>
  </suite>
</testng-results>""".encode()


def _path(container: Container | None) -> list[tuple[str | None, str]]:
    path = []
    while container is not None:
        path.append((container.classification, container.title))
        container = container.parent
    return list(reversed(path))


# -- the corpus ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_matches_expected_counts(path: Path) -> None:
    events = _parse(path.read_bytes())
    assert_matches_expected(f"testng/{path.name}", events)
    containers = containers_of(events)
    seen: set[int] = set()
    for event in events:
        # a container comes before anything inside it, and every result sits in a Class
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is not None and id(event.container) in seen
            assert event.container.classification == "Class"
            assert event.title and event.classname == event.container.title
    assert {c.classification for c in containers} <= {"Suite", "Test", "Class"}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_sniff_claims_own_corpus_files(path: Path) -> None:
    head = path.read_bytes()[:65536]
    assert get_format("testng").sniff(head) >= 0.9
    assert detect(head, path.name).name == "testng"


@pytest.mark.parametrize("path", OTHER_FILES, ids=[f"{p.parent.name}/{p.name}" for p in OTHER_FILES])
def test_sniff_ignores_other_formats(path: Path) -> None:
    assert get_format("testng").sniff(path.read_bytes()[:65536]) == 0.0


def test_data_provider_parameters_are_in_the_title() -> None:
    events = _parse((CORPUS / "testng" / "testng-dataprovider-params.xml").read_bytes())
    results = results_of(events)
    assert sorted(r.title for r in results) == [f"test({i})" for i in range(1, 9)]
    failed = next(r for r in results if r.title == "test(1)")
    assert failed.status == Status.FAILED
    assert failed.exception_name == "java.lang.AssertionError"
    assert failed.exception_description is None  # no <message>: AssertionError without text
    assert failed.exception_backtrace is not None
    assert failed.exception_backtrace.startswith(
        "java.lang.AssertionError\n\tat org.jenkins.TestDataProvider.test(TestDataProvider.java:15)"
    )
    assert failed.duration == 9
    assert failed.json_data["signature"] == "test(int)"
    assert _path(failed.container) == [
        ("Suite", "Ant suite"),
        ("Test", "Ant test"),
        ("Class", "org.jenkins.TestDataProvider"),
    ]
    assert next(r for r in results if r.title == "test(2)").status == Status.PASSED


def test_failed_config_method_is_not_a_test_but_is_noted_on_its_class() -> None:
    events = _parse((CORPUS / "testng" / "testng-failed-config-skips-test.xml").read_bytes())
    [result] = results_of(events)
    assert (result.title, result.status) == ("testShouldPass", Status.SKIPPED)
    assert result.json_data["signature"] == "runTest"
    cls = result.container
    assert cls is not None and cls.title == "com.fakepkg.test.MyFakeTest"
    assert cls.properties["config-failures"] == [{"method": "testSetup", "signature": "testSetup"}]


def test_config_methods_are_excluded_and_failures_kept_with_their_exception() -> None:
    events = _parse((CORPUS / "testng" / "testng-precheckins-config-methods.xml").read_bytes())
    results = results_of(events)
    assert len(results) == 38 and {r.title for r in results} == {"test"}  # 228 config methods left out
    failed = next(r for r in results if r.status == Status.FAILED)
    assert failed.container is not None and failed.container.title == "precheckins.FTOps"
    assert failed.exception_name == "com.fakepkg.test.util.AssertException"
    assert failed.exception_description == "Test Failed"
    assert failed.description is not None
    assert failed.description.startswith("Test all FT specific API's on BAT")
    assert failed.duration == 73273
    skipped = next(r for r in results if r.status == Status.SKIPPED)
    legacy = skipped.container
    assert legacy is not None and legacy.parent is not None
    assert legacy.parent.title == "VC::Functional::LegacyOpsESX41"
    [failure] = legacy.properties["config-failures"]
    assert failure["method"] == "testSetUp"
    assert failure["exception"] == "com.fakepkg.test.ManagedObjectNotFound"
    assert "at precheckins.LegacyOps.testSetUp(LegacyOps.java:144)" in failure["backtrace"]
    with_config_failures = [c for c in containers_of(events) if "config-failures" in c.properties]
    assert with_config_failures == [legacy]


def test_same_names_in_several_suites_keep_their_own_containers() -> None:
    events = _parse((CORPUS / "testng" / "testng-same-test-name-multi-suite.xml").read_bytes())
    suites = [c for c in containers_of(events) if c.classification == "Suite"]
    assert [s.title for s in suites] == ["XMLReporter tests"] * 3  # the empty third suite too
    tests = [c for c in containers_of(events) if c.classification == "Test"]
    assert [t.title for t in tests] == [
        "XMLReporter:Tests",
        "XMLReporter:Tests:Another",
        "XMLReporter:Tests",
        "XMLReporter:Tests",
    ]
    assert [t.parent for t in tests] == [suites[0], suites[0], suites[0], suites[1]]
    assert suites[0].duration == 6
    metas = [e for e in events if isinstance(e, ReportMeta)]
    assert min(m.started_at for m in metas if m.started_at) == datetime(2011, 5, 31, 15, 24, 20, tzinfo=UTC)
    assert max(m.finished_at for m in metas if m.finished_at) == datetime(2011, 5, 31, 15, 26, 20, tzinfo=UTC)


# -- inline documents for what the corpus lacks ------------------------------------------------------


def test_groups_reporter_output_attributes_and_parameters() -> None:
    groups = """<groups>
      <group name="smoke"><method signature="CartTest.adds(java.lang.String, int)[pri:0]" name="adds"
        class="com.acme.CartTest"/></group>
      <group name="cart"><method signature="x" name="adds" class="com.acme.CartTest"/></group>
      <group name="other"><method signature="y" name="adds" class="com.acme.OtherTest"/></group>
    </groups>"""
    method = """<test-method status="PASS" signature="adds(java.lang.String, int)" name="adds"
        groups="fast, smoke" duration-ms="12" retried="true" data-provider="items"
        description="Adds &amp; sums"
        started-at="2021-03-01T10:00:01 CET" finished-at="2021-03-01T10:00:01 CET">
      <params>
        <param index="0"><value><![CDATA[héllo <world>]]></value></param>
        <param index="1"><value is-null="true"/></param>
        <param index="2"><value>
          <![CDATA[42]]>
        </value></param>
      </params>
      <reporter-output>
        <line><![CDATA[first line]]></line>
        <line><![CDATA[second ☃]]></line>
      </reporter-output>
      <attributes><attribute name="jira"><![CDATA[CART-7]]></attribute></attributes>
    </test-method>"""
    events = _parse(_doc(method, suite_extra=groups))
    [result] = results_of(events)
    assert result.title == "adds(héllo <world>, null, 42)"
    assert result.tags == ["fast", "smoke", "cart"]  # the attribute's groups, then the suite's; no repeats
    assert result.stdout == "first line\nsecond ☃"
    assert result.properties == {"retried": "true", "data-provider": "items", "jira": "CART-7"}
    assert result.description == "Adds & sums"
    assert (result.status, result.duration, result.classname) == (Status.PASSED, 12, "com.acme.CartTest")
    [meta] = [e for e in events if isinstance(e, ReportMeta)]
    cet = timezone(timedelta(hours=1))
    assert meta.started_at == datetime(2021, 3, 1, 10, 0, 0, tzinfo=cet)


def test_statuses_and_exceptions() -> None:
    methods = """
      <test-method status="SKIP" signature="b()" name="b">
        <exception class="org.testng.SkipException">
          <message><![CDATA[not on Windows]]></message>
          <short-stacktrace><![CDATA[org.testng.SkipException: not on Windows]]></short-stacktrace>
        </exception>
      </test-method>
      <test-method status="SUCCESS_PERCENTAGE_FAILURE" signature="c()" name="c"/>
      <test-method status="WEIRD" signature="d()" name="d" duration-ms="oops"/>
      <test-method signature="e()"/>
      <test-method status="FAIL" signature="setUp()" name="setUp" is-config="true">
        <exception class="java.lang.IllegalStateException"><message>db down</message></exception>
      </test-method>"""
    events = _parse(_doc(methods))
    results = {r.title: r for r in results_of(events)}
    assert list(results) == ["b", "c", "d", "e()"]
    assert results["b"].status == Status.SKIPPED
    assert results["b"].exception_name == "org.testng.SkipException"
    assert results["b"].exception_description == "not on Windows"
    assert results["b"].exception_backtrace == "org.testng.SkipException: not on Windows"
    assert results["c"].status == Status.PASSED
    assert results["c"].properties["testng-status"] == "SUCCESS_PERCENTAGE_FAILURE"
    assert (results["d"].status, results["d"].duration) == (Status.UNKNOWN, None)
    assert results["e()"].status == Status.UNKNOWN  # no name, no status: signature as title
    cls = results["b"].container
    assert cls is not None
    assert cls.properties["config-failures"] == [
        {
            "method": "setUp",
            "signature": "setUp()",
            "exception": "java.lang.IllegalStateException",
            "message": "db down",
        }
    ]


def test_split_class_and_package_names() -> None:
    events = _parse(
        _doc(
            '<test-method status="PASS" signature="a()" name="a"/>',
            class_attrs='name="CartTest" package="com.acme"',
        )
    )
    [result] = results_of(events)
    assert result.classname == "com.acme.CartTest"
    assert result.container is not None and result.container.title == "com.acme.CartTest"


def test_root_reporter_output_goes_to_the_report() -> None:
    data = b"""<testng-results><reporter-output><line>global log</line></reporter-output>
      <suite name="S"/></testng-results>"""
    events = _parse(data)
    [meta] = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.properties == {"reporter-output": "global log"}
    assert [c.title for c in containers_of(events)] == ["S"]


def test_namespaced_elements_are_read() -> None:
    data = b"""<t:testng-results xmlns:t="urn:x"><t:suite name="S"><t:test name="T"><t:class name="C">
      <t:test-method status="FAIL" name="m"/></t:class></t:test></t:suite></t:testng-results>"""
    [result] = results_of(_parse(data))
    assert (result.title, result.status) == ("m", Status.FAILED)


def test_streaming_yields_before_the_end_of_a_large_file() -> None:
    methods = "".join(
        f'<test-method status="PASS" signature="m{i}()" name="m{i}" duration-ms="1"/>' for i in range(20000)
    )
    data = _doc(methods)
    stream = io.BytesIO(data)
    events = get_format("testng").parse(stream, {})
    first = next(e for e in events if isinstance(e, Result))
    assert first.title == "m0"
    assert stream.tell() < len(data)
    assert sum(1 for e in events if isinstance(e, Result)) == 19999


def test_empty_file_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as caught:
        _parse(b"")
    assert caught.value.code == "empty_file"


def test_wrong_root_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"root element is <testsuites>, expected <testng-results>"):
        _parse(b'<?xml version="1.0"?>\n<testsuites><testsuite name="x"/></testsuites>')


def test_truncated_file_is_a_parse_error_with_its_line() -> None:
    data = (CORPUS / "testng" / "testng-dataprovider-params.xml").read_bytes()[:3000]
    with pytest.raises(ParseError) as caught:
        _parse(data)
    assert caught.value.details.get("line") is not None
    assert "malformed XML" in str(caught.value)


def test_sniff_reads_past_bom_declaration_and_comments() -> None:
    sniff = get_format("testng").sniff
    assert sniff(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- generated -->\n<testng-results total="1">') >= 0.9
    assert sniff(b"<testng-res") == 0.0  # cut inside the root's name: no guess
    assert sniff(b"<suite name='x'>") == 0.0  # a testng.xml suite definition, not results
    assert sniff(b"") == 0.0
