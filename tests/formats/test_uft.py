"""UFT reader: run_results.xml (UFT 12.5+) and the older QTP Results.xml, from files/uft, plus
inline documents for the statuses, the fallbacks and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assay.errors import ParseError
from assay.formats import detect
from assay.formats.uft import sniff
from assay.model import Container, ReportMeta, Result, Status
from tests.formats.helpers import CORPUS, containers_of, count, parse_events, results_of

FILES = Path(__file__).resolve().parent / "files" / "uft"
SAMPLES = sorted(FILES.glob("*.xml"))
OTHER_FILES = sorted(
    p for p in [*CORPUS.rglob("*"), *FILES.parent.rglob("*")]
    if p.is_file() and p.suffix != ".md" and p.name != "expected.json" and FILES not in p.parents
)
ITERATIONS = "uft-14.0-run_results-two-iterations-run-error.xml"
REUSABLE = "uft-15-run_results-reusable-actions-failed-checkpoint.xml"
QTP = "qtp-11-Results-xml-inline-dtd.xml"


def uft(text: str | bytes) -> list[object]:
    return parse_events("uft", text.encode() if isinstance(text, str) else text)


def sample(name: str) -> list[object]:
    return parse_events("uft", FILES / name)


def metas(events: list[object]) -> list[ReportMeta]:
    return [e for e in events if isinstance(e, ReportMeta)]


# -- run_results.xml ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_are_detected_and_containers_come_first(path: Path) -> None:
    data = path.read_bytes()
    assert detect(data[:65536], path.name).name == "uft"
    seen: set[int] = set()
    for event in uft(data):
        if isinstance(event, Container):
            assert event.parent is None or id(event.parent) in seen
            seen.add(id(event))
        elif isinstance(event, Result):
            assert event.container is not None and id(event.container) in seen


def test_two_iterations_tree_and_statuses() -> None:
    events = sample(ITERATIONS)
    test, first, second = containers_of(events)
    assert (test.title, test.classification) == ("GUITest_Checkout", "Test")
    assert [(c.title, c.classification, c.parent) for c in (first, second)] == [
        ("Iteration 1", "Iteration", test), ("Iteration 2", "Iteration", test),
    ]
    results = results_of(events)
    assert [(r.title, r.status, r.container.title) for r in results] == [
        ("Open_Login [Shop Actions]", Status.PASSED, "Iteration 1"),
        ("Checkout [Shop Actions]", Status.BROKEN, "Iteration 1"),
        ("Open_Login [Shop Actions]", Status.PASSED, "Iteration 2"),
        ("Checkout [Shop Actions]", Status.PASSED, "Iteration 2"),
    ]
    assert [r.duration for r in results] == [6000, 22000, 2000, 5000]
    assert results[0].properties == {"strBrowser": "chrome"}


def test_run_error_is_broken_with_stack_and_snapshot() -> None:
    checkout = results_of(sample(ITERATIONS))[1]
    assert checkout.exception_name == "Run Error"
    assert checkout.exception_description.startswith('Cannot identify the object "btnCheckout" (of class WebButton).')
    assert checkout.exception_backtrace == (
        "clickCheckout (C:\\Tests\\Shop\\Checkout.qfl:12): "
        'Browser("Shop").Page("Cart").WebButton("btnCheckout").Click\n'
        "VBScript global code (Action2:3): clickCheckout"
    )
    (shop,) = checkout.steps
    assert (shop.keyword, shop.title, shop.status, shop.error) == ("Context", "Shop", Status.FAILED, None)
    assert shop.data["description"] == "Local Browser"  # the HTML table around it is dropped
    (cart,) = shop.steps
    (button,) = cart.steps
    assert (button.keyword, button.title, button.status) == ("Step", "btnCheckout", Status.BROKEN)
    assert [(a.name, a.path) for a in button.assets] == [
        ("f7ed05c5-e425-468f-8c51-33f924357511.jpeg", "Resources\\Snapshots\\f7ed05c5-e425-468f-8c51-33f924357511.jpeg")
    ]


def test_warning_passes_and_is_listed() -> None:
    warned = results_of(sample(ITERATIONS))[2]
    assert warned.status is Status.PASSED
    assert warned.json_data["uft_result"] == "Warning"
    assert warned.json_data["warnings"] == ["Login", 'txtUser.GetROProperty "name"']


def test_run_meta_reads_timezone_environment_and_general_info() -> None:
    test_meta, general = metas(sample(ITERATIONS))
    india = timezone(timedelta(hours=5, minutes=30))
    assert test_meta.title == "GUITest_Checkout"
    assert test_meta.started_at == datetime(2017, 4, 24, 23, 12, 48, tzinfo=india)
    assert test_meta.finished_at == test_meta.started_at + timedelta(seconds=119)
    assert test_meta.duration == 119000 and test_meta.os == "Windows 10"
    assert test_meta.properties["uft.ToolVersion"] == "14.0" and test_meta.properties["uft.HostName"] == "KAVIN"
    assert general.properties == {
        "uft.OrchestrationToolName": "HPE Unified Functional Testing", "uft.OrchestrationToolVersion": "14.0",
    }


def test_nested_reusable_actions_are_steps_of_the_top_action() -> None:
    events = sample(REUSABLE)
    (test,) = containers_of(events)
    assert test.title == "FitnessHeader_Smoke"
    (action,) = results_of(events)
    assert (action.title, action.status, action.duration, action.container) == ("Action1", Status.FAILED, 19000, test)
    login, header = action.steps
    assert (login.keyword, login.status, login.duration) == ("Action", Status.PASSED, 17000)
    assert (header.title, header.status) == ("Verify_Header [(Home) Reusable Actions]", Status.FAILED)
    (check,) = header.steps
    assert check.error == "Missing elements on navbar header:\nBlog,\nAbout"
    assert check.assets[0].path == "Resources\\User\\1a467b48-e03f-4a5d-981c-e2fb9ae35475.png"
    assert action.exception_description == check.error and action.exception_name is None
    assert metas(events)[0].started_at == datetime(2018, 10, 22, 12, 20, 40, tzinfo=timezone(timedelta(hours=2)))


# -- QTP Results.xml ------------------------------------------------------------------------------


def test_qtp_report_with_inline_dtd() -> None:
    events = sample(QTP)
    general, test_meta = metas(events)
    assert general.os == "Windows 7"
    assert general.properties["uft.productVer"] == "11.00"
    assert general.properties["uft.DocLocation"] == "[ALM] Subject\\Regression\\Orders\\Create_Order"
    assert test_meta.title == "Create_Order"
    assert test_meta.started_at == datetime(2022, 3, 30, 9, 40, 2, tzinfo=UTC)  # day-first: "30/03/2022"
    assert test_meta.duration == 68000
    (test,) = containers_of(events)
    login, create = results_of(events)
    assert (test.title, login.container, create.container) == ("Create_Order", test, test)
    assert (login.title, login.status, login.duration) == ("Login", Status.PASSED, 33000)
    assert (create.title, create.status, create.duration) == ("Create_Order", Status.FAILED, 26000)
    assert create.exception_description == "Expected total 149.90, found 159.90"
    assert create.exception_name is None
    (context,) = login.steps
    assert (context.keyword, context.title, context.data["description"]) == ("Context", "Orders", "Local Browser")
    assert [(s.keyword, s.title, s.status) for s in context.steps] == [("Replay", "txtUser.Set", Status.PASSED)]
    (check,) = create.steps
    assert [a.path for a in check.assets] == ["Snapshots\\SnapshotRep_0.png"]
    assert create.json_data["failed"] == "1"


def test_qtp_month_first_times_and_multiple_iterations() -> None:
    doc = """<?xml version="1.0"?>
<Report ver="2.0" tmZone="Eastern Standard Time">
<General productName="QuickTest Professional" productVer="10.00" os="Windows XP" host="H">
<DocLocation>C:\\T</DocLocation></General>
<Doc rID="T1" productName="QuickTest Professional"><DName>T</DName>
<DIter rID="T2" iterID="1"><Action rID="T3"><AName>Action1</AName>
<Summary sTime="10/14/2010 - 12:00:01" eTime="10/14/2010 - 12:00:05"/>
<NodeArgs eType="StartAction" icon="4" nRep="6" status="Passed"><Disp>A</Disp></NodeArgs></Action>
<NodeArgs eType="StartIteration" icon="3" nRep="5" status="Passed"><Disp>I1</Disp></NodeArgs></DIter>
<DIter rID="T4" iterID="2"><Action rID="T5"><AName>Action1</AName>
<Step rID="T6"><Obj>Err</Obj><Details>boom</Details><Time>10/14/2010 - 12:00:06</Time>
<NodeArgs eType="User" icon="6" nRep="7" status="Warning"><Disp>Err</Disp></NodeArgs></Step>
<NodeArgs eType="StartAction" icon="4" nRep="6" status="Warning"><Disp>A</Disp></NodeArgs></Action>
<NodeArgs eType="StartIteration" icon="3" nRep="5" status="Warning"><Disp>I2</Disp></NodeArgs></DIter>
<Summary sTime="10/14/2010 - 12:00:00" eTime="10/14/2010 - 12:00:09"/>
<NodeArgs eType="StartTest" icon="1" nRep="3" status="Warning"><Disp>T</Disp></NodeArgs>
</Doc></Report>"""
    events = uft(doc)
    assert metas(events)[1].started_at == datetime(2010, 10, 14, 12, 0, 0, tzinfo=UTC)
    assert [c.title for c in containers_of(events)] == ["T", "Iteration 1", "Iteration 2"]
    first, second = results_of(events)
    assert first.duration == 4000 and second.duration is None
    assert second.status is Status.PASSED and second.json_data["warnings"] == ["Err"]


# -- fallbacks and refusals ------------------------------------------------------------------------


def test_test_without_actions_is_one_result_of_its_own() -> None:
    events = uft(
        '<Results version="1.0"><ReportNode type="testrun"><ReportNode type="Step"><Data><Name>s</Name>'
        "<Result>Failed</Result></Data></ReportNode><Data><Name>APITest1</Name><Duration>3</Duration>"
        "<Result>Failed</Result><StartTime>not a time</StartTime></Data></ReportNode></Results>"
    )
    (result,) = results_of(events)
    assert (result.title, result.status, result.duration) == ("APITest1", Status.FAILED, 3000)
    assert metas(events)[0].started_at is None


def test_missing_data_and_unknown_result() -> None:
    events = uft(
        '<Results><ReportNode type="testrun"><ReportNode type="Action"><ReportNode type="Step"/></ReportNode>'
        '<ReportNode type="Action"><Data><Name>a2</Name><Result>Stopped</Result></Data></ReportNode>'
        "</ReportNode></Results>"
    )
    first, second = results_of(events)
    assert (first.title, first.status, first.steps[0].title) == ("(unnamed action)", Status.PASSED, "(unnamed step)")
    assert second.status is Status.UNKNOWN
    assert containers_of(events)[0].title == "(unnamed test)"
    assert count(events).total == 2


def test_wrong_root_is_refused() -> None:
    with pytest.raises(ParseError, match=r"line 1: not a UFT result file: root element is <testsuites>"):
        uft("<testsuites/>")


def test_malformed_and_truncated_are_refused() -> None:
    with pytest.raises(ParseError, match="malformed XML"):
        uft('<Results><ReportNode type="testrun"></Results>')
    data = (FILES / ITERATIONS).read_bytes()
    with pytest.raises(ParseError, match="malformed XML"):
        uft(data[: len(data) * 2 // 3])


@pytest.mark.parametrize("data", [b"", b"\n \t\n", b"\xef\xbb\xbf  "])
def test_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        uft(data)
    assert caught.value.code == "empty_file"


def test_dtd_with_entities_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        uft('<?xml version="1.0"?><!DOCTYPE Report [<!ENTITY x SYSTEM "file:///etc/passwd">]><Report>&x;</Report>')
    assert caught.value.code == "xml_entities_refused"


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("head, score", [
    (b'<?xml version="1.0"?>\n<Results version="1.0">\n<ReportNode type="testrun">', 0.9),
    ((FILES / QTP).read_bytes()[:65536], 0.9),
    (b'<Report ver="2.0"><General productName="x"', 0.9),
    (b"<Results><Result/></Results>", 0.0),  # another tool's <Results>
    (b"<Report><Summary/></Report>", 0.0),
    (b"<OWASPZAPReport/>", 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert sniff(head) == score


@pytest.mark.parametrize("path", OTHER_FILES, ids=[p.relative_to(p.parents[1]).as_posix() for p in OTHER_FILES])
def test_sniff_claims_no_other_formats_file(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0
