"""Behave JSON parser: every corpus file against its hand counts, plus statuses, seconds,
backgrounds, old shapes and the edge cases the corpus lacks."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import detect
from assay.formats.behave import sniff
from assay.model import Container, Result, Status
from tests.formats.helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    parse_events,
    results_of,
)

BEHAVE_FILES = corpus_files("behave")
OTHER_FILES = [
    path
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name != "behave")
    for path in corpus_files(folder.name)
]
CALLIOPE_LIKE = [
    b'{"containers": [{"title": "F", "results": [{"title": "a", "status": 2, "steps": '
    b'[{"keyword": "Given", "title": "x", "data": {"location": "features/a.feature:3"}}]}]}]}',
    b'[{"title": "F", "classification": "Feature", "results": [], "containers": []}]',
]


def parse(name: str) -> list[Any]:
    return parse_events("behave", CORPUS / "behave" / name)


def behave(document: Any) -> list[Any]:
    return parse_events("behave", json.dumps(document).encode())


def feature(*elements: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    return [{"keyword": "Feature", "name": "Shop", "location": "features/shop.feature:1", "tags": ["web"],
             "elements": list(elements), **extra}]


def scenario(name: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "scenario", "keyword": "Scenario", "name": name, "location": "features/shop.feature:5",
            "tags": [], "steps": list(steps), **extra}


def step(name: str, line: int, status: str | None = "passed", **result: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"keyword": "Given", "step_type": "given", "name": name,
                             "location": f"features/shop.feature:{line}"}
    if status is not None:
        found["result"] = {"status": status, **result}
    return found


# -- the corpus -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BEHAVE_FILES, ids=[p.name for p in BEHAVE_FILES])
def test_corpus_counts_match_expected(path: Path) -> None:
    assert_matches_expected(f"behave/{path.name}", parse_events("behave", path))


@pytest.mark.parametrize("path", BEHAVE_FILES, ids=[p.name for p in BEHAVE_FILES])
def test_corpus_events_are_well_formed(path: Path) -> None:
    events = parse_events("behave", path)
    container = events[0]
    assert isinstance(container, Container)
    assert (container.title, container.classification) == ("showing off behave", "Feature")
    for event in events[1:]:
        assert isinstance(event, Result)
        assert event.container is container
        assert event.classname == "features/test.feature"


@pytest.mark.parametrize("path", BEHAVE_FILES, ids=[p.name for p in BEHAVE_FILES])
def test_corpus_is_detected_as_behave(path: Path) -> None:
    head = path.read_bytes()[:65536]
    assert sniff(head) == 0.9
    assert detect(head, path.name).name == "behave"


@pytest.mark.parametrize("path", OTHER_FILES, ids=[f"{p.parent.name}/{p.name}" for p in OTHER_FILES])
def test_sniff_leaves_other_formats_alone(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0


@pytest.mark.parametrize("head", CALLIOPE_LIKE)
def test_sniff_leaves_calliope_json_alone(head: bytes) -> None:
    assert sniff(head) == 0.0


def test_old_behave_scenarios_derive_their_status_from_steps() -> None:
    results = {r.title: r for r in results_of(parse("behave-1.2.5-pass-fail-skip.json"))}
    assert results["run a simple test with one tag"].tags == ["tag_a"]
    assert results["run a simple test with multiple tags"].tags == ["tag_b", "tag_c"]
    failing = results["A failing test"]
    assert failing.status is Status.FAILED
    assert failing.exception_name == "AssertionError"
    assert failing.exception_backtrace.startswith("Traceback (most recent call last):\n  File")
    # the list of lines, joined
    assert failing.exception_backtrace.endswith("    assert (1 == 2)\nAssertionError")
    assert failing.steps[2].error == failing.exception_backtrace
    skipped = results["A skipped test"]
    assert skipped.status is Status.SKIPPED
    assert [(s.title, s.status, s.duration) for s in skipped.steps] == [
        ("we don't have behave installed", Status.SKIPPED, 0),
        ("I don't care", Status.SKIPPED, None),  # no result at all
    ]
    first = results["run a simple test with one tag"].steps[0]
    assert (first.keyword, first.data) == (
        "Given", {"location": "features/test.feature:4", "match": "features/steps/test.py:3"}
    )


def test_autoretry_attempts_each_stay_a_result() -> None:
    results = results_of(parse("behave-autoretry-flaky.json"))
    assert [r.title for r in results] == ["A failing test with autoretry"] * 3
    assert [r.status for r in results] == [Status.FAILED, Status.FAILED, Status.PASSED]
    assert results[0].tags == ["autoretry"]


def test_seconds_become_milliseconds() -> None:
    document = feature(scenario("timed", step("a", 6, duration=1.5), step("b", 7, duration=0.0004)))
    (result,) = results_of(behave(document))
    assert [s.duration for s in result.steps] == [1500, 0]
    assert result.duration == 1500
    many = feature(scenario("many", *(step(name, 6, duration=0.0004) for name in "abcde")))
    assert results_of(behave(many))[0].duration == 2  # 5 x 0.4 ms, summed before rounding


def test_background_is_not_a_result_and_its_steps_are_marked() -> None:
    # behave lists the background's steps (without results) and repeats them in every scenario
    background = {"type": "background", "keyword": "Background", "name": "",
                  "location": "features/shop.feature:2",
                  "steps": [{"keyword": "Given", "step_type": "given", "name": "a shop",
                             "location": "features/shop.feature:3"}]}
    document = feature(
        background,
        scenario("buy", step("a shop", 3), step("I buy", 6)),
        scenario("sell", step("a shop", 3), step("I sell", 9, "failed", error_message="Assertion Failed: x")),
    )
    events = behave(document)
    buy, sell = results_of(events)
    marks = [(s.title, (s.data or {}).get("background")) for s in buy.steps]
    assert marks == [("a shop", True), ("I buy", None)]
    assert (sell.status, sell.exception_name, sell.exception_description) == (
        Status.FAILED, "AssertionError", "x"
    )
    container = containers_of(events)[0]
    assert (container.tags, container.properties) == (["web"], {"location": "features/shop.feature:1"})


@pytest.mark.parametrize(
    ("scenario_status", "step_status", "expected"),
    [
        ("untested", None, Status.SKIPPED),
        ("skipped", "skipped", Status.SKIPPED),
        ("failed", "passed", Status.FAILED),  # an after_scenario hook failed: the scenario says so
        ("hook_error", "passed", Status.BROKEN),
        ("passed", "undefined", Status.UNKNOWN),
        ("passed", "passed", Status.PASSED),
    ],
)
def test_statuses(scenario_status: str, step_status: str | None, expected: Status) -> None:
    document = feature(scenario("s", step("a", 6, step_status), status=scenario_status))
    assert results_of(behave(document))[0].status is expected


def test_behave_1_2_4_wrapper_descriptions_and_embeddings() -> None:
    png = base64.b64encode(b"\x89PNG\r\n").decode()
    attached = {**step("a", 6), "embeddings": [{"mime_type": "image/png", "data": png}],
                "text": "doc string", "table": {"headings": ["a"], "rows": [["1"], ["2"]]}}
    document = {"features": feature(
        scenario("s", attached, description=["First line.", "Second line."]),
        description=["  Feature text."],
    )}
    events = behave(document)
    assert containers_of(events)[0].description == "Feature text."
    (result,) = results_of(events)
    assert result.description == "First line.\nSecond line."
    (asset,) = result.steps[0].assets
    assert (asset.data, asset.mime_type, asset.name) == (b"\x89PNG\r\n", "image/png", "attachment-1.png")
    assert result.steps[0].data["doc_string"] == "doc string"
    assert result.steps[0].data["rows"] == [["a"], ["1"], ["2"]]


def test_old_outline_template_is_not_a_result() -> None:
    template = {"type": "scenario_outline", "keyword": "Scenario Outline", "name": "buy <n>",
                "location": "features/shop.feature:5", "steps": [step("buy <n>", 6, None)],
                "examples": [{"keyword": "Examples", "table": {"headings": ["n"], "rows": [["1"], ["2"]]}}]}
    rows = [scenario(f"buy {n}", step(f"buy {n}", 6)) for n in (1, 2)]
    assert [r.title for r in results_of(behave(feature(template, *rows)))] == ["buy 1", "buy 2"]


def test_feature_without_scenarios_and_missing_names() -> None:
    events = behave([{"keyword": "Feature", "location": "features/empty.feature:1", "status": "skipped"},
                     {"keyword": "Feature", "elements": [{"type": "scenario", "steps": [{}]}]}])
    empty, unnamed = containers_of(events)
    assert (empty.title, unnamed.title) == ("features/empty.feature", "(unnamed feature)")
    (result,) = results_of(events)
    assert (result.title, result.status, result.classname) == ("(unnamed scenario)", Status.SKIPPED, None)
    assert result.steps[0].title == "(unnamed step)"


# -- malformed input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xef\xbb\xbf  "])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as error:
        parse_events("behave", data)
    assert error.value.code == "empty_file"


def test_truncated_file() -> None:
    data = (CORPUS / "behave" / "behave-autoretry-flaky.json").read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_events("behave", data[:-40])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"tests": []}, r"not a Behave JSON file: the document is an object"),
        ("features", r"the document is 'features'"),
        ([[]], r"^\[0\]: expected an object, got an array"),
        ([{"elements": [{"steps": [{"result": {"duration": 1, "error_message": 5}}]}]}],
         r"\[0\].elements\[0\].steps\[0\].result.error_message: expected a string or an array of strings"),
        ([{"elements": [{"steps": "Given x"}]}], r"\[0\].elements\[0\].steps: expected an array"),
        ([{"location": 12}], r"\[0\].location: expected a string"),
        ({"features": [{"elements": [{"status": ["passed"]}]}]}, r"features\[0\].elements\[0\].status"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        behave(document)


def test_garbage_durations_are_tolerated() -> None:
    document = feature(scenario("s", step("a", 6, duration="soon"), step("b", 7, duration=-1),
                                step("c", 8, duration=1.7e308)))
    (result,) = results_of(behave(document))
    assert [s.duration for s in result.steps] == [None, None, None]
    assert result.duration is None


def test_sniff_scores() -> None:
    assert sniff(b'[{"keyword": "Feature", "location": "features/a.feature:1", "elements": [{"steps": '
                 b'[{"step_type": "given"') == 0.9
    assert sniff(b'{"features": [{"keyword": "Feature", "location": "f.feature:1"}]}') == 0.7
    assert sniff(b'[{"keyword": "Feature", "uri": "a.feature", "step_type": "given"') == 0.0
    assert sniff(b'[{"keyword": "Feature", "id": "a", "location": "a.feature:1"}]') == 0.0
    assert sniff(b"[]") == 0.0
    assert sniff(b"not json") == 0.0
