"""Cucumber JSON parser: every corpus file against its hand counts, plus backgrounds, outlines,
hooks, attachments, durations and the edge cases the corpus lacks."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import detect
from assay.formats._gherkin import split_error
from assay.formats.cucumber import sniff
from assay.model import Container, Result, Status
from tests.formats.helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    parse_events,
    results_of,
)

CUCUMBER_FILES = corpus_files("cucumber")
OTHER_FILES = [
    path
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name != "cucumber")
    for path in corpus_files(folder.name)
]
CALLIOPE_LIKE = [
    b'{"containers": [{"title": "Feature", "results": [{"title": "a", "status": 2, "steps": '
    b'[{"keyword": "Given", "title": "x"}]}]}], "origin": "cucumber_json"}',
    b'[{"title": "Feature", "classification": "Feature", "results": [{"title": "a", "status": 2}], '
    b'"containers": []}]',
]


def parse(name: str, **options: Any) -> list[Any]:
    return parse_events("cucumber", CORPUS / "cucumber" / name, **options)


def cucumber(document: Any, **options: Any) -> list[Any]:
    return parse_events("cucumber", json.dumps(document).encode(), **options)


def by_title(events: list[Any]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def feature(*elements: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    return [{"uri": "features/a.feature", "id": "a", "keyword": "Feature", "name": "A", "line": 1,
             "elements": list(elements), **extra}]


def scenario(name: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "scenario", "keyword": "Scenario", "name": name, "id": f"a;{name}", "line": 3,
            "steps": list(steps), **extra}


def step(name: str, status: str = "passed", **result: Any) -> dict[str, Any]:
    return {"keyword": "Given ", "name": name, "line": 4, "result": {"status": status, **result}}


# -- the corpus -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CUCUMBER_FILES, ids=[p.name for p in CUCUMBER_FILES])
def test_corpus_counts_match_expected(path: Path) -> None:
    assert_matches_expected(f"cucumber/{path.name}", parse_events("cucumber", path))


@pytest.mark.parametrize("path", CUCUMBER_FILES, ids=[p.name for p in CUCUMBER_FILES])
def test_corpus_events_are_well_formed(path: Path) -> None:
    events = parse_events("cucumber", path)
    seen: set[int] = set()
    for event in events:
        if isinstance(event, Container):
            assert event.parent is None and event.classification == "Feature"
            seen.add(id(event))
        else:
            assert isinstance(event, Result)
            assert event.container is not None and id(event.container) in seen
            assert event.classname == event.container.properties["uri"]
            assert event.steps or event.title == "Blank Scenario"


@pytest.mark.parametrize("path", CUCUMBER_FILES, ids=[p.name for p in CUCUMBER_FILES])
def test_corpus_is_detected_as_cucumber(path: Path) -> None:
    head = path.read_bytes()[:65536]
    assert sniff(head) == 0.9
    assert detect(head, path.name).name == "cucumber"


@pytest.mark.parametrize("path", OTHER_FILES, ids=[f"{p.parent.name}/{p.name}" for p in OTHER_FILES])
def test_sniff_leaves_other_formats_alone(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0


@pytest.mark.parametrize("head", CALLIOPE_LIKE)
def test_sniff_leaves_calliope_json_alone(head: bytes) -> None:
    assert sniff(head) == 0.0


def test_statuses_of_the_compatibility_kit() -> None:
    results = by_title(parse("jvm-all-statuses.json"))
    assert {title: r.status for title, r in results.items()} == {
        "Passing": Status.PASSED,
        "Failing": Status.FAILED,
        "Pending": Status.SKIPPED,
        "Skipped": Status.SKIPPED,
        "Undefined": Status.UNKNOWN,
        "Ambiguous": Status.UNKNOWN,
    }
    failing = results["Failing"]
    assert (failing.exception_name, failing.exception_description) == ("Error", "whoops")
    assert failing.exception_backtrace == "Error: whoops\nsamples/all-statuses/all-statuses.feature:13"
    assert [s.status for s in failing.steps] == [Status.PASSED, Status.FAILED, Status.SKIPPED]
    assert failing.steps[1].error == failing.exception_backtrace
    assert results["Pending"].steps[1].data["status"] == "pending"
    assert failing.duration == 2  # 1000000 ns per executed step
    assert failing.steps[0].duration == 1
    assert failing.steps[2].duration is None  # skipped: no duration


def test_background_steps_are_prepended_to_each_scenario() -> None:
    events = parse("jvm-rules-backgrounds.json")
    results = results_of(events)
    assert [r.title for r in results] == ["one scenario", "another scenario"]
    steps = results[0].steps
    assert [s.title for s in steps] == [
        'an order for "eggs"', 'an order for "milk"', 'an order for "bread"',
        'an order for "batteries"', 'an order for "light bulbs"', "an action", "an outcome",
    ]
    assert [bool(s.data.get("background")) for s in steps] == [True] * 5 + [False] * 2
    assert results[0].json_data["keyword"] == "Example"


def test_cucumber_rs_background_after_its_scenario() -> None:
    events = parse("cucumber-rs-writer-json-parse-failure.json")
    results = results_of(events)
    assert len(results) == 15
    first = results[1]  # "Basic" > "1 sec": its background element comes after it, same id
    assert first.title == "1 sec"
    assert [(s.keyword, s.title, (s.data or {}).get("background")) for s in first.steps] == [
        ("Before", "Before hook", None), ("Given", "1 sec", True), ("Given", "1 sec", None),
        ("When", "1 sec", None), ("Then", "unknown", None), ("After", "After hook", None),
    ]
    assert first.status is Status.UNKNOWN
    assert first.exception_description == "Step doesn't match any function"
    assert first.tags == ["serial"]
    # cucumber-rs logs through embeddings: base64 text decoded
    assert first.steps[1].assets[0].data == b" INFO scenario:background step: json: step\n"
    assert first.steps[1].assets[0].mime_type == "text/x.cucumber.log+plain"
    pseudo = results[0]  # an unparsable .feature file
    assert pseudo.title == "failed-to-parsetests/features/wait/invalid.feature"  # no name: its id
    assert pseudo.status is Status.FAILED
    assert containers_of(events)[0].title == "tests/features/wait/invalid.feature"
    outline = by_title(events)["wait"]
    assert outline.status is Status.FAILED  # a failed After hook fails the scenario
    assert outline.exception_description == "Tag!"


def test_outline_rows_are_each_a_result() -> None:
    results = results_of(parse("jvm-scenario-outline-examples.json"))
    assert len(results) == 7
    assert [r.json_data["id"] for r in results[-3:]] == [
        "examples-tables;eating-cucumbers-with-<friends>-friends;;2",
        "examples-tables;eating-cucumbers-with-<friends>-friends;;3",
        "examples-tables;eating-cucumbers-with-<friends>-friends;;4",
    ]
    assert [r.title for r in results[-3:]] == [
        "Eating cucumbers with 11 friends",
        "Eating cucumbers with 1 friends",
        "Eating cucumbers with 0 friends",
    ]
    assert [r.status for r in results[:4]] == [Status.PASSED, Status.PASSED, Status.FAILED, Status.FAILED]


def test_outline_template_before_its_rows_is_not_a_result() -> None:
    # cucumber-jvm 1.x: the outline itself (placeholders, steps without results), then each row
    template = {"type": "scenario_outline", "keyword": "Scenario Outline", "name": "get", "id": "a;get",
                "line": 3, "examples": [{"rows": [{"cells": ["endpoint"]}, {"cells": ["/one"]}]}],
                "steps": [{"keyword": "Given ", "name": 'I get "<endpoint>"', "line": 4}]}
    rows = [scenario("get", step(f'I get "/{n}"'), id=f"a;get;;{i}", keyword="Scenario Outline")
            for i, n in ((2, "one"), (3, "two"))]
    results = results_of(cucumber(feature(template, *rows)))
    assert [r.status for r in results] == [Status.PASSED, Status.PASSED]
    assert [r.steps[0].title for r in results] == ['I get "/one"', 'I get "/two"']
    # an outline with no expanded rows is all there is of it: kept, its unrun steps make it skipped
    alone = results_of(cucumber(feature(template)))
    assert [r.status for r in alone] == [Status.SKIPPED]


def test_ruby_outline_hooks_tags_and_nanoseconds() -> None:
    events = parse("ruby-scenario-outline-xray-sample.json")
    container = containers_of(events)[0]
    assert container.tags == ["REQ_CALC_8886"]
    results = results_of(events)
    assert len(results) == 5
    first = results[0]
    assert first.tags == ["REQ_CALC_8886", "TEST_CALC_8887"]
    assert first.json_data["keyword"] == "Scenario Outline"
    assert [s.keyword for s in first.steps] == ["Before", "Given", "And", "When", "Then", "After"]
    assert first.steps[0].title == "features/step_definitions/calculator_steps.rb:9"
    assert first.steps[4].duration == 3  # 2836000 ns
    # hooks included: 24000 + 45000 + 17000 + 27000 + 2836000 + 13000 ns
    assert first.duration == 3


def test_duration_unit_option() -> None:
    document = feature(scenario("s", step("a", duration=1500), step("b", duration=2500)))
    assert results_of(cucumber(document))[0].duration == 0
    assert results_of(cucumber(document, cucumber_duration_unit="ms"))[0].duration == 4000
    assert results_of(cucumber(document, cucumber_duration_unit="s"))[0].steps[0].duration == 1_500_000
    # the total is summed before rounding: 3 x 0.6 ms is 2 ms, not 3 x 1 ms
    three = feature(scenario("s", *(step(name, duration=600_000) for name in "abc")))
    (result,) = results_of(cucumber(three))
    assert ([s.duration for s in result.steps], result.duration) == ([1, 1, 1], 2)
    with pytest.raises(ParseError, match="cucumber_duration_unit"):
        cucumber(document, cucumber_duration_unit="fortnights")


def test_absurd_durations_are_dropped() -> None:
    huge = [step(name, duration=1.7e308) for name in "ab"]
    document = feature(scenario("s", *huge, step("c", duration=-5)))
    for unit in ("ns", "s"):
        (result,) = results_of(cucumber(document, cucumber_duration_unit=unit))
        assert result.duration is None
        assert [s.duration for s in result.steps] == [None, None, None]


def test_failing_hooks_fail_the_scenario() -> None:
    results = by_title(parse("jvm-failing-hooks.json"))
    before = results["A failure in the before hook and a skipped step"]
    assert before.status is Status.FAILED
    assert [(s.keyword, s.status) for s in before.steps] == [
        ("Before", Status.FAILED), ("When", Status.SKIPPED)
    ]
    assert (before.exception_name, before.exception_description) == ("Error", "Exception in conditional hook")
    after = results["A failure in the after hook and a passed step"]
    assert after.status is Status.FAILED
    assert after.steps[-1].keyword == "After"
    assert results["With an tag, a passed step and hook"].status is Status.PASSED


def test_cucumber_js_hidden_hook_steps_and_png() -> None:
    results = results_of(parse("cucumberjs-undefined-pending-hooks.json"))
    screenshot = results[0]
    assert screenshot.steps[0].keyword == "Before"
    assert screenshot.steps[0].title.endswith("step_definitions/hooks.js:10")
    (png,) = screenshot.steps[3].assets
    assert png.data is not None and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (png.mime_type, png.name) == ("image/png", "attachment-1.png")
    assert [r.status for r in results] == [Status.PASSED, Status.UNKNOWN, Status.UNKNOWN, Status.SKIPPED]


def test_embeddings_and_output_become_assets_and_data() -> None:
    results = by_title(parse("jvm-attachments-embeddings.json"))
    (hello,) = results["Strings can be attached with a media type"].steps[0].assets
    assert (hello.data, hello.mime_type) == (b"hello", "application/octet-stream")
    (pdf,) = results["Attaching PDFs with a different filename"].steps[0].assets
    assert pdf.name == "renamed.pdf" and pdf.data is not None and pdf.data.startswith(b"%PDF-1.4")
    (raw,) = results["Byte arrays are base64-encoded regardless of media type"].steps[0].assets
    assert raw.data == bytes(range(10))
    assert results["Log text"].steps[0].data["output"] == ["hello"]
    json_step = results["Log JSON"].steps[0]
    assert json_step.data["doc_string"] == '{"message": "The <b>big</b> question", "foo": "bar"}'
    assert json_step.assets[0].name == "attachment-1.json"


def test_old_shapes_tags_as_strings_raw_text_and_step_hooks() -> None:
    png = base64.b64encode(b"\x89PNG...").decode()
    attached = {
        **step("attached"),
        # cucumber-js 1.x wrote text attachments raw; cucumber-js 7+ writes `media`
        "embeddings": [
            {"mime_type": "text/plain", "data": "plain text, not base64"},
            {"data": png, "media": {"type": "image/png"}},
        ],
        # cucumber-jvm BeforeStep hooks
        "before": [{"result": {"status": "failed", "error_message": "java.lang.IllegalStateException"}}],
        "rows": [{"cells": ["a", "b"]}, {"cells": ["1", "2"]}],
    }
    old = {"type": "scenario_outline", "keyword": "Scenario Outline", "name": "old",
           "tags": ["@smoke", "wip"], "steps": [attached]}
    document = feature(old, tags=[{"name": "@feature-tag", "line": 1}])
    events = cucumber(document)
    (result,) = results_of(events)
    assert result.tags == ["smoke", "wip"]
    assert containers_of(events)[0].tags == ["feature-tag"]
    attached = result.steps[0]
    assert [a.data for a in attached.assets] == [b"plain text, not base64", b"\x89PNG..."]
    assert attached.data["rows"] == [["a", "b"], ["1", "2"]]
    assert [(h.keyword, h.status) for h in attached.steps] == [("BeforeStep", Status.FAILED)]
    assert result.status is Status.FAILED  # a failed BeforeStep hook
    assert result.exception_name == "java.lang.IllegalStateException"


def test_missing_pieces() -> None:
    document = [
        {"keyword": "Feature", "uri": "features/empty.feature"},  # no name, no elements
        {"keyword": "Feature", "name": "Named", "elements": [
            {"type": "scenario", "steps": [{"keyword": "Given ", "name": "no result"}]},
            {"type": "background", "steps": [step("orphan")]},
        ]},
    ]
    events = cucumber(document)
    empty, named = containers_of(events)
    assert (empty.title, named.title) == ("features/empty.feature", "Named")
    (result,) = results_of(events)
    assert (result.title, result.status, result.classname) == ("(unnamed scenario)", Status.SKIPPED, "Named")
    # a background that ends the feature belongs to the scenario before it
    assert [s.title for s in result.steps] == ["orphan", "no result"]


def test_empty_list_is_an_empty_report() -> None:
    assert cucumber([]) == []


def test_split_error() -> None:
    assert split_error("java.lang.AssertionError: expected:<1> but was:<2>\n\tat Foo.bar(Foo.java:3)") == (
        "java.lang.AssertionError", "expected:<1> but was:<2>",
        "java.lang.AssertionError: expected:<1> but was:<2>\n\tat Foo.bar(Foo.java:3)",
    )
    ruby = "expected: 50\n     got: 49 (RSpec::Expectations::ExpectationNotMetError)\n./features/steps.rb:5"
    assert split_error(ruby)[:2] == ("RSpec::Expectations::ExpectationNotMetError", "expected: 50")
    node = "AssertionError [ERR_ASSERTION]: 1 == 2\n    at x.js:1"
    assert split_error(node)[:2] == ("AssertionError", "1 == 2")
    assert split_error("Step panicked. Captured output: Too much!")[:2] == (
        None, "Step panicked. Captured output: Too much!"
    )
    assert split_error(None) == (None, None, None)


# -- malformed input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \n", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as error:
        parse_events("cucumber", data)
    assert error.value.code == "empty_file"


def test_truncated_file() -> None:
    data = (CORPUS / "cucumber" / "jvm-all-statuses.json").read_bytes()
    with pytest.raises(ParseError, match="not valid JSON") as error:
        parse_events("cucumber", data[: len(data) // 2])
    assert error.value.details["line"] > 1


def test_xray_json_is_refused() -> None:
    data = (CORPUS / "xray" / "xray-cloud-single-test-passed.json").read_bytes()
    with pytest.raises(ParseError, match='list of features .an object with "tests" is Xray JSON'):
        parse_events("cucumber", data)


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ([42], r"\[0\]: expected an object, got 42"),
        ([{"elements": {"a": 1}}], r"\[0\].elements: expected an array"),
        ([{"elements": ["x"]}], r"\[0\].elements\[0\]: expected an object"),
        ([{"elements": [{"steps": [{"result": {"status": 3}}]}]}],
         r"\[0\].elements\[0\].steps\[0\].result.status: expected a string, got 3"),
        ([{"elements": [{"steps": [{"result": "passed"}]}]}],
         r"\[0\].elements\[0\].steps\[0\].result: expected an object"),
        ([{"name": ["A"]}], r"\[0\].name: expected a string"),
        ([{"tags": [7]}], r"\[0\].tags\[0\]: expected a tag name or object"),
        ([{"elements": [{"steps": [{"embeddings": [{"data": {}}]}]}]}], r"steps\[0\].embeddings\[0\].data"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, path: str) -> None:
    with pytest.raises(ParseError, match=path):
        cucumber(document)


def test_sniff_scores() -> None:
    assert sniff(b'[{"uri": "a.feature", "keyword": "Feature", "elements": [') == 0.9
    assert sniff(b'\xef\xbb\xbf [ {"keyword": "Feature", "uri": "a.feature", "name": "A"}]') == 0.6
    assert sniff(b'[{"keyword": "Feature", "location": "features/a.feature:1", "elements": [') == 0.0
    assert sniff(b'[{"keyword": "Feature", "elements": [{"steps": [{"step_type": "given"') == 0.0
    assert sniff(b"[]") == 0.0
    assert sniff(b'{"uri": "a", "keyword": "Feature", "elements": []}') == 0.0
    assert sniff(b"\xff\xfe garbage") == 0.0
