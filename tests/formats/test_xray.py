"""Xray JSON: the corpus's official samples, Server/DC and Cloud payloads with evidence, steps,
iterations, examples and custom statuses, folders, and bad input."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import get_format
from assay.model import Event, ReportMeta, Result, Status

from ._json_cases import mutations
from .helpers import CORPUS, assert_matches_expected, containers_of, corpus_files, count, parse_events, results_of

FILES = Path(__file__).parent / "files" / "xray"
SERVER = FILES / "xray-server-evidences-steps-custom-status.json"
CLOUD = FILES / "xray-cloud-evidence-generic-cucumber.json"
DATASET = CORPUS / "xray" / "xray-cloud-testinfo-iterations-dataset.json"


def parse(document: Any) -> list[Event]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("xray", raw)


def by_title(events: list[Event]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def meta_of(events: list[Event]) -> ReportMeta:
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    return meta


@pytest.mark.parametrize("path", corpus_files("xray"), ids=lambda p: p.name)
def test_corpus_file_matches_expected_counts(path: Path) -> None:
    events = parse_events("xray", path)
    assert_matches_expected(f"xray/{path.name}", events)
    assert containers_of(events) == []  # Xray results sit at the top
    assert all(r.container is None and r.duration == 201_000 for r in results_of(events))
    meta = meta_of(events)
    assert meta.title == "Execution of automated tests"
    assert meta.properties["project"] == "CALC" and meta.properties["testEnvironments"] == ["Chrome"]
    assert meta.started_at == datetime(2014, 8, 30, 10, 47, 35, tzinfo=UTC)
    assert meta.finished_at == datetime(2014, 8, 30, 10, 53, tzinfo=UTC)


def test_server_statuses_keep_the_xray_name() -> None:
    (pass_,) = results_of(parse_events("xray", CORPUS / "xray" / "xray-server-dc-status-pass.json"))
    assert pass_.title == "CALC-1400" and pass_.test_key == "CALC-1400"
    assert pass_.status is Status.PASSED and pass_.json_data["xray_status"] == "PASS"
    results = by_title(parse_events("xray", SERVER))
    got = {title: (r.status, r.json_data.get("xray_status")) for title, r in results.items()}
    assert got == {
        "DEMO-6": (Status.PASSED, "PASS"),
        "DEMO-7": (Status.FAILED, "FAIL"),
        "DEMO-8": (Status.BROKEN, "ABORTED"),
        "DEMO-9": (Status.UNKNOWN, "TODO"),
        "DEMO-10": (Status.UNKNOWN, "EXECUTING"),
        "DEMO-11": (Status.UNKNOWN, "BLOCKED"),  # a custom status
        "Checkout with a gift card": (Status.FAILED, "FAIL"),
    }
    assert count(parse_events("xray", SERVER)).as_dict() == {
        "count_total": 7, "count_passed": 1, "count_failed": 2, "count_broken": 1,
        "count_skipped": 0, "count_unknown": 3,
    }


def test_server_meta_comment_duration_and_extra_fields() -> None:
    events = parse_events("xray", SERVER)
    meta = meta_of(events)
    assert meta.title == "Regression run for release v1.3"
    assert meta.description == "Imported by the nightly pipeline (job 4711)"
    assert meta.properties == {
        "testExecutionKey": "DEMO-1206", "version": "v1.3", "revision": "1.0.42134", "user": "ci-bot",
        "testPlanKey": "DEMO-100", "testEnvironments": ["iOS", "Android"],
    }
    assert meta.finished_at is not None and meta.started_at is not None
    assert meta.finished_at - meta.started_at == timedelta(hours=1, minutes=5, seconds=25)
    results = by_title(events)
    assert results["DEMO-6"].description == "Successful execution"
    assert results["DEMO-6"].duration == 201_000
    assert results["DEMO-6"].json_data["testVersion"] == "v2"
    assert results["DEMO-8"].duration == 30 * 60 * 1000
    assert results["DEMO-9"].duration is None  # no start/finish
    assert results["DEMO-10"].duration is None  # started, not finished
    assert results["DEMO-11"].json_data["customFields"][1] == {"id": 2, "value": "13400"}


def test_evidence_steps_defects_and_examples() -> None:
    failed = by_title(parse_events("xray", SERVER))["DEMO-7"]
    (shot,) = failed.assets
    assert shot.name == "login-failure.png" and shot.mime_type == "image/png"
    assert shot.data is not None and shot.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert failed.json_data["examples"] == ["PASS", "PASS", "PASS", "PASS", "FAIL"]
    assert failed.json_data["defects"] == ["DEMO-201", "DEMO-202"]
    first, second = failed.steps
    assert (first.title, first.status, first.error) == ("Step 1", Status.PASSED, None)
    assert first.data == {
        "actualResult": "The page shows the form", "xray_status": "PASS", "comment": "Login page opened"
    }
    assert (second.title, second.status) == ("Step 2", Status.FAILED)
    assert second.error == "The lock banner never appeared"  # a failed step's comment is its error
    assert second.data is not None and second.data["defects"] == ["DEMO-201"]
    (log,) = second.assets
    assert log.name == "server.log" and log.data is not None and log.data.startswith(b"12:01:07 POST /login 401")
    assert failed.exception_description == "The lock banner never appeared"


def test_test_info_titles_steps_and_labels() -> None:
    gift = by_title(parse_events("xray", SERVER))["Checkout with a gift card"]
    assert gift.test_key is None
    assert gift.tags == ["checkout", "gift-card"]
    assert [s.title for s in gift.steps] == ["Add a product to the cart", "Pay with gift card GC-100"]
    assert gift.steps[0].data == {"data": "SKU 4711", "expectedResult": "The cart shows 1 item", "xray_status": "PASS"}
    assert gift.steps[1].data is not None and gift.steps[1].data["actualResult"] == "Gift card rejected: expired"
    assert gift.exception_description == "Gift card rejected: expired"
    assert gift.json_data["testInfo"]["testType"] == "Manual"


def test_cloud_statuses_evidence_dates_and_generic_tests() -> None:
    events = parse_events("xray", CLOUD)
    meta = meta_of(events)
    assert meta.title == "Nightly API tests – build 512"
    assert "testExecutionKey" not in meta.properties and meta.properties["project"] == "CALC"
    assert meta.started_at == datetime(2024, 5, 14, 2, 0, 3, 120000, tzinfo=UTC)
    assert meta.finished_at == datetime(2024, 5, 14, 2, 7, 41, tzinfo=UTC)  # "+0000"
    results = by_title(events)
    assert results["CALC-101"].duration == 1250  # Z with milliseconds
    assert results["CALC-102"].duration == 5000  # +0000
    (response,) = results["CALC-102"].assets  # Cloud calls the list "evidence"
    assert response.name == "response.json" and response.mime_type == "application/json"
    assert response.data == b'{"error": "internal", "trace_id": "a1b2c3"}\n'
    generic = results["Divide by zero returns 422"]
    assert generic.tags == ["api", "nightly"] and generic.duration == 250
    assert generic.json_data["testInfo"]["definition"] == "calc.api.DivisionTest.divide_by_zero"
    outline = results["Sum of two numbers"]
    assert outline.status is Status.FAILED and outline.json_data["examples"] == ["PASSED", "FAILED", "PASSED"]
    assert results["CALC-105"].status is Status.UNKNOWN


def test_iterations_become_steps_and_json_data() -> None:
    (test,) = results_of(parse_events("xray", DATASET))
    assert test.title == "Strong password validation" and test.test_key is None
    assert test.status is Status.PASSED  # the test's own status counts, not its iterations
    first, second = test.steps
    assert (first.title, first.status) == ("Iteration 1", Status.PASSED)
    assert (second.title, second.status) == ("Iteration 2", Status.FAILED)
    assert second.error == "Password validation check failed. Password too simple!"
    assert second.data is not None and second.data["parameters"] == {
        "Password": "123123", "Valid": "Not Valid", "Message": "Password is too simple."
    }
    assert [s.title for s in second.steps] == [
        'Open the Change Password screen by selecting option "My Profile > Password"',
        "Fill the password fields with data",
    ]
    assert second.steps[1].status is Status.FAILED
    assert second.steps[1].data is not None and second.steps[1].data["actualResult"] == "Password too simple!"
    assert [it["name"] for it in test.json_data["iterations"]] == ["Iteration 1", "Iteration 2"]
    assert "steps" not in test.json_data["iterations"][0]


# -- inline documents ----------------------------------------------------------------------------


def test_minimal_documents_and_fallback_titles() -> None:
    events = parse({"tests": [{"status": "PASSED"}, {"testKey": "X-2"}], "testExecutionKey": "X-1"})
    first, second = results_of(events)
    assert first.title == "test 1" and first.status is Status.PASSED
    assert second.title == "X-2" and second.status is Status.UNKNOWN and "xray_status" not in second.json_data
    assert meta_of(events).properties == {"testExecutionKey": "X-1"}
    assert [e for e in parse({"tests": []}) if isinstance(e, ReportMeta)] == []


def test_folders_become_containers() -> None:
    events = parse({"info": {"summary": "s"}, "tests": [
        {"testInfo": {"summary": "a", "folder": "Checkout/Payments"}, "status": "PASSED"},
        {"testInfo": {"summary": "b", "folder": "/Checkout/"}, "status": "FAILED"},
        {"testKey": "K-3", "status": "PASSED"},
    ]})
    checkout, payments = containers_of(events)
    assert (checkout.title, checkout.classification, checkout.parent) == ("Checkout", "Folder", None)
    assert (payments.title, payments.parent) == ("Payments", checkout)
    a, b, k = results_of(events)
    assert (a.container, b.container, k.container) == (payments, checkout, None)


def test_dates_in_other_offsets_and_garbage() -> None:
    (result,) = results_of(parse({"tests": [
        {"testKey": "T-1", "start": "2024-01-01T10:00:00-0600", "finish": "2024-01-01T16:00:01.500Z", "status": "PASS"}
    ]}))
    assert result.duration == 1500
    (bad,) = results_of(parse({"tests": [{"testKey": "T", "start": "yesterday", "finish": 12, "status": "PASS"}]}))
    assert bad.duration is None
    (backwards,) = results_of(parse({"tests": [
        {"testKey": "T", "start": "2024-01-01T10:00:00Z", "finish": "2024-01-01T09:00:00Z"}
    ]}))
    assert backwards.duration is None
    meta = meta_of(parse({"info": {"startDate": "2024-02-30T00:00:00Z", "finishDate": "2024-03-01T01:02:03+05:30"},
                          "tests": []}))
    assert meta.started_at is None
    assert meta.finished_at == datetime(2024, 3, 1, 1, 2, 3, tzinfo=timezone(timedelta(hours=5, minutes=30)))


def test_lowercase_status_and_unicode() -> None:
    (result,) = results_of(parse({"tests": [
        {"testInfo": {"summary": "Überweisung – 東京 ✓"}, "status": "failed", "comment": "Saldo zu niedrig"}
    ]}))
    assert result.title == "Überweisung – 東京 ✓"
    assert result.status is Status.FAILED and result.json_data["xray_status"] == "failed"
    assert result.description == "Saldo zu niedrig"
    assert result.exception_description == "Saldo zu niedrig"


def test_bad_base64_names_the_test() -> None:
    with pytest.raises(ParseError, match=r"tests\[1\]\.evidences\[0\]\.data: not valid base64"):
        parse({"tests": [{"testKey": "A"}, {"testKey": "B", "evidences": [{"data": "not base64!!", "filename": "x"}]}]})
    with pytest.raises(ParseError, match=r"tests\[0\]\.steps\[0\]\.evidence\[0\]\.data"):
        parse({"tests": [{"steps": [{"status": "PASS", "evidence": [{"data": 12}]}]}]})
    good = base64.b64encode(b"hello").decode()
    (result,) = results_of(parse({"tests": [{"evidence": [{"data": good[:4] + "\n" + good[4:]}]}]}))
    assert result.assets[0].data == b"hello" and result.assets[0].name == "evidence"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"tests": {"testKey": "A"}}, 'no "tests" array'),
        ({"info": {"summary": "x"}}, 'no "tests" array'),
        ([{"elements": []}], "the document: expected an object, got an array"),
        ({"tests": [1]}, r"tests\[0\]: expected an object, got 1"),
        ({"tests": [{"steps": {"status": "PASS"}}]}, r"tests\[0\]\.steps: expected an array"),
        ({"tests": [{"iterations": [{"parameters": "p"}]}]}, r"tests\[0\]\.iterations\[0\]\.parameters"),
        ({"tests": [{"testInfo": []}]}, r"tests\[0\]\.testInfo: expected an object"),
        ({"tests": [{"testInfo": {"labels": {"a": 1}}}]}, r"tests\[0\]\.testInfo\.labels"),
        ({"tests": [{"status": {"name": "PASS"}}]}, r"tests\[0\]\.status: expected a string"),
        ({"info": [], "tests": []}, r"info: expected an object"),
    ],
)
def test_wrong_shapes_name_their_path(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(document)


def test_not_json_empty_and_truncated() -> None:
    with pytest.raises(ParseError, match=r"line 1, column 1: not valid JSON") as error:
        parse(b"<testsuite/>")
    assert error.value.details["line"] == 1
    with pytest.raises(ParseError) as empty:
        parse(b"  \n")
    assert empty.value.code == "empty_file"
    raw = SERVER.read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        parse(raw[: len(raw) // 2])


def test_mutated_documents_raise_only_parse_errors() -> None:
    document = json.loads(SERVER.read_text())
    for label, mutated in mutations(document):
        try:
            parse(mutated)
        except ParseError:
            pass
        except Exception as error:  # pragma: no cover - the failure message names the mutation
            pytest.fail(f"{label}: {type(error).__name__}: {error}")


def test_sniff_scores() -> None:
    xray = get_format("xray")
    for path in [SERVER, CLOUD, *corpus_files("xray")]:
        assert xray.sniff(path.read_bytes()) == 0.9
    assert xray.sniff(b'\xef\xbb\xbf  {"testExecutionKey": "D-1", "tests": [') == 0.9
    assert xray.sniff(b'{"tests": [{"nodeid": "t.py::x", "outcome": "passed"}], "info": {}}') == 0.0
    assert xray.sniff(b'{"tests": []}') == 0.0
