"""SpecFlow reader: LivingDoc's TestExecution.json and SpecFlow.Reporting.Json (SpecResults), from
files/specflow, plus inline documents for statuses, durations, shape checks and refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import detect
from assay.formats.specflow import sniff
from assay.model import ReportMeta, Result, Status
from tests.formats.helpers import CORPUS, containers_of, count, parse_events, results_of

FILES = Path(__file__).resolve().parent / "files" / "specflow"
SAMPLES = sorted(FILES.glob("*.json"))
OTHER_FILES = sorted(
    p for p in [*CORPUS.rglob("*"), *FILES.parent.rglob("*")]
    if p.is_file() and p.suffix != ".md" and p.name != "expected.json" and FILES not in p.parents
)
LIVINGDOC = "livingdoc-3.9-TestExecution.json"
SPECRESULTS = "specflow-reporting-json-1.0-report.json"


def specflow(document: Any) -> list[object]:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_events("specflow", data)


def sample(name: str) -> list[object]:
    return parse_events("specflow", FILES / name)


def by_title(events: list[object]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


def scenario(**fields: Any) -> dict[str, Any]:
    base = {"ContextType": "Scenario", "FeatureFolderPath": "Features", "FeatureTitle": "F", "ScenarioTitle": "S",
            "ScenarioArguments": [], "Status": "OK", "StepResults": [], "Outputs": None}
    return {**base, **fields}


# -- LivingDoc TestExecution.json ------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_are_detected_as_specflow(path: Path) -> None:
    assert detect(path.read_bytes()[:65536], path.name).name == "specflow"


def test_livingdoc_features_statuses_and_meta() -> None:
    events = sample(LIVINGDOC)
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    assert meta.started_at == datetime(2023, 9, 12, 16, 48, 11, 518374, tzinfo=UTC)
    login, reset = containers_of(events)
    assert (login.title, login.classification, login.properties) == ("Login", "Feature", {"folder": "Features"})
    assert reset.properties == {"folder": "Features/Account"}
    assert [(r.title, r.status, r.container.title) for r in results_of(events)] == [
        ("Valid login", Status.PASSED, "Login"),
        ("Login with wrong password (alice, hunter2)", Status.FAILED, "Login"),
        ("Reset link is mailed", Status.BROKEN, "Password reset"),
        ("Reset link expires", Status.UNKNOWN, "Password reset"),
        ("Reset by SMS", Status.UNKNOWN, "Password reset"),
        ("Reset for deleted account", Status.SKIPPED, "Password reset"),
    ]


def test_livingdoc_steps_durations_errors_and_outputs() -> None:
    results = by_title(sample(LIVINGDOC))
    valid = results["Valid login"]
    assert [(s.title, s.status, s.duration) for s in valid.steps] == [
        ("Step 1", Status.PASSED, 1), ("Step 2", Status.PASSED, 0), ("Step 3", Status.PASSED, 1250)]
    assert valid.duration == 1251
    wrong = results["Login with wrong password (alice, hunter2)"]
    assert wrong.exception_description.startswith('Expected message to be "Invalid credentials"')
    assert wrong.steps[2].error == wrong.exception_description
    assert [(a.name, a.path) for a in wrong.steps[2].assets] == [
        ("Login with wrong password.png", "C:/agent/_work/1/s/Screenshots/Login with wrong password.png")]
    assert wrong.stdout == "Browser closed"
    assert wrong.json_data == {"status": "TestError", "context_type": "Scenario", "arguments": ["alice", "hunter2"]}
    binding = results["Reset link is mailed"]
    assert [s.status for s in binding.steps] == [Status.PASSED, Status.BROKEN, Status.SKIPPED]
    assert binding.exception_description.startswith("Ambiguous step definitions")
    assert results["Reset for deleted account"].duration is None


@pytest.mark.parametrize("duration, ms", [
    ("00:00:01.5", 1500), ("00:01:00", 60000), ("1.02:00:00.25", 93600250), ("garbage", None), ("", None),
])
def test_timespan_durations(duration: str, ms: int | None) -> None:
    events = specflow({"ExecutionResults": [scenario(StepResults=[{"Duration": duration, "Status": "OK"}])]})
    (result,) = results_of(events)
    assert result.steps[0].duration == ms and result.duration == ms


def test_unknown_status_and_missing_fields() -> None:
    events = specflow({"ExecutionResults": [{"Status": "Inconclusive"}, {}]})
    first, second = results_of(events)
    assert (first.title, first.status) == ("(unnamed scenario)", Status.UNKNOWN)
    assert first.container.title == "(unnamed feature)"
    assert second.container is first.container
    assert count(events).unknown == 2


# -- SpecFlow.Reporting.Json -------------------------------------------------------------------------


def test_specresults_features_scenarios_and_blocks() -> None:
    events = sample(SPECRESULTS)
    (meta,) = [e for e in events if isinstance(e, ReportMeta)]
    cet = timezone(timedelta(hours=1))
    assert meta.started_at == datetime(2015, 3, 2, 14, 21, 7, 91736, tzinfo=cet)
    (feature,) = containers_of(events)
    assert (feature.title, feature.tags) == ("Addition", ["Category:Calculator"])
    assert feature.description.startswith("In order to avoid silly mistakes")
    add, multiply = results_of(events)
    assert (add.title, add.status, add.tags, add.duration) == ("Add two numbers", Status.FAILED, ["mytag"], 90)
    assert [(s.keyword, s.title, s.status) for s in add.steps] == [
        ("Given", "I have entered 50 into the calculator", Status.PASSED),
        ("Given", "I have entered 70 into the calculator", Status.PASSED),
        ("When", "I press add", Status.PASSED),
        ("Then", "the result should be 120 on the screen", Status.FAILED),
    ]
    assert add.exception_name == "NUnit.Framework.AssertionException"
    assert add.exception_description.startswith("Expected: 120")
    assert "CalculatorSteps.cs:line 38" in add.exception_backtrace
    assert add.steps[3].data["exception_type"] == "NUnit.Framework.AssertionException"


def test_specresults_pending_nested_steps_and_tables() -> None:
    multiply = results_of(sample(SPECRESULTS))[1]
    assert multiply.status is Status.UNKNOWN
    cleared, pending = multiply.steps
    assert [s.title for s in cleared.steps] == ["the calculator is switched on"]
    assert pending.data["table"] == {"columns": ["a", "b"], "rows": [{"a": "6", "b": "7"}]}
    assert multiply.exception_name == "TechTalk.SpecFlow.PendingStepException"


def test_specresults_min_dates_are_no_time_and_flat_steps_are_read() -> None:
    events = specflow({"features": [{"title": "F", "scenarios": [{
        "title": "S", "start_time": "0001-01-01T00:00:00", "end_time": "0001-01-01T00:00:00",
        "steps": [{"title": "flat", "result": "NotRun"}]}]}]})
    (result,) = results_of(events)
    assert (result.status, result.duration) == (Status.SKIPPED, None)  # no result: its steps' worst
    assert [(s.title, s.status) for s in result.steps] == [("flat", Status.SKIPPED)]
    assert not [e for e in events if isinstance(e, ReportMeta)]
    (derived,) = results_of(specflow({"features": [{"scenarios": [{"steps": [{"title": "x", "result": "Error"}]}]}]}))
    assert derived.status is Status.FAILED  # no scenario result: the worst of its steps


# -- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("document, path", [
    ({"ExecutionResults": {"a": 1}}, "ExecutionResults"),
    ({"ExecutionResults": [scenario(StepResults=[{"Status": "OK"}, "x"])]}, "ExecutionResults[0].StepResults[1]"),
    ({"ExecutionResults": [scenario(ScenarioTitle=["x"])]}, "ExecutionResults[0].ScenarioTitle"),
    ({"ExecutionResults": [scenario(Outputs=[{"FilePath": {}}])]}, "ExecutionResults[0].Outputs[0].FilePath"),
    ({"features": [{"scenarios": [{"given": []}]}]}, "features[0].scenarios[0].given"),
    ({"features": [{"scenarios": [{"when": {"steps": [{"exception": "boom"}]}}]}]},
     "features[0].scenarios[0].when.steps[0].exception"),
])
def test_wrong_shape_at_depth_names_its_path(document: dict[str, Any], path: str) -> None:
    with pytest.raises(ParseError) as caught:
        specflow(document)
    assert caught.value.details["path"] == path


def test_other_json_and_bad_input_are_refused() -> None:
    with pytest.raises(ParseError, match="expected ExecutionResults"):
        specflow({"Nodes": []})
    with pytest.raises(ParseError, match="expected an object"):
        specflow([{"ExecutionResults": []}])
    with pytest.raises(ParseError, match="not valid JSON") as caught:
        specflow(b'{"ExecutionResults": [\n{"Status": "OK",}]}')
    assert caught.value.details["line"] == 2
    data = (FILES / LIVINGDOC).read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        specflow(data[:-40])
    for empty in (b"", b"\n\t "):
        with pytest.raises(ParseError) as caught:
            specflow(empty)
        assert caught.value.code == "empty_file"


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("head, score", [
    (b'{"Nodes":[],"ExecutionTime":"2022-12-24T10:41:35Z","ExecutionResults":[', 0.9),
    (b'{"ExecutionResults": []}', 0.6),
    (b'{\n  "generator": "SpecFlow.Reporting.Json.JsonReporter",\n  "features": [', 0.9),
    (b'{"generator": "SpecResults.Json"}', 0.9),
    (b'{"features": [{"scenarios": [{"given": {"steps": []}}]}]}', 0.7),
    (b'[{"uri": "f.feature", "elements": []}]', 0.0),  # Cucumber JSON
    (b'{"features": [], "scenarios": []}', 0.0),
    (b"<ExecutionResults/>", 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert sniff(head) == score


@pytest.mark.parametrize("path", OTHER_FILES, ids=[p.relative_to(p.parents[1]).as_posix() for p in OTHER_FILES])
def test_sniff_claims_no_other_formats_file(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0
