"""Robot Framework output.xml parser: every corpus file against its hand counts, plus the keyword
tree, suite fixtures, screenshots and the edge cases the corpus lacks."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import IO, Any

import pytest

from assay.errors import ParseError
from assay.formats import detect, get_format
from assay.formats.robot import sniff
from assay.model import Container, ReportMeta, Result, Status, Step
from tests.formats.helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    parse_events,
    results_of,
)

ROBOT_FILES = corpus_files("robot")
OTHER_FILES = [
    path
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name != "robot")
    for path in corpus_files(folder.name)
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def parse(name: str) -> list[Any]:
    return parse_events("robot", CORPUS / "robot" / name)


def robot(text: str) -> list[Any]:
    return parse_events("robot", text.encode())


def by_title(events: list[Any]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def meta_of(events: list[Any]) -> ReportMeta:
    metas = [e for e in events if isinstance(e, ReportMeta)]
    assert len(metas) == 1
    return metas[0]


def walk(steps: list[Step]) -> list[Step]:
    return [found for step in steps for found in (step, *walk(step.steps))]


def doc(body: str, generator: str = "Robot 6.1.1 (Python 3.11 on linux)") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<robot generator="{generator}">{body}</robot>'


PASS = '<status status="PASS" starttime="20240101 10:00:00.000" endtime="20240101 10:00:00.250"/>'
FAIL = '<status status="FAIL" starttime="20240101 10:00:00.000" endtime="20240101 10:00:01.000">{}</status>'


# -- the corpus -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ROBOT_FILES, ids=[p.name for p in ROBOT_FILES])
def test_corpus_counts_match_expected(path: Path) -> None:
    assert_matches_expected(f"robot/{path.name}", parse_events("robot", path))


@pytest.mark.parametrize("path", ROBOT_FILES, ids=[p.name for p in ROBOT_FILES])
def test_corpus_events_are_well_formed(path: Path) -> None:
    events = parse_events("robot", path)
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen  # parents come first
            assert event.classification == "Suite"
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is not None and id(event.container) in seen
            assert event.classname is None  # suites are the structure: smart mode leaves them alone
    assert isinstance(events[-1], ReportMeta)


@pytest.mark.parametrize("path", ROBOT_FILES, ids=[p.name for p in ROBOT_FILES])
def test_corpus_is_detected_as_robot(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.9
    assert detect(path.read_bytes()[:65536], path.name).name == "robot"


@pytest.mark.parametrize("path", OTHER_FILES, ids=[f"{p.parent.name}/{p.name}" for p in OTHER_FILES])
def test_sniff_leaves_other_formats_alone(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0


def test_suites_nest_as_in_the_file() -> None:
    events = parse("rf3.2.2-misc-suite.xml")
    suites = {c.title: c for c in containers_of(events)}
    (suite4,) = [c for c in containers_of(events) if c.properties["source"].endswith("first__suite4.robot")]
    assert [suite4.parent.title, suite4.parent.parent.title, suite4.parent.parent.parent.title] == [
        "Sub.Suite.1", "Multiple Suites", "Misc"
    ]
    assert suites["Misc"].parent is None
    assert suites["Many Tests"].properties["Something"] == "My Value"  # <metadata><item>
    assert suites["Many Tests"].description == "Normal test cases"
    assert suites["Dummy Lib Test"].properties["source"].endswith("misc/dummy_lib_test.robot")
    dummy = by_title(events)["Dummy Test"]
    assert dummy.status is Status.FAILED
    assert dummy.exception_description == "No keyword with name 'dummykw' found."
    assert dummy.container is suites["Dummy Lib Test"]


def test_rf3_for_loop_keywords_are_steps() -> None:
    test = by_title(parse("rf3.2.2-misc-suite.xml"))["For Loop In Test"]
    loop = test.steps[0]
    assert (loop.keyword, loop.title) == ("FOR", "${pet} IN [ cat | dog | horse ]")
    assert [(s.keyword, s.title) for s in loop.steps] == [
        ("FORITEM", "${pet} = cat"), ("FORITEM", "${pet} = dog"), ("FORITEM", "${pet} = horse")
    ]
    log = loop.steps[1].steps[0]
    assert (log.keyword, log.title, log.status) == ("BuiltIn", "Log    ${pet}", Status.PASSED)
    assert log.data == {"messages": [{"level": "INFO", "text": "dog", "time": "20210212 17:27:03.069"}]}


def test_keyword_tree_with_control_structures_and_statuses() -> None:
    results = by_title(parse("rf6.1.1-legacy-schema4.xml"))
    controls = results["Controls"].steps[0]
    assert (controls.keyword, controls.title, controls.status) == (None, "Controls", Status.PASSED)
    loop, while_loop, returned = controls.steps
    assert (loop.keyword, loop.title) == ("FOR", "FOR    ${x}    IN RANGE    5")
    assert [s.title for s in loop.steps] == [f"${{x}} = {i}" for i in range(5)]
    third = loop.steps[2]
    assert [(s.keyword, s.status) for s in third.steps] == [
        ("IF", Status.PASSED), ("BuiltIn", Status.SKIPPED)
    ]
    branch = third.steps[0].steps[0]
    assert (branch.keyword, branch.title) == ("IF", "IF    ${x} > 1")
    assert [s.keyword for s in branch.steps] == ["CONTINUE"]
    assert (while_loop.keyword, while_loop.title) == ("WHILE", "WHILE    True")
    assert while_loop.steps[0].steps[0].keyword == "BREAK"
    assert returned.keyword == "RETURN"

    teardown = results["Failing teardown"]
    assert teardown.status is Status.FAILED
    assert teardown.exception_description == "Teardown failed:\nHello!"
    fixture = teardown.steps[-1]
    assert (fixture.keyword, fixture.status, fixture.error) == ("TEARDOWN", Status.FAILED, "Hello!")
    assert fixture.steps[0].data["messages"][0] == {
        "level": "FAIL", "text": "Hello!", "time": "20231116 17:35:01.777"
    }
    passing = results["Passing"]
    assert [s.keyword for s in passing.steps] == ["SETUP", None, "TEARDOWN"]
    assert passing.tags == ["t1", "t2"]
    assert passing.description == "Something..."
    assert passing.json_data == {"id": "s1-t1", "line": "7"}


def test_rf7_schema5_elapsed_times_try_while_and_errors() -> None:
    events = parse("rebot7.0-golden-schema5.xml")
    (test,) = results_of(events)
    assert (test.title, test.status, test.duration, test.tags) == ("First One", Status.PASSED, 9, ["t1"])
    assert test.description == "Test case documentation"
    first = test.steps[0]
    assert (first.keyword, first.title, first.duration) == ("BuiltIn", "Log    Test 1", 2)
    kinds = [s.keyword for s in test.steps]
    assert kinds == ["BuiltIn", None, "FOR", "IF", "WHILE", "TRY"]
    assigned = walk(test.steps)
    assert "${variable} = Evaluate    $variable + 1" in [s.title for s in assigned]
    try_block = test.steps[5]
    assert [(s.title, s.status) for s in try_block.steps] == [
        ("TRY", Status.PASSED), ("EXCEPT    No match", Status.SKIPPED)
    ]
    suite = containers_of(events)[0]
    assert suite.description == "Normal test cases"
    assert suite.properties["Nön-ÄSCÏÏ"] == "🤖"  # RF 7 <meta>, after the tests
    assert suite.duration == 79
    meta = meta_of(events)
    assert meta.title == "Normal"
    assert meta.duration == 79
    assert meta.started_at is not None and meta.started_at.isoformat() == "2011-10-24T13:41:20.873000+00:00"
    assert meta.properties["schemaversion"] == "5"
    assert meta.properties["errors"] == [{
        "level": "ERROR",
        "message": "Error in file 'normal.html' in table 'Settings': Resource file 'nope' does not exist.",
        "time": "2011-10-24T13:41:20.873000",
    }]


def test_skip_statuses_tags_and_messages() -> None:
    results = by_title(parse("rf4.0b3-skip-statuses.xml"))
    skipped = results["Test 4 Will Always Pass But Is Skipped"]
    assert skipped.status is Status.SKIPPED
    assert skipped.exception_description == "Test skipped with '--skip' command line option."
    assert skipped.steps == []
    assert results["Test 2 Will Always Pass"].tags == ["pass", "tag2", "tag3"]
    on_failure = results["Test 10 Will Always Fail But Is Skipped On Failure"]
    assert on_failure.status is Status.SKIPPED
    assert on_failure.steps[0].status is Status.FAILED  # the keyword still failed
    failed = results["Test 9 Will Always Fail"]
    assert (failed.status, failed.exception_description) == (Status.FAILED, "Optional failure message")
    assert failed.duration == 2


def test_failed_suite_teardown_fails_every_test_of_the_suite() -> None:
    events = parse("rf2.6-suite-teardown-failed.xml")
    results = by_title(events)
    assert {r.status for r in results.values()} == {Status.FAILED}
    assert results["Pass"].exception_description == "Parent suite teardown failed:\nXXX"
    assert results["Fail"].exception_description == "Message\n\nAlso parent suite teardown failed:\nXXX"
    # the DEBUG traceback of the failing keyword is the backtrace; DEBUG is not kept as a message
    assert results["Fail"].exception_backtrace.startswith("Traceback (most recent call last):")
    assert [m["level"] for m in results["Fail"].steps[0].data["messages"]] == ["FAIL"]
    suite = containers_of(events)[0]
    assert suite.properties["suite teardown fail"] == "XXX"
    assert suite.properties["message"] == "Suite teardown failed:\nXXX"


NESTED_TEARDOWNS = f"""
<suite name="Top">
  <suite name="Inner">
    <test name="A">{PASS}</test>
    <test name="B"><status status="FAIL">boom</status></test>
    <test name="C"><status status="SKIP">later</status></test>
    <kw name="Skip" type="TEARDOWN"><status status="SKIP">not today</status></kw>
    <status status="SKIP"/>
  </suite>
  <test name="D">{PASS}</test>
  <kw name="Fail" type="TEARDOWN"><msg level="FAIL">top broke</msg><status status="FAIL"></status></kw>
  <status status="FAIL"/>
</suite>
"""


def test_nested_suite_teardowns_apply_innermost_first() -> None:
    results = by_title(robot(doc(NESTED_TEARDOWNS)))
    a, b, c, d = (results[name] for name in "ABCD")
    # inner teardown skipped: its tests become SKIP; then the failed top teardown fails the
    # ones that are not skipped (none of them), message appended
    assert a.status is Status.SKIPPED
    assert a.exception_description == (
        "Skipped in parent suite teardown:\nnot today\n\nAlso parent suite teardown failed:\ntop broke"
    )
    assert b.status is Status.SKIPPED
    assert b.exception_description.startswith(
        "Skipped in parent suite teardown:\nnot today\n\nEarlier message:\nboom"
    )
    assert c.status is Status.SKIPPED
    assert d.status is Status.FAILED
    assert d.exception_description == "Parent suite teardown failed:\ntop broke"


def test_rebot_outputs_keep_their_statuses() -> None:
    # rebot writes final statuses (a teardown failure already applied): nothing to redo
    results = by_title(robot(doc(NESTED_TEARDOWNS, generator="Rebot 7.0 (Python 3.12 on linux)")))
    assert results["A"].status is Status.PASSED
    assert results["A"].exception_description is None
    assert results["B"].status is Status.FAILED


def test_rf7_setup_and_teardown_elements() -> None:
    body = f"""<suite name="S">
      <test name="T">
        <setup name="Open" owner="Browser">{PASS}</setup>
        <kw name="Work">{PASS}</kw>
        <teardown name="Close" owner="Browser">{FAIL.format("gone")}</teardown>
        <status status="FAIL" start="2024-01-01T10:00:00" elapsed="1.5">Teardown failed:\ngone</status>
      </test>
      <teardown name="Suite Close">{FAIL.format("suite gone")}</teardown>
      <status status="FAIL" start="2024-01-01T10:00:00" elapsed="2.0"/>
    </suite>"""
    events = robot(doc(body, generator="Robot 7.0"))
    (test,) = results_of(events)
    assert [(s.keyword, s.title, s.status) for s in test.steps] == [
        ("SETUP", "Open", Status.PASSED), (None, "Work", Status.PASSED), ("TEARDOWN", "Close", Status.FAILED)
    ]
    assert test.duration == 1500
    assert test.steps[0].duration == 250
    assert test.exception_description == (
        "Teardown failed:\ngone\n\nAlso parent suite teardown failed:\nsuite gone"
    )
    assert meta_of(events).duration == 2000


# SeleniumLibrary's `Capture Page Screenshot` message (RF 3: html="yes"), escaped as output.xml has it
SELENIUM = (
    '&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td colspan="3"&gt;&lt;a href="shots/selenium-screenshot-1.png"&gt;'
    '&lt;img src="shots/selenium-screenshot-1.png" width="800px"&gt;&lt;/a&gt;'
)


def test_screenshots_become_assets() -> None:
    embedded = base64.b64encode(PNG).decode()
    body = f"""<suite name="S"><test name="Shot">
      <kw name="Capture Page Screenshot" library="SeleniumLibrary">
        <msg timestamp="20240101 10:00:00.100" level="INFO" html="yes">{SELENIUM}</msg>
        {PASS}
      </kw>
      <kw name="Take Screenshot" library="Browser">
        <msg level="INFO" html="true"><![CDATA[<img src="data:image/png;base64,{embedded}">]]></msg>
        <msg level="INFO" html="true"><![CDATA[<img src="https://example.com/remote.png">]]></msg>
        {PASS}
      </kw>
      {PASS}
    </test>
    <kw type="TEARDOWN" name="Run Keyword If Any Tests Failed">
      <kw name="Capture Page Screenshot">
        <msg level="INFO" html="yes">{SELENIUM.replace("-1.png", "-2.png")}</msg>{PASS}
      </kw>
      {PASS}
    </kw>
    </suite>"""
    events = robot(doc(body))
    (test,) = results_of(events)
    # suites have no steps: the screenshots of their fixtures stay on them
    (suite_shot,) = containers_of(events)[0].assets
    assert (suite_shot.name, suite_shot.path) == (
        "selenium-screenshot-2.png", "shots/selenium-screenshot-2.png"
    )
    selenium, browser = test.steps
    (file_shot,) = selenium.assets
    assert (file_shot.name, file_shot.path, file_shot.data) == (
        "selenium-screenshot-1.png", "shots/selenium-screenshot-1.png", None
    )
    assert selenium.data["messages"][0]["html"] is True
    (inline,) = browser.assets  # a remote URL is not an attachment
    assert (inline.data, inline.mime_type, inline.name) == (PNG, "image/png", "screenshot-1.png")


def test_messages_are_capped_and_debug_trace_dropped() -> None:
    long = "x" * 10_000
    levels = ("TRACE", "DEBUG", "WARN", "INFO")
    msgs = "".join(f'<msg level="{level}">{level.lower()}</msg>' for level in levels)
    keyword = f'<kw name="K">{msgs}<msg level="INFO">{long}</msg>{PASS}</kw>'
    body = f'<suite name="S"><test name="T">{keyword}{PASS}</test></suite>'
    (test,) = results_of(robot(doc(body)))
    messages = test.steps[0].data["messages"]
    assert [m["level"] for m in messages] == ["WARN", "INFO", "INFO"]
    assert len(messages[-1]["text"]) == 4000 and messages[-1]["text"].endswith("…")


def test_missing_attributes_unicode_and_cdata() -> None:
    body = """<suite><test><kw><status/></kw></test>
      <test name="Ünïcödé ✓"><doc><![CDATA[Docs <b>bold</b>]]></doc><tags><tag>smoke</tag></tags>
        <status status="PASS" starttime="N/A" endtime="N/A"/></test>
      <test name="Odd"><status status="WEIRD" starttime="garbage" endtime="20240101 10:00:00.000"/></test>
    </suite>"""
    events = robot(doc(body))
    unnamed, unicode, odd = results_of(events)
    assert containers_of(events)[0].title == "(unnamed suite)"
    assert (unnamed.title, unnamed.status) == ("(unnamed test)", Status.UNKNOWN)  # no <status> at all
    assert (unnamed.steps[0].title, unnamed.steps[0].status) == ("(unnamed keyword)", Status.UNKNOWN)
    assert (unicode.title, unicode.description, unicode.tags) == ("Ünïcödé ✓", "Docs <b>bold</b>", ["smoke"])
    assert unicode.duration is None
    assert (odd.status, odd.duration) == (Status.UNKNOWN, None)


def test_absurd_times_are_dropped_not_raised() -> None:
    body = """<suite name="S">
      <test name="Y9999"><status status="PASS" start="9999-12-31T23:59:59.999" elapsed="5"/></test>
      <test name="Huge"><status status="PASS" start="2024-01-01T00:00:00" elapsed="1e300"/></test>
      <status status="PASS" start="9999-12-31T23:59:59" elapsed="1.0"/>
    </suite>"""
    events = robot(doc(body, generator="Robot 7.0"))
    late, huge = results_of(events)
    assert (late.duration, huge.duration) == (5000, None)
    assert meta_of(events).finished_at is None  # past year 9999


def test_deep_keyword_nesting_is_cut() -> None:
    depth = 80
    body = "".join(f'<kw name="K{i}">' for i in range(depth)) + "".join(f"{PASS}</kw>" for _ in range(depth))
    (test,) = results_of(robot(doc(f'<suite name="S"><test name="Deep">{body}{PASS}</test></suite>')))
    chain = test.steps
    levels = 0
    while chain:
        levels += 1
        last = chain[0]
        chain = last.steps
    assert levels == 50
    assert "truncated" in last.data


class _Pipe(io.RawIOBase):
    """A stream that cannot seek, like a socket or a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_unseekable_stream_is_spooled() -> None:
    data = (CORPUS / "robot" / "rf2.6-suite-teardown-failed.xml").read_bytes()
    stream: IO[bytes] = io.BufferedReader(_Pipe(data))
    events = list(get_format("robot").parse(stream, {}))
    assert [r.status for r in results_of(events)] == [Status.FAILED] * 3


def test_many_tests_stream_flat() -> None:
    tests = "".join(f'<test name="t{i}"><kw name="K">{PASS}</kw>{PASS}</test>' for i in range(3000))
    events = robot(doc(f'<suite name="Big">{tests}{PASS}</suite>'))
    assert len(results_of(events)) == 3000
    assert results_of(events)[-1].title == "t2999"


# -- malformed input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\t", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as error:
        parse_events("robot", data)
    assert error.value.code == "empty_file"


def test_wrong_root_element() -> None:
    with pytest.raises(ParseError, match=r"root element is <testsuites>, expected <robot>"):
        robot('<?xml version="1.0"?><testsuites><testsuite name="x"/></testsuites>')


def test_truncated_file() -> None:
    data = (CORPUS / "robot" / "rf6.1.1-legacy-schema4.xml").read_bytes()
    with pytest.raises(ParseError) as error:
        parse_events("robot", data[: len(data) // 2])
    assert error.value.details.get("line") is not None


def test_not_xml() -> None:
    with pytest.raises(ParseError, match="malformed XML"):
        robot("this is not xml")


def test_sniff_scores() -> None:
    assert sniff(b'<?xml version="1.0"?>\n<!-- x -->\n<robot generator="Rebot 7.0">') == 0.9
    assert sniff(b"\xef\xbb\xbf<robot><suite name='x'>") == 0.9
    assert sniff(b"<robot>") == 0.5
    assert sniff(b"<robots/>") == 0.0
    assert sniff(b'<testsuites><testsuite name="robot"/></testsuites>') == 0.0
    assert sniff(b"") == 0.0
    assert sniff(b"\xff\xfe\x00garbage") == 0.0


def test_suites_in_a_default_namespace_close_like_any_other() -> None:
    suite = ('<suite name="{0}"><test name="t{0}"><status status="PASS"/></test>'
             '<status status="PASS"/></suite>')
    events = robot('<robot xmlns="urn:example" generator="Robot 7.0"><suite name="Top">'
                   + suite.format("A") + suite.format("B") + '<status status="PASS"/></suite></robot>')
    top, first, second = containers_of(events)
    assert (first.title, first.parent, second.title, second.parent) == ("A", top, "B", top)
