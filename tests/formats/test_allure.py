"""Allure 2 reader: result and container files from files/allure (allure-pytest, allure-junit5),
plus inline documents for the container path, the shape checks and the refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import detect
from assay.formats.allure import sniff
from assay.model import ReportMeta, Result, Status
from tests.formats.helpers import CORPUS, containers_of, parse_events, results_of

FILES = Path(__file__).resolve().parent / "files" / "allure"
SAMPLES = sorted(FILES.glob("*.json"))
OTHER_FILES = sorted(
    p for p in [*CORPUS.rglob("*"), *FILES.parent.rglob("*")]
    if p.is_file() and p.suffix != ".md" and p.name != "expected.json" and FILES not in p.parents
)
PYTEST = "allure-pytest-2.13-failed-steps-result.json"
JUNIT5 = "allure-junit5-2.24-broken-result.json"
CONTAINER = "allure-junit5-2.24-container.json"


def allure(document: Any) -> list[object]:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("allure", data)


def sample(name: str) -> list[object]:
    return parse_events("allure", FILES / name)


def only_result(events: list[object]) -> Result:
    (result,) = results_of(events)
    return result


# -- the samples -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_are_detected_as_allure(path: Path) -> None:
    assert detect(path.read_bytes()[:65536], path.name).name == "allure"


def test_pytest_result_tree_status_and_failure() -> None:
    events = sample(PYTEST)
    parent, suite = containers_of(events)
    assert (parent.title, parent.classification) == ("tests", "Suite")
    assert (suite.title, suite.parent) == ("test_checkout", parent)
    result = only_result(events)
    assert (result.title, result.status, result.container, result.duration) == (
        "test_checkout_applies_discount[gold-20]", Status.FAILED, suite, 86)
    assert result.description == "Discounts are applied per loyalty tier."
    assert result.exception_name == "AssertionError"
    assert result.exception_description.startswith("AssertionError: assert 80.0 == 79.99")
    assert result.exception_backtrace.endswith("tests/test_checkout.py:42: AssertionError")


def test_pytest_result_labels_tags_and_extras() -> None:
    result = only_result(sample(PYTEST))
    assert result.tags == ["feature:Checkout", "story:Discounts", "severity:critical", "smoke"]
    assert result.properties["host"] == "ci-runner-7" and result.properties["framework"] == "pytest"
    assert result.json_data["parameters"] == [{"name": "tier", "value": "'gold'"}, {"name": "percent", "value": "20"}]
    assert result.json_data["links"] == [
        {"name": "SHOP-118", "url": "https://tracker.example.com/SHOP-118", "type": "issue"}
    ]
    assert result.json_data["historyId"] == "3b1f0c6e9a2d4b8e7f1a2c3d4e5f6a7b"
    assert result.json_data["fullName"] == "tests.test_checkout#test_checkout_applies_discount"
    (log,) = result.assets
    assert (log.name, log.path, log.mime_type, log.data) == (
        "log", "6c1e9a35-3f7e-4bd5-8f0e-2d7d1d5b7a11-attachment.txt", "text/plain", None)


def test_pytest_result_steps_nest_with_attachments() -> None:
    opened, applied = only_result(sample(PYTEST)).steps
    assert (opened.title, opened.status, opened.duration) == ("open cart for 'gold'", Status.PASSED, 27)
    assert (applied.status, applied.error) == (Status.FAILED, "AssertionError: assert 80.0 == 79.99")
    assert applied.data["trace"].startswith('File "tests/test_checkout.py", line 42')
    (call,) = applied.steps
    assert call.data == {"parameters": [{"name": "tier", "value": "'gold'"}]}
    assert [(a.name, a.mime_type) for a in call.assets] == [("response", "application/json")]


def test_junit5_result_is_broken_and_flaky() -> None:
    events = sample(JUNIT5)
    (suite,) = containers_of(events)
    assert suite.title == "com.acme.shop.auth.LoginTest"
    result = only_result(events)
    assert (result.title, result.status, result.flaky) == ("Locked users cannot log in", Status.BROKEN, True)
    assert result.exception_name == "java.net.ConnectException"
    assert result.tags == ["epic:Authentication", "owner:jdoe", "regression"]
    assert result.properties["testMethod"] == "loginRejectsLockedUser"
    assert result.duration == 659
    created, called = result.steps
    assert created.data == {"parameters": [{"name": "login", "value": "mallory"}]}
    (screenshot,) = called.assets
    assert (called.status, screenshot.name, screenshot.mime_type) == (Status.BROKEN, "Screenshot", "image/png")
    assert [a.name for a in result.assets] == ["server log"]
    assert "known" not in result.json_data  # false is not kept


def test_container_file_yields_only_a_meta_naming_the_broken_fixture() -> None:
    events = sample(CONTAINER)
    assert len(events) == 1 and isinstance(events[0], ReportMeta)
    assert events[0].properties == {
        "allure fixture broken: LoginTest / after stopMockServer":
            "java.lang.IllegalStateException: server already stopped"
    }


# -- inline documents ------------------------------------------------------------------------------


def test_package_and_class_labels_make_the_path_when_no_suite_label() -> None:
    events = allure({"uuid": "u", "name": "adds", "status": "passed", "labels": [
        {"name": "package", "value": "com.acme"}, {"name": "testClass", "value": "com.acme.MathTest"},
        {"name": "tag", "value": "fast"}, {"name": "tag", "value": "fast"},
    ]})
    package, cls = containers_of(events)
    assert [(c.title, c.classification) for c in (package, cls)] == [("com.acme", "Package"), ("MathTest", "Class")]
    result = only_result(events)
    assert result.container is cls and result.tags == ["fast"] and result.classname is None


def test_full_name_gives_package_and_class_when_no_label_does() -> None:
    events = allure({"uuid": "u", "name": "keeps muted", "status": "passed",
                     "fullName": "io.acme.cart.CartTest#keepsMuted"})
    package, cls = containers_of(events)
    assert [(c.title, c.classification) for c in (package, cls)] == [("io.acme.cart", "Package"), ("CartTest", "Class")]
    assert only_result(events).container is cls
    # allure-pytest: module#function, no package
    (module,) = containers_of(allure({"uuid": "u", "name": "t", "status": "passed", "fullName": "test_cart#test_t"}))
    assert (module.title, module.classification, module.parent) == ("test_cart", "Class", None)
    # a dotted name alone does not say where the class ends: no containers
    assert containers_of(allure({"uuid": "u", "name": "t", "status": "passed", "fullName": "a.B.t"})) == []


def test_minimal_and_odd_values() -> None:
    events = allure({
        "uuid": "u", "name": "x", "status": "weird", "start": "garbage", "stop": 5,
        "statusDetails": {"known": True, "muted": "true", "flaky": "yes"}, "titlePath": ["a", 2],
        "labels": [{"name": "suite"}, {"value": "v"}], "attachments": [{"name": "no source"}],
    })
    result = only_result(events)
    assert containers_of(events) == [] and result.container is None  # a label without a value is no suite
    assert (result.status, result.duration, result.flaky) == (Status.UNKNOWN, None, False)
    assert result.json_data["known"] is True and result.json_data["muted"] is True
    assert result.json_data["titlePath"] == ["a", "2"] and result.assets == []
    untitled = only_result(allure({"uuid": "u", "status": "skipped", "fullName": "pkg.T#m"}))
    assert (untitled.title, untitled.status) == ("pkg.T#m", Status.SKIPPED)


def test_passing_container_file_gives_an_empty_meta() -> None:
    (meta,) = allure({"uuid": "c", "children": ["a"], "befores": [{"name": "b", "status": "passed"}]})
    assert isinstance(meta, ReportMeta) and meta.properties == {}


@pytest.mark.parametrize("document, path", [
    ({"uuid": "u", "name": "x", "status": "passed", "statusDetails": []}, "statusDetails"),
    ({"uuid": "u", "name": "x", "status": "passed", "labels": ["suite"]}, "labels[0]"),
    ({"uuid": "u", "name": "x", "status": "passed", "labels": [{"name": {"a": 1}, "value": "v"}]}, "labels[0].name"),
    ({"uuid": "u", "name": "x", "steps": [{"name": "a"}, {"name": "b", "steps": {"name": "c"}}]}, "steps[1].steps"),
    ({"uuid": "u", "name": "x", "steps": [{"name": "a", "attachments": [{"source": ["p"]}]}]},
     "steps[0].attachments[0].source"),
    ({"uuid": "c", "children": "a"}, "children"),
    ({"uuid": "c", "children": [], "afters": [{"name": "f", "status": "failed", "statusDetails": 3}]},
     "afters[0].statusDetails"),
])
def test_wrong_shape_at_depth_names_its_path(document: dict[str, Any], path: str) -> None:
    with pytest.raises(ParseError) as caught:
        allure(document)
    assert caught.value.details["path"] == path
    assert str(caught.value).startswith(f"{path}: expected")


def test_steps_nested_too_deep_are_refused() -> None:
    step: dict[str, Any] = {"name": "leaf"}
    for _ in range(60):
        step = {"name": "s", "steps": [step]}
    with pytest.raises(ParseError, match="nest deeper than 50"):
        allure({"uuid": "u", "name": "x", "status": "passed", "steps": [step]})


def test_not_allure_json_is_refused() -> None:
    with pytest.raises(ParseError, match="expected an object"):
        allure([{"uuid": "u"}])
    with pytest.raises(ParseError, match="not an Allure result"):
        allure({"uuid": "u", "foo": 1})


def test_malformed_truncated_and_empty_are_refused() -> None:
    with pytest.raises(ParseError) as caught:
        allure(b'{"uuid": "u",\n "name": }')
    assert (caught.value.details["line"], caught.value.details["column"]) == (2, 10)
    data = (FILES / JUNIT5).read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        allure(data[: len(data) // 2])
    for empty in (b"", b" \n", b"\xef\xbb\xbf"):
        with pytest.raises(ParseError) as caught:
            allure(empty)
        assert caught.value.code == "empty_file"


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("head, score", [
    (b'{"uuid": "u", "historyId": "h", "status": "passed", "name": "x"}', 0.9),
    (b'{"uuid":"c","children":["a"],"befores":[]}', 0.9),
    (b'\xef\xbb\xbf {"uuid": "u", "status": "broken"}', 0.6),
    (b'{"uuid": "u", "status": "ok"}', 0.0),
    (b'{"id": "u", "status": "passed", "name": "x"}', 0.0),
    (b'[{"uuid": "u", "historyId": "h"}]', 0.0),
    (b"<uuid/>", 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert sniff(head) == score


@pytest.mark.parametrize("path", OTHER_FILES, ids=[p.relative_to(p.parents[1]).as_posix() for p in OTHER_FILES])
def test_sniff_claims_no_other_formats_file(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0
