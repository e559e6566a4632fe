"""Catch2 XML reader: the v3 and v2 sample files in files/catch2, and inline documents for the
rules of status, sections, messages and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import ParseError
from assay.formats import detect
from assay.formats.catch2 import sniff
from assay.model import Container, ReportMeta, Result, Status
from tests.formats.helpers import CORPUS, containers_of, count, parse_events, results_of

FILES = Path(__file__).resolve().parent / "files" / "catch2"
SAMPLES = sorted(FILES.glob("*.xml"))
OTHER_FILES = sorted(
    p for p in [*CORPUS.rglob("*"), *FILES.parent.rglob("*")]
    if p.is_file() and p.suffix != ".md" and p.name != "expected.json" and FILES not in p.parents
)
V3 = "catch2-v3.5-durations-sections-skip.xml"
V2 = "catch2-v2.13-group-sigsegv-fail.xml"


def catch2(text: str | bytes) -> list[object]:
    return parse_events("catch2", text.encode() if isinstance(text, str) else text)


def sample(name: str) -> list[object]:
    return parse_events("catch2", FILES / name)


def by_title(events: list[object]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def run(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Catch2TestRun name="t" rng-seed="1" catch2-version="3.4.0">{body}</Catch2TestRun>'
    )


# -- the samples -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_are_detected_and_results_sit_in_file_containers(path: Path) -> None:
    data = path.read_bytes()
    assert detect(data[:65536], path.name).name == "catch2"
    events = catch2(data)
    (suite,) = [c for c in containers_of(events) if c.parent is None]
    assert suite.classification == "Suite"
    for result in results_of(events):
        assert result.container is not None and result.container.classification == "File"
        assert result.container.parent is suite


def test_v3_tree_statuses_and_meta() -> None:
    events = sample(V3)
    meta = next(e for e in events if isinstance(e, ReportMeta))
    assert meta.title == "unit_tests"
    assert meta.properties == {
        "catch2.rng-seed": "2912094871", "catch2.catch2-version": "3.5.2",
        "catch2.xml-format-version": "3", "catch2.filters": "~[.] ~[slow]",
    }
    assert [c.title for c in containers_of(events)] == [
        "unit_tests", "/home/ci/src/tests/vector.tests.cpp", "/home/ci/src/tests/parser.tests.cpp",
        "/home/ci/src/tests/config.tests.cpp",
    ]
    got = count(events)
    assert (got.total, got.passed, got.failed, got.broken, got.skipped) == (6, 2, 1, 2, 1)
    results = by_title(events)
    assert results["Vector can be sized and resized"].container.title.endswith("vector.tests.cpp")
    assert results["Thread pool drains on shutdown"].container is results["Vector can be sized and resized"].container


def test_v3_sections_are_nested_steps_with_their_own_status() -> None:
    results = by_title(sample(V3))
    vector = results["Vector can be sized and resized"]
    assert vector.tags == ["vector", "container"] and vector.duration == 0  # 0.000112 s
    resize, reserve = vector.steps
    assert (resize.title, resize.status, resize.duration) == (
        "resizing bigger changes size and capacity", Status.PASSED, 0)
    assert [s.title for s in reserve.steps] == ["reserving down unused capacity does not change capacity"]
    assert reserve.data == {"filename": "/home/ci/src/tests/vector.tests.cpp", "line": "30"}
    parser = results["Parser rejects unbalanced brackets"]
    lone, nested = parser.steps
    assert lone.status is Status.FAILED and nested.status is Status.PASSED
    assert lone.error.startswith("/home/ci/src/tests/parser.tests.cpp:53: REQUIRE_FALSE( parse(input).has_value() )")


def test_v3_failed_expression_with_info_and_output() -> None:
    parser = by_title(sample(V3))["Parser rejects unbalanced brackets"]
    assert parser.status is Status.FAILED
    assert parser.exception_name == "REQUIRE_FALSE"
    assert parser.exception_description == "!true"
    assert parser.exception_backtrace == (
        "/home/ci/src/tests/parser.tests.cpp:53: REQUIRE_FALSE( parse(input).has_value() )\n"
        "with expansion:\n  !true\nwith message:\n  input := \"a + b)\""
    )
    assert parser.stdout == 'parsing "a + b)"'
    assert parser.duration == 1  # 0.000517 s
    assert parser.json_data["filename"] == "/home/ci/src/tests/parser.tests.cpp" and parser.json_data["line"] == "44"


def test_v3_exceptions_are_broken() -> None:
    results = by_title(sample(V3))
    config = results["Config file is loaded from disk"]
    assert config.status is Status.BROKEN and config.exception_name == "Exception"
    assert config.exception_description.startswith("filesystem error: cannot open file")
    assert config.stderr == "warning: APP_CONFIG not set, using /etc/app/app.toml"
    pool = results["Thread pool drains on shutdown"]  # thrown inside CHECK_NOTHROW
    assert pool.status is Status.BROKEN and pool.exception_description == "std::system_error: Resource deadlock avoided"
    assert pool.exception_backtrace.endswith("expression was: CHECK_NOTHROW( pool.shutdown() )")
    assert pool.json_data["warnings"] == ["pool size capped at 4 on this machine"]


def test_v3_skip_and_shouldfail() -> None:
    results = by_title(sample(V3))
    assert results["GPU kernels produce identical output"].status is Status.SKIPPED
    shouldfail = results["Known rounding bug in to_fixed"]
    assert shouldfail.status is Status.PASSED and shouldfail.tags == ["!shouldfail", "format"]
    assert shouldfail.json_data["expected_failures"] == 1 and shouldfail.exception_description is None


def test_v2_group_fatal_error_and_explicit_failure() -> None:
    events = sample(V2)
    suite = containers_of(events)[0]
    assert (suite.title, suite.classification) == ("test", "Suite")
    results = by_title(events)
    segv = results["List::split simple"]
    assert segv.status is Status.BROKEN and segv.exception_name == "FatalErrorCondition"
    assert segv.exception_description == "SIGSEGV - Segmentation violation signal"
    assert segv.tags == ["part=1", "valgrind", "weight=5"]
    sort = results["List::sort output"]
    assert sort.status is Status.FAILED and sort.exception_description == '"< 2 3 1 5 6 4 >" == "< 1 2 3 4 5 6 >"'
    stub = results["List::reverse is not implemented yet"]
    assert stub.status is Status.FAILED and stub.exception_name == "FAIL"
    assert stub.exception_description == "reverse() is a stub" and "." in stub.tags
    assert results["List::insertFront adds to an empty list"].status is Status.PASSED
    assert results["List::insertFront adds to an empty list"].duration is None  # no -d yes


# -- inline documents ------------------------------------------------------------------------------


def test_missing_attributes_and_missing_overall_result() -> None:
    events = catch2(run(
        "<TestCase><Expression success='false'><Original>a</Original><Expanded>1</Expanded></Expression></TestCase>"
        "<TestCase name='no result'/>"
        "<TestCase name='skipped'><Skip>later</Skip></TestCase>"
    ))
    failed, passed, skipped = results_of(events)
    assert failed.title == "(unnamed test case)" and failed.status is Status.FAILED
    assert failed.exception_backtrace == "CHECK( a )\nwith expansion:\n  1"
    assert failed.container is containers_of(events)[0]  # no filename: directly in the run
    assert passed.status is Status.PASSED and skipped.status is Status.SKIPPED


def test_cdata_unicode_and_benchmarks() -> None:
    (result,) = results_of(catch2(run(
        "<TestCase name='Ünïcødé ✓' tags='[ü]' filename='t.cpp' line='3'>"
        "<Expression success='false' type='REQUIRE' filename='t.cpp' line='4'>"
        "<Original><![CDATA[s == \"<ok>\"]]></Original>"
        "<Expanded><![CDATA[\"<no>\" == \"<ok>\"]]></Expanded></Expression>"
        "<BenchmarkResults name='sort 1k' samples='100'>"
        "<mean value='2000.5' lowerBound='1' upperBound='3'/></BenchmarkResults>"
        "<OverallResult success='false' skips='0' durationInSeconds='garbage'/></TestCase>"
    )))
    assert result.title == "Ünïcødé ✓" and result.tags == ["ü"]
    assert result.exception_description == '"<no>" == "<ok>"' and result.duration is None
    assert result.json_data["benchmarks"] == [{"name": "sort 1k", "mean_ns": "2000.5"}]


def test_benchmarks_below_a_test_case_are_its_own_in_document_order() -> None:
    # the parse is told of each <BenchmarkResults> as it ends and hands it to the test case around it
    results = results_of(catch2(run(
        "<TestCase name='a'><Section name='s'><BenchmarkResults name='in section'><mean value='1'/>"
        "</BenchmarkResults></Section><BenchmarkResults name='after'/><OverallResult success='true'/></TestCase>"
        "<BenchmarkResults name='between test cases'/>"
        "<TestCase name='b'><OverallResult success='true'/></TestCase>"
    )))
    a, b = results
    assert a.json_data["benchmarks"] == [{"name": "in section", "mean_ns": "1"}, {"name": "after"}]
    assert "benchmarks" not in b.json_data


def test_groups_and_test_cases_in_other_elements_keep_parents_first() -> None:
    events = catch2(
        "<Catch name='bin'><TestCase name='before any group'/><Group name='g1'><TestCase name='a'/></Group>"
        "<Group name='empty'/><Wrapper><Group name='g2'><TestCase name='b' filename='b.cpp'/></Group></Wrapper>"
        "<TestCase name='outer'><TestCase name='nested'/></TestCase></Catch>"
    )
    assert [type(e).__name__ for e in events] == [
        "ReportMeta", "Result", "Container", "Result", "Container", "Container", "Container", "Result", "Result",
    ]
    before, a, b, outer = results_of(events)  # "nested" is part of "outer", not a test of its own
    assert before.container is None and a.container is not None and a.container.title == "g1"
    assert b.container is not None and b.container.title == "b.cpp" and b.container.parent is not None
    assert b.container.parent.title == "g2" and outer.title == "outer"


def test_wrong_root_after_a_long_prolog_is_refused_with_its_line() -> None:
    # the root is checked on a first look at the file's start, however far it reads
    comment = "<!-- " + "x" * 200_000 + " -->\n"
    with pytest.raises(ParseError, match=r"line 3: not a Catch2 XML file: root element is <testsuites>"):
        catch2(f'<?xml version="1.0"?>\n{comment}<testsuites><testsuite name="x"/></testsuites>')
    (result,) = results_of(catch2(f"{comment}<Catch2TestRun name='t'><TestCase name='a'/></Catch2TestRun>"))
    assert result.title == "a"


def test_overall_failure_without_a_failed_assertion_is_failed() -> None:
    (result,) = results_of(catch2(run(
        "<TestCase name='warns only'><Warning>No assertions in test case</Warning>"
        "<OverallResult success='false'/></TestCase>"
    )))
    assert result.status is Status.FAILED and result.json_data["warnings"] == ["No assertions in test case"]


def test_wrong_root_is_refused_with_its_line() -> None:
    with pytest.raises(ParseError, match=r"line 2: not a Catch2 XML file: root element is <testsuites>"):
        catch2('<?xml version="1.0"?>\n<testsuites><testsuite name="x"/></testsuites>')


def test_not_well_formed_and_truncated_are_refused() -> None:
    with pytest.raises(ParseError, match="malformed XML") as caught:
        catch2(run("<TestCase name='a'><OverallResult success='true'></TestCase>"))
    assert caught.value.details["line"] == 2
    data = (FILES / V3).read_bytes()
    with pytest.raises(ParseError, match="malformed XML"):
        catch2(data[: len(data) // 2])


@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        catch2(data)
    assert caught.value.code == "empty_file"


def test_entities_are_refused() -> None:
    with pytest.raises(ParseError):
        catch2('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><Catch name="x">&e;</Catch>')


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("head, score", [
    (b'<?xml version="1.0"?>\n<Catch2TestRun name="x">', 0.95),
    (b'\xef\xbb\xbf<!-- c --><Catch name="x"><Group', 0.9),
    (b"<Catch2TestRun", 0.95),
    (b"<testsuites><testsuite name='Catch'/>", 0.0),
    (b"<CatchAll/>", 0.0),
    (b'{"Catch2TestRun": 1}', 0.0),
    (b"", 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert sniff(head) == score


@pytest.mark.parametrize("path", OTHER_FILES, ids=[p.relative_to(p.parents[1]).as_posix() for p in OTHER_FILES])
def test_sniff_claims_no_other_formats_file(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0


def test_events_are_plain_and_parents_come_first() -> None:
    seen: set[int] = set()
    for event in sample(V3):
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            seen.add(id(event))
        elif isinstance(event, Result):
            assert id(event.container) in seen
            assert all(type(value) is str for value in event.json_data.values() if not isinstance(value, (list, int)))
