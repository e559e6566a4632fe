"""Calliope JSON: parse (seed 002's every field), write_calliope, round trips, bad input, sniffing."""

from __future__ import annotations

import base64
import copy
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from assay.errors import ParseError
from assay.formats import get_format, rank
from assay.formats.calliope_writer import write_calliope
from assay.model import Asset, Container, Event, Report, ReportMeta, Result, Status, Step

from .helpers import CORPUS, containers_of, count, parse_events, results_of

SAMPLE = Path(__file__).parent / "files" / "calliope" / "sample-report.json"
PNG = b"\x89PNG\r\n\x1a\nfake"

# Seed 002's field names, object by object.
REPORT_FIELDS = {
    "id", "profile_id", "import_id", "import_status", "date", "origin", "created_at", "updated_at",
    "count_total", "count_passed", "count_failed", "count_broken", "count_skipped", "count_unknown",
    "cached_total", "cached_passed", "cached_failed", "cached_broken", "cached_skipped", "cached_unknown",
    "build", "os", "platform", "containers", "assets",
}
CONTAINER_FIELDS = {
    "id", "report_id", "container_id", "title", "classification",
    "count_total", "count_passed", "count_failed", "count_broken", "count_skipped", "count_unknown",
    "cached_total", "cached_passed", "cached_failed", "cached_broken", "cached_skipped", "cached_unknown",
    "position", "status", "history_hash", "created_at", "updated_at", "containers", "results", "assets",
}
RESULT_FIELDS = {
    "id", "container_id", "title", "status", "duration", "description", "exception_name",
    "exception_backtrace", "exception_description", "json_data", "position", "history_hash",
    "created_at", "updated_at", "assets",
}
ASSET_FIELDS = {"id", "location", "tag", "name", "created_at", "updated_at", "url", "type"}


STAMP = "2024-01-02T03:04:05Z"
NAMES = ("total", "passed", "failed", "broken", "skipped", "unknown")


def _asset(**fields: Any) -> dict[str, Any]:
    base = {"id": "as-1", "location": None, "tag": None, "name": None, "created_at": STAMP,
            "updated_at": "2024-01-02T03:04:06Z", "url": None, "type": None}
    return base | fields


def _result(title: str, status: Any, position: int | None, **fields: Any) -> dict[str, Any]:
    base = {
        "id": f"r-{title}", "container_id": "c", "title": title, "status": status, "duration": 10,
        "description": None, "exception_name": None, "exception_backtrace": None,
        "exception_description": None, "json_data": None, "position": position,
        "history_hash": "0f0f0f0f-0000-5000-8000-000000000000", "created_at": STAMP,
        "updated_at": STAMP, "assets": [],
    }
    return base | fields


def _container(
    title: str, position: int | None, results: list[Any], containers: list[Any] | None = None, **fields: Any
) -> dict[str, Any]:
    # Counts and status deliberately wrong: the parser must not take them.
    base = {
        "id": f"c-{title}", "report_id": None, "container_id": "c-parent", "title": title,
        "classification": "Suite",
        **{f"count_{name}": 999 for name in NAMES}, **{f"cached_{name}": 999 for name in NAMES},
        "position": position, "status": "passed", "history_hash": "0f0f0f0f-0000-5000-8000-000000000001",
        "created_at": STAMP, "updated_at": STAMP,
        "containers": containers or [], "results": results, "assets": [],
    }
    return base | fields


TRACE = 'Traceback (most recent call last):\n  File "t.py", line 9\nAssertionError'
EXTRAS = (
    '{"classname": "auth.LoginTest", "properties": {"owner": "ann", "env": ["a", "b"]},'
    ' "tags": ["smoke", "prio:high"], "stdout": "hello\\n", "flaky": true, "extra": 1}'
)


def full_document() -> dict[str, Any]:
    """Every field of seed 002, nested containers, all statuses, positions out of file order."""
    shot = _asset(id="a1", location="assets/2024/shot.png", tag="screenshot", name="shot.png",
                  url="https://calliope.example/api/v1/assets/a1", type="image/png")
    log = _asset(name="log.txt", data=base64.b64encode(b"log").decode(), type="text/plain")
    inner = {"title": "inner", "status": 1, "error": "boom", "assets": [log]}
    step = {"title": "open page", "keyword": "Given", "status": "passed", "duration": 3, "error": None,
            "data": {"rows": [["a", "b"]]}, "assets": [], "steps": [inner]}
    login_results = [
        _result("locks after three tries", 0, 2, duration=1250, description="Three wrong passwords",
                exception_name="AssertionError", exception_description="expected locked, was open",
                exception_backtrace=TRACE, json_data=EXTRAS, assets=[shot]),
        _result("signs in", "PASSED", 0, duration=5),
        _result("times out", "broken", 1, exception_name="TimeoutError", exception_description="30 s",
                json_data="plain text note", steps=[step]),
    ]
    deep = [
        _container("Deep B", 5, [_result("deep skip", 3, None, duration=None)], classification="Scenario"),
        _container("Deep A", 2, [_result("deep unknown", 4, 0, json_data={"classname": "x.Deep"})],
                   classification="Scenario"),
    ]
    login = _container("Login", 1, login_results, deep, classification="Feature", container_id=None,
                       report_id="7b1c9a52")
    har = _asset(url="https://calliope.example/files/har/run.har?sig=1", type="application/json", tag="har")
    api = _container("API", 0, [_result("health", 2, 0, duration=7)], container_id=None, assets=[har])
    return {
        "id": "7b1c9a52-7c37-4b0d-9d1c-3f4a5b6c7d8e", "profile_id": 4, "import_id": "imp-1",
        "import_status": 0, "date": "2024-01-02T03:04:05+02:00", "origin": "cucumber_json",
        "created_at": "2024-01-02T03:05:00Z", "updated_at": "2024-01-02T03:06:00Z", "test_suite_id": None,
        **{f"count_{name}": 1 for name in NAMES}, **{f"cached_{name}": 1 for name in NAMES},
        "build": "2024.1.7", "os": "macOS 14", "platform": "iOS", "tags": ["nightly", "team:core"],
        "containers": [login, api],
        "assets": [_asset(location="/srv/calliope/report.log", type="text/plain", tag="log")],
    }


def parse_doc(doc: Any) -> list[Event]:
    return parse_events("calliope", orjson.dumps(doc))


def path_of(container: Container | None) -> str:
    parts = []
    while container is not None:
        parts.append(container.title)
        container = container.parent
    return "/".join(reversed(parts))


# -- (a) every field of seed 002 ------------------------------------------------------------------

def test_full_document_parses_into_the_expected_events() -> None:
    events = parse_doc(full_document())
    assert [(type(e).__name__, getattr(e, "title", None)) for e in events] == [
        ("ReportMeta", None),
        # Siblings in position order: API (0) before Login (1); Login's results 0, 1, 2;
        # Deep A (2) before Deep B (5).
        ("Container", "API"), ("Result", "health"),
        ("Container", "Login"), ("Result", "signs in"), ("Result", "times out"),
        ("Result", "locks after three tries"),
        ("Container", "Deep A"), ("Result", "deep unknown"),
        ("Container", "Deep B"), ("Result", "deep skip"),
    ]
    meta = events[0]
    assert isinstance(meta, ReportMeta)
    assert meta.date == datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)
    assert (meta.build, meta.os, meta.platform) == ("2024.1.7", "macOS 14", "iOS")
    assert meta.tags == ["nightly", "team:core"]
    assert [(a.name, a.path, a.mime_type, a.tag) for a in meta.assets] == [
        ("report.log", "/srv/calliope/report.log", "text/plain", "log")]

    containers = {c.title: c for c in containers_of(events)}
    assert containers["Login"].classification == "Feature" and containers["Login"].parent is None
    assert containers["Deep A"].parent is containers["Login"]
    assert containers["Deep A"].classification == "Scenario"
    assert [(c.title, c.position) for c in containers.values()] == [
        ("API", 0), ("Login", 1), ("Deep A", 2), ("Deep B", 5)]
    har = containers["API"].assets[0]
    assert (har.name, har.path, har.mime_type, har.tag) == (
        "run.har", "https://calliope.example/files/har/run.har?sig=1", "application/json", "har")

    results = {r.title: r for r in results_of(events)}
    assert {t: r.status for t, r in results.items()} == {
        "health": Status.PASSED, "signs in": Status.PASSED, "times out": Status.BROKEN,
        "locks after three tries": Status.FAILED, "deep unknown": Status.UNKNOWN, "deep skip": Status.SKIPPED,
    }
    failed = results["locks after three tries"]
    assert failed.container is containers["Login"]
    assert (failed.duration, failed.position, failed.description) == (1250, 2, "Three wrong passwords")
    assert failed.exception_name == "AssertionError"
    assert failed.exception_description == "expected locked, was open"
    assert failed.exception_backtrace.endswith("AssertionError")  # type: ignore[union-attr]
    assert failed.classname == "auth.LoginTest"
    assert failed.properties == {"owner": "ann", "env": ["a", "b"]}
    assert failed.tags == ["smoke", "prio:high"]
    assert (failed.stdout, failed.flaky, failed.json_data) == ("hello\n", True, {"extra": 1})
    shot = failed.assets[0]
    assert (shot.name, shot.path, shot.mime_type, shot.tag, shot.data) == (
        "shot.png", "assets/2024/shot.png", "image/png", "screenshot", None)

    broken = results["times out"]
    assert broken.json_data == {"value": "plain text note"} and broken.classname is None
    [step] = broken.steps
    assert (step.title, step.keyword, step.status, step.duration, step.data) == (
        "open page", "Given", Status.PASSED, 3, {"rows": [["a", "b"]]})
    [inner] = step.steps
    assert (inner.title, inner.status, inner.error) == ("inner", Status.BROKEN, "boom")
    assert (inner.assets[0].name, inner.assets[0].data, inner.assets[0].path) == ("log.txt", b"log", None)

    assert results["deep unknown"].classname == "x.Deep"  # json_data given as an object
    assert results["deep skip"].duration is None and results["deep skip"].position is None
    # Counts and statuses in the file (999, "passed") are not taken.
    assert all(c.counts.total == 0 for c in containers.values())


def test_sample_file() -> None:
    events = parse_events("calliope", SAMPLE)
    counts = count(events)
    assert counts.as_dict() == {"count_total": 7, "count_passed": 3, "count_failed": 1, "count_broken": 1,
                                "count_skipped": 1, "count_unknown": 1}
    assert [path_of(c) for c in containers_of(events)] == [
        "com.shop.checkout", "com.shop.checkout/CartTest", "com.shop.checkout/PaymentTest",
        "com.shop.search", "com.shop.search/SearchTest",
    ]
    results = {r.title: r for r in results_of(events)}
    failed = results["removesLastItem"]
    assert failed.exception_name == "org.opentest4j.AssertionFailedError"
    assert "CartTest.java:42" in failed.exception_backtrace  # type: ignore[operator]
    assert failed.classname == "com.shop.checkout.CartTest"
    assert failed.stdout == "cart size before removal: 1\n"
    assert [(a.name, a.tag, a.mime_type) for a in failed.assets] == [
        ("cart-after-remove.png", "screenshot", "image/png")]
    assert results["paysWithCard"].status is Status.BROKEN and results["paysWithCard"].duration == 3004
    meta = events[0]
    assert isinstance(meta, ReportMeta) and meta.build == "1.8.0-rc.2"


@pytest.mark.parametrize("wrap", ["list", "report"])
def test_bare_list_and_wrapped_report(wrap: str) -> None:
    doc = full_document()
    data: Any = doc["containers"] if wrap == "list" else {"report": doc}
    events = parse_doc(data)
    assert [r.title for r in results_of(events)] == [r.title for r in results_of(parse_doc(doc))]
    assert isinstance(events[0], ReportMeta) is (wrap == "report")


def test_lenient_values() -> None:
    doc = full_document()
    doc["build"] = 1234  # a build number given as a number
    results = doc["containers"][0]["results"]
    results[0]["json_data"] = "[1, 2]"  # JSON, but not an object: kept as text
    results[1].update(status="0", duration=12.6)
    results[2].update(status=" Unknown ", duration="40")
    events = parse_doc(doc)
    assert isinstance(events[0], ReportMeta) and events[0].build == "1234"
    found = {r.title: r for r in results_of(events)}
    assert found["locks after three tries"].json_data == {"value": "[1, 2]"}
    assert (found["signs in"].status, found["signs in"].duration) == (Status.FAILED, 13)
    assert (found["times out"].status, found["times out"].duration) == (Status.UNKNOWN, 40)


def test_error_paths_start_at_the_wrapper() -> None:
    doc = full_document()
    doc["containers"][1]["results"][0]["status"] = "x"
    with pytest.raises(ParseError, match=r"^report\.containers\[1\]\.results\[0\]\.status: "):
        parse_doc({"report": doc})
    with pytest.raises(ParseError, match=r"^\[1\]\.results\[0\]\.status: ") as caught:
        parse_doc(doc["containers"])
    assert caught.value.details["result"] == "health"


# -- (b) round trip ---------------------------------------------------------------------------------

def snapshot(events: list[Event]) -> list[tuple[Any, ...]]:
    """Everything the tree says, without ids (parse makes new ones)."""

    def asset(a: Asset) -> tuple[Any, ...]:
        return (a.name, a.mime_type, a.tag, a.path, a.data)

    def step(s: Step) -> tuple[Any, ...]:
        return (s.title, s.keyword, s.status, s.duration, s.error, s.data,
                [step(c) for c in s.steps], [asset(a) for a in s.assets])

    rows: list[tuple[Any, ...]] = []
    for e in events:
        if isinstance(e, Container):
            rows.append((
                "C", path_of(e), e.classification, e.description, e.duration, e.properties, e.tags,
                e.position, [asset(a) for a in e.assets],
            ))
        elif isinstance(e, Result):
            rows.append((
                "R", path_of(e.container), e.title, e.status, e.duration, e.description, e.exception_name,
                e.exception_description, e.exception_backtrace, e.position, e.classname, e.properties, e.tags,
                e.stdout, e.stderr, e.flaky, e.attempts, e.json_data, [step(s) for s in e.steps],
                [asset(a) for a in e.assets],
            ))
        else:
            rows.append(("M", e.date, e.build, e.os, e.platform, e.tags, [asset(a) for a in e.assets]))
    return rows


def report_header() -> Report:
    at = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
    return Report(id="11111111-2222-4333-8444-555555555555", origin="calliope_json", key="DEMO-7",
                  profile_id=3,
                  import_id="99999999-2222-4333-8444-555555555555", date=at, created_at=at, updated_at=at)


@pytest.mark.parametrize("source", ["full", "sample"])
def test_round_trip_keeps_the_whole_tree(source: str) -> None:
    first = parse_doc(full_document()) if source == "full" else parse_events("calliope", SAMPLE)
    written = write_calliope(report_header(), first)
    second = parse_events("calliope", written)
    meta = second[0]
    assert isinstance(meta, ReportMeta) and meta.date == report_header().date
    # The header comes from `report` (its date wins); the file's ReportMeta filled the rest.
    first_rows, second_rows = snapshot(first), snapshot(second)
    if source == "full":
        # "deep skip" had no position: Calliope's position is an integer, so its index is written.
        assert second_rows[10][9] == 0
        first_rows[10] = (*first_rows[10][:9], 0, *first_rows[10][10:])
    assert first_rows[1:] == second_rows[1:]
    assert first_rows[0][2:] == second_rows[0][2:]


def test_round_trip_of_result_extras_and_embedded_assets() -> None:
    suite = Container(title="suite", classification="Suite", description="about", duration=12,
                      properties={"k": "v"}, tags=["t"])
    result = Result(
        title="t1", status=Status.FAILED, container=suite, classname="pkg.Cls", properties={"a": ["1", "2"]},
        tags=["x:y"], stdout="out", stderr="err", flaky=True, attempts=[{"status": "failed", "message": "m"}],
        test_key="DEMO-1", json_data={"kept": True},
        assets=[Asset(name="blob.bin", data=b"\x00\x01", mime_type="application/octet-stream")],
    )
    again = parse_events("calliope", write_calliope(report_header(), [suite, result]))
    [container] = containers_of(again)
    assert (container.description, container.duration, container.properties, container.tags) == (
        "about", 12, {"k": "v"}, ["t"])
    [back] = results_of(again)
    assert (back.classname, back.properties, back.tags, back.stdout, back.stderr, back.flaky) == (
        "pkg.Cls", {"a": ["1", "2"]}, ["x:y"], "out", "err", True)
    assert back.attempts == [{"status": "failed", "message": "m"}]
    assert (back.test_key, back.json_data) == ("DEMO-1", {"kept": True})
    assert (back.assets[0].name, back.assets[0].data) == ("blob.bin", b"\x00\x01")


# -- (c) what write_calliope writes -----------------------------------------------------------------

def five_status_tree() -> list[Container | Result | ReportMeta]:
    root = Container(title="root", classification="Suite", position=0)
    child = Container(title="child", classification="Class", parent=root, position=0)
    other = Container(title="other", classification="Suite", position=1)
    empty = Container(title="empty", parent=other, position=0)
    shot = Asset(name="shot.png", mime_type="image/png", tag="screenshot", location="ab/cd.png")
    return [
        ReportMeta(build="b7", tags=["nightly"], assets=[Asset(name="run.log", location="r/run.log")]),
        root,
        Result(title="passes", status=Status.PASSED, container=root, duration=3, position=0),
        child,
        Result(title="fails", status=Status.FAILED, container=child, position=1, exception_name="E",
               exception_description="msg", exception_backtrace="trace", assets=[shot], classname="a.B"),
        Result(title="breaks", status=Status.BROKEN, container=child, position=0),
        other,
        empty,
        Result(title="skips", status=Status.SKIPPED, container=other, position=0,
               steps=[Step(title="s", keyword="When", status=Status.SKIPPED, data={"doc": "x"})]),
        Result(title="unknown", status=Status.UNKNOWN, container=other, position=1),
    ]


def walk(container: dict[str, Any]) -> list[dict[str, Any]]:
    found = [container]
    for child in container["containers"]:
        found.extend(walk(child))
    return found


def test_written_document_has_every_field_and_right_counts() -> None:
    report = report_header()
    written = write_calliope(report, five_status_tree(), asset_url=lambda a: f"https://assay.test/a/{a.id}")
    doc = orjson.loads(written)
    assert REPORT_FIELDS <= doc.keys() and {"key", "tags"} <= doc.keys()
    assert (doc["id"], doc["key"], doc["profile_id"], doc["import_status"], doc["origin"]) == (
        report.id, "DEMO-7", 3, 0, "calliope_json")
    assert doc["date"] == doc["created_at"] == doc["updated_at"] == "2024-03-04T05:06:07+00:00"
    assert (doc["build"], doc["tags"]) == ("b7", ["nightly"])
    expected_report = {"total": 5, "passed": 1, "failed": 1, "broken": 1, "skipped": 1, "unknown": 1}
    for name, value in expected_report.items():
        assert doc[f"count_{name}"] == doc[f"cached_{name}"] == value

    containers = [c for top in doc["containers"] for c in walk(top)]
    by_title = {c["title"]: c for c in containers}
    for container in containers:
        assert CONTAINER_FIELDS <= container.keys(), container["title"]
        for result in container["results"]:
            assert RESULT_FIELDS <= result.keys() and "steps" in result
            assert result["container_id"] == container["id"]
            assert result["created_at"] == "2024-03-04T05:06:07+00:00"
            for asset in result["assets"]:
                assert asset.keys() == ASSET_FIELDS
    assert (by_title["root"]["report_id"], by_title["root"]["container_id"]) == (report.id, None)
    child = by_title["child"]
    assert (child["report_id"], child["container_id"]) == (None, by_title["root"]["id"])

    def counts(c: dict[str, Any]) -> tuple[int, ...]:
        return tuple(c[f"count_{n}"] for n in ("total", "passed", "failed", "broken", "skipped", "unknown"))

    assert {t: (counts(c), c["status"]) for t, c in by_title.items()} == {
        "root": ((3, 1, 1, 1, 0, 0), "failed"),
        "child": ((2, 0, 1, 1, 0, 0), "failed"),
        "other": ((2, 0, 0, 0, 1, 1), "unknown"),
        "empty": ((0, 0, 0, 0, 0, 0), None),
    }
    assert all(c[f"cached_{n}"] == c[f"count_{n}"] for c in containers for n in NAMES)

    child_results = by_title["child"]["results"]
    assert [(r["title"], r["status"], r["position"]) for r in child_results] == [
        ("breaks", 1, 0), ("fails", 0, 1)]
    fails = child_results[1]
    exception = (fails["exception_name"], fails["exception_description"], fails["exception_backtrace"])
    assert exception == ("E", "msg", "trace")
    assert orjson.loads(fails["json_data"]) == {"classname": "a.B"} and child_results[0]["json_data"] is None
    [shot] = fails["assets"]
    assert (shot["name"], shot["type"], shot["tag"], shot["location"]) == (
        "shot.png", "image/png", "screenshot", "ab/cd.png")
    assert shot["url"] == f"https://assay.test/a/{shot['id']}"
    assert doc["assets"][0]["name"] == "run.log"
    skips = by_title["other"]["results"][0]
    assert skips["steps"] == [{"title": "s", "keyword": "When", "status": 3, "duration": None, "error": None,
                               "data": {"doc": "x"}, "steps": [], "assets": []}]


def test_writer_recomputes_counts_and_collects_top_level_results() -> None:
    suite = Container(title="suite", position=0)
    suite.counts.add(Status.PASSED, 40)  # stale counts on the way in are not trusted
    loose = Result(title="loose", status=Status.BROKEN)
    inside = Result(title="in", status=Status.PASSED, container=suite)
    doc = orjson.loads(write_calliope(report_header(), [loose, suite, inside]))
    assert [c["title"] for c in doc["containers"]] == ["Results", "suite"]
    holder, written = doc["containers"]
    assert (holder["count_total"], holder["status"], holder["report_id"]) == (1, "broken", doc["id"])
    assert holder["results"][0]["title"] == "loose" and holder["results"][0]["container_id"] == holder["id"]
    assert (written["count_total"], written["count_passed"], written["status"]) == (1, 1, "passed")
    assert (doc["count_total"], doc["count_broken"]) == (2, 1)


def test_writer_dates_and_indent() -> None:
    plus_two = timezone(timedelta(hours=2))
    naive = Report(id="r", date=datetime(2024, 1, 1, 12, 0),
                   created_at=datetime(2024, 1, 1, 13, 0, tzinfo=plus_two))
    text = write_calliope(naive, [], indent=True)
    doc = orjson.loads(text)
    assert doc["date"] == "2024-01-01T12:00:00+00:00" and doc["created_at"] == "2024-01-01T13:00:00+02:00"
    assert doc["containers"] == [] and doc["count_total"] == 0 and doc["assets"] == []
    assert b'\n  "id": "r"' in text and b"\n" not in write_calliope(naive, [])


# -- (d) bad input ----------------------------------------------------------------------------------

def mutated(change: Any) -> bytes:
    doc = full_document()
    change(doc)
    return orjson.dumps(doc)


def _set(path: list[Any], value: Any) -> Any:
    def change(doc: Any) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


BAD = {
    "not json": (b'{"containers": [}', r"line 1, column \d+: not valid JSON"),
    "truncated": (SAMPLE.read_bytes()[:500], r"line \d+, column \d+: not valid JSON"),
    "a number": (b"42", r"the document is 42, expected a report object"),
    "no containers": (b'{"id": "x"}', r'no "containers" array'),
    "containers not a list": (mutated(_set(["containers"], {"a": 1})),
                              r"^containers: expected an array, got an object"),
    "container not an object": (mutated(_set(["containers", 1], "API")),
                                r"^containers\[1\]: expected an object, got 'API'"),
    "title a number": (mutated(_set(["containers", 0, "title"], 5)),
                       r"^containers\[0\]\.title: expected a string, got 5"),
    "results not a list": (mutated(_set(["containers", 0, "containers", 0, "results"], "x")),
                           r"^containers\[0\]\.containers\[0\]\.results: expected an array"),
    "bad status": (mutated(_set(["containers", 0, "results", 1, "status"], "x")),
                   r"^containers\[0\]\.results\[1\]\.status: expected 0\.\.4 or a status name, got 'x'"
                   r" \(result 'signs in'\)$"),
    "status out of range": (mutated(_set(["containers", 1, "results", 0, "status"], 7)),
                            r"^containers\[1\]\.results\[0\]\.status: expected 0\.\.4 or a status name,"
                            r" got 7"),
    "status missing": (mutated(_set(["containers", 1, "results", 0, "status"], None)),
                       r"status: .* got null"),
    "status a bool": (mutated(_set(["containers", 1, "results", 0, "status"], True)), r"got true"),
    "duration text": (mutated(_set(["containers", 1, "results", 0, "duration"], "fast")),
                      r"results\[0\]\.duration: expected a duration in milliseconds, got 'fast'"),
    "position text": (mutated(_set(["containers", 0, "containers", 1, "position"], "2")),
                      r"^containers\[0\]\.containers\[1\]\.position: expected an integer"),
    "bad date": (mutated(_set(["date"], "yesterday")), r"^date: expected an ISO 8601 date, got 'yesterday'"),
    "bad tags": (mutated(_set(["tags"], ["a", 1])), r"^tags\[1\]: expected a string, got 1"),
    "bad json_data": (mutated(_set(["containers", 0, "results", 0, "json_data"], [1])),
                      r"results\[0\]\.json_data: expected a JSON string or an object, got an array"),
    "bad extras": (mutated(_set(["containers", 0, "results", 0, "json_data"], '{"tags": "smoke"}')),
                   r"results\[0\]\.json_data\.tags: expected an array, got 'smoke'"),
    "bad flaky": (mutated(_set(["containers", 0, "results", 0, "json_data"], {"flaky": "yes"})),
                  r"json_data\.flaky: expected true or false"),
    "bad base64": (mutated(_set(["containers", 0, "results", 2, "steps", 0, "steps", 0, "assets", 0, "data"],
                                "%%%")),
                   r"steps\[0\]\.steps\[0\]\.assets\[0\]\.data: not valid base64"),
    "asset not an object": (mutated(_set(["assets", 0], 3)), r"^assets\[0\]: expected an object, got 3"),
    "step without title": (mutated(_set(["containers", 0, "results", 2, "steps", 0, "title"], None)),
                           r"steps\[0\]\.title: expected a string, got null"),
    "xray": ((CORPUS / "xray" / "xray-cloud-single-test-passed.json").read_bytes(), r"looks like Xray JSON"),
    "cucumber": ((CORPUS / "cucumber" / "jvm-all-statuses.json").read_bytes(), r"Cucumber JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_parse_error(case: str) -> None:
    data, message = BAD[case]
    with pytest.raises(ParseError) as caught:
        parse_events("calliope", data)
    assert re.search(message, caught.value.message), caught.value.message


def test_json_syntax_error_has_line_and_column() -> None:
    with pytest.raises(ParseError) as caught:
        parse_events("calliope", b'{\n  "containers": [\n    {"title": }\n  ]\n}')
    assert (caught.value.details["line"], caught.value.details["column"]) == (3, 15)


@pytest.mark.parametrize("data", [b"", b"  \n\t", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_events("calliope", data)
    assert caught.value.code == "empty_file"


def test_too_deep_trees_are_refused() -> None:
    deep: dict[str, Any] = {"title": "leaf", "results": []}
    for level in range(70):
        deep = {"title": f"level {level}", "containers": [deep]}
    with pytest.raises(ParseError, match="nested deeper than 64 levels"):
        parse_doc({"containers": [deep]})


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


WRONG_VALUES = [None, True, -3, 2.5, "", "x", [], [1], {}, {"a": 1}]


def test_any_wrong_type_anywhere_is_a_parse_error_or_accepted() -> None:
    """Every value of the full document replaced by each wrong type: never a KeyError/TypeError."""
    original = full_document()
    outcomes = {"ok": 0, "error": 0}
    for path in _paths(original):
        for wrong in WRONG_VALUES:
            doc = copy.deepcopy(original)
            _set(list(path), wrong)(doc)
            try:
                parse_doc(doc)
                outcomes["ok"] += 1
            except ParseError:
                outcomes["error"] += 1
    assert outcomes["error"] > 500 and outcomes["ok"] > 500, outcomes


# -- (e) sniffing -----------------------------------------------------------------------------------

def sniff(data: bytes) -> float:
    return get_format("calliope").sniff(data)


def test_sniff_scores() -> None:
    sample = SAMPLE.read_bytes()
    assert sniff(sample) == 0.9
    cut = sample[: sample.index(b'"containers"') + 40]  # a head cut mid-document
    assert sniff(cut) == 0.9
    assert sniff(b"\xef\xbb\xbf\n " + orjson.dumps(full_document())) == 0.9
    assert sniff(b'{"containers": [{"title": "a", "results": [{"title": "t", "status": 2}]}]}') == 0.6
    assert sniff(orjson.dumps(full_document()["containers"])) == 0.5
    assert sniff(b'{"containers": []}') == 0.0
    assert sniff(b"") == sniff(b"<testsuite/>") == sniff(b"\x00\xff garbage") == 0.0


@pytest.mark.parametrize(
    "path", [p for folder in ("xray", "cucumber", "behave") for p in sorted((CORPUS / folder).iterdir())],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_json_formats_alone(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0


def test_sniff_refuses_xray_with_containers_word() -> None:
    assert sniff(b'{"testExecutionKey": "DEMO-1", "info": {}, "containers": [], "origin": "x"}') == 0.0
    assert sniff(b'[{"elements": [], "containers": [], "results": []}]') == 0.0


def test_detection_picks_calliope_for_the_sample() -> None:
    best = rank(SAMPLE.read_bytes()[:65536], "sample-report.json")[0]
    assert best.format.name == "calliope"


def test_format_declaration() -> None:
    fmt = get_format("calliope-json")
    assert (fmt.name, fmt.origin, fmt.title) == ("calliope", "calliope_json", "Calliope JSON")
    assert get_format("calliope_json") is fmt and fmt.matches_filename("out/report.json")
    assert fmt.mimetypes == ("application/json",)
    assert fmt.extra == {"smart": False}  # the file is a tree already
