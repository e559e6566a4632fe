"""JUnit XML writer: well-formed for any tree and any text, and read back by our parser with the
same counts per status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from assay.formats import junit_writer
from assay.formats.junit_writer import write_junit
from assay.model import Asset, Container, Report, ReportMeta, Result, Status, Step
from assay.normalize import NormalizeOptions, normalize
from tests.formats.helpers import CORPUS, containers_of, corpus_files, count, parse_events, results_of

JUNIT_FILES = corpus_files("junit")


def write(events: list[object], report: Report | None = None) -> bytes:
    return b"".join(write_junit(report or Report(id="r1", title="nightly"), events))


def reparse(data: bytes) -> list[object]:
    etree.fromstring(data)  # well-formed, or this raises
    return parse_events("junit", data)


@pytest.mark.parametrize("smart", [False, True], ids=["as-parsed", "normalized"])
@pytest.mark.parametrize("path", JUNIT_FILES, ids=[p.name for p in JUNIT_FILES])
def test_corpus_round_trip_keeps_counts(path: Path, smart: bool) -> None:
    events = parse_events("junit", path)
    want = count(events)
    if smart:
        events = list(normalize(iter(events), NormalizeOptions(smart=True)))
    again = reparse(write(events))
    assert count(again) == want
    flaky = [r.flaky for r in results_of(again)]
    assert flaky == [r.flaky for r in results_of(parse_events("junit", path))]


def test_flaky_and_rerun_attempts_round_trip() -> None:
    for name, flaky in (
        ("surefire-3.0.2-flaky-reruns.xml", True),
        ("surefire-3.0.2-rerun-always-fails.xml", False),
    ):
        (original,) = results_of(parse_events("junit", CORPUS / "junit" / name))
        (result,) = results_of(reparse(write(parse_events("junit", CORPUS / "junit" / name))))
        assert result.flaky is flaky
        assert result.attempts == original.attempts


def _tree() -> list[object]:
    """Every status, containers three deep, a result at the top, and text that breaks naive XML."""
    root = Container(title="com.acme", classification="Package")
    cart = Container(
        title="CartTest",
        classification="Class",
        parent=root,
        duration=1500,
        properties={
            "hostname": "ci-7",
            "timestamp": "2024-05-01T10:00:00Z",
            "system-out": "suite log",
            "env": ["a", "b"],
            "n": 3,
        },
    )
    ui = Container(title="UI tests", classification="Feature", parent=root)
    deep = Container(title="checkout › pay", classification="Scenario", parent=ui)
    nasty = "ctrl\x00\x01\x08\x0b\x0c\x1f chars ]]> <tag> & \"quotes\" 'apos' \ud800 \r\n end ✓"
    results = [
        Result(
            title="passes",
            status=Status.PASSED,
            container=cart,
            duration=12,
            classname="com.acme.CartTest",
            properties={"file": "cart_test.py", "line": "10", "owner": "ana"},
        ),
        Result(
            title="fails",
            status=Status.FAILED,
            container=cart,
            exception_name="AssertionError",
            exception_description=nasty,
            exception_backtrace=nasty,
            stdout=nasty,
            stderr=nasty,
        ),
        Result(title=nasty, status=Status.PASSED, container=cart),
        Result(
            title="breaks",
            status=Status.BROKEN,
            container=deep,
            exception_description="boom",
            steps=[
                Step(
                    title="open page",
                    keyword="Given",
                    steps=[Step(title="click", status=Status.FAILED, error="no button\nat x")],
                )
            ],
        ),
        Result(title="skips", status=Status.SKIPPED, container=deep, exception_description="not today"),
        Result(
            title="unsure",
            status=Status.UNKNOWN,
            container=ui,
            test_key="DEMO-7",
            tags=["smoke", "p1"],
            description="what it checks",
        ),
        Result(
            title="retried",
            status=Status.PASSED,
            container=ui,
            flaky=True,
            attempts=[
                {"status": "failed", "message": "first", "stack_trace": "trace ]]>"},
                {"status": "broken", "type": "IOError", "system_out": "out"},
            ],
            assets=[Asset(name="shot.png", path="/tmp/shot.png"), Asset(name="inline.txt", data=b"x")],
        ),
        Result(title="at the top", status=Status.FAILED, container=None, exception_description="no suite"),
    ]
    return [ReportMeta(title="from meta"), root, cart, ui, deep, *results]


def test_hand_built_tree_round_trips() -> None:
    events = _tree()
    data = write(
        events,
        Report(
            id="r1",
            title="nightly",
            started_at=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
            finished_at=datetime(2024, 5, 1, 9, 1, 30, tzinfo=UTC),
            build="1.2.3",
        ),
    )
    again = reparse(data)
    got, want = count(again), count(events)
    assert got == want
    assert (got.failed, got.broken, got.passed, got.skipped, got.unknown) == (2, 1, 3, 1, 1)

    root = etree.fromstring(data)
    assert root.tag == "testsuites"
    assert root.attrib == {
        "name": "nightly",
        "tests": "8",
        "failures": "2",
        "errors": "1",
        "skipped": "2",
        "time": "90.000",
        "timestamp": "2024-05-01T09:00:00+00:00",
    }
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {
        "com.acme.CartTest",
        "com.acme / UI tests / checkout › pay",
        "com.acme / UI tests",
        "nightly",
    }
    cart = suites["com.acme.CartTest"]
    assert (cart.get("tests"), cart.get("failures"), cart.get("time"), cart.get("hostname")) == (
        "3",
        "1",
        "1.500",
        "ci-7",
    )
    assert cart.get("timestamp") == "2024-05-01T10:00:00Z"
    assert cart.find("system-out").text == "suite log"

    results = {r.title: r for r in results_of(again)}
    assert results["unsure"].status is Status.UNKNOWN
    assert results["unsure"].test_key == "DEMO-7" and results["unsure"].tags == ["smoke", "p1"]
    assert results["unsure"].description == "what it checks"
    assert results["unsure"].properties == {}
    retried = results["retried"]
    assert retried.flaky and [a["status"] for a in retried.attempts] == ["failed", "broken"]
    assert retried.attempts[0]["stack_trace"] == "trace ]]>"
    assert [a.path for a in retried.assets] == ["/tmp/shot.png"]
    fails = results["fails"]
    assert fails.exception_description == "ctrl chars ]]> <tag> & \"quotes\" 'apos'  \r\n end ✓"
    assert fails.exception_backtrace == fails.exception_description == fails.stdout == fails.stderr
    assert results["passes"].properties == {"file": "cart_test.py", "line": "10", "owner": "ana"}
    assert results["breaks"].stdout.splitlines()[:3] == [
        "Given open page — passed",
        "  click — failed",
        "    no button",
    ]
    assert results["at the top"].container.title == "nightly"
    assert "ctrl chars ]]> <tag> & \"quotes\" 'apos'  \r\n end ✓" in results
    props = {p.get("name"): p.get("value") for p in root.find("properties")}
    assert props["build"] == "1.2.3"
    env = [p.get("value") for p in cart.find("properties") if p.get("name") == "env"]
    assert env == ["a", "b"]


def test_counts_come_from_results_not_containers() -> None:
    suite = Container(title="s")
    suite.counts.add(Status.PASSED, 40)  # stale cached counts must not leak into attributes
    data = write([suite, Result(title="t", status=Status.FAILED, container=suite)])
    root = etree.fromstring(data)
    assert root.find("testsuite").get("tests") == "1" and root.get("failures") == "1"


def test_interleaved_containers_stay_correct() -> None:
    a, b = Container(title="A"), Container(title="B")
    events: list[object] = [a, b]
    for i in range(3):
        events.append(Result(title=f"a{i}", status=Status.PASSED, container=a))
        events.append(Result(title=f"b{i}", status=Status.SKIPPED, container=b))
    again = reparse(write(events))
    assert count(again) == count(events)
    assert {c.title for c in containers_of(again)} == {"A", "B"}


def test_empty_report_is_valid() -> None:
    data = write([])
    root = etree.fromstring(data)
    assert root.tag == "testsuites" and root.get("tests") == "0" and len(root) == 0
    assert results_of(parse_events("junit", data)) == []


def test_output_streams_in_chunks_through_a_spool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(junit_writer, "_SPOOL_MEMORY", 1024)  # force the spool onto disk
    monkeypatch.setattr(junit_writer, "_CHUNK", 4096)
    suite = Container(title="big")
    events: list[object] = [suite]
    events += [
        Result(title=f"t{i}", status=Status(i % 5), container=suite, stdout="x" * 100) for i in range(500)
    ]
    chunks = list(write_junit(Report(id="r"), events))
    assert len(chunks) > 3 and chunks[0].startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    again = reparse(b"".join(chunks))
    assert count(again) == count(events)
