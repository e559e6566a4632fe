"""QMetry's automation hierarchies over real corpus files: model in, model out (no database)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from assay.formats import get_format
from assay.model import Container, Event, Result, Status
from assay.normalize import NormalizeOptions, normalize
from assay.normalize.qmetry_hierarchy import CYCLE, QMetryOptions, restructure
from tests.formats.helpers import CORPUS

ANT = CORPUS / "junit" / "ant-junitreport-testsuites.xml"  # 2 suites: TestMessage (1 case), TestMessage2 (2)
NESTED = CORPUS / "junit" / "phpunit-dataset-nested-suites.xml"  # DataTest > DataTest::testAdd > 4 data sets
TESTNG = CORPUS / "testng" / "testng-same-test-name-multi-suite.xml"  # 3 suites of one name, <test>s of two names
CUCUMBER = CORPUS / "cucumber" / "jvm-all-statuses.json"


def run(path: Path, **options: Any) -> list[Event]:
    fmt = get_format(str(options.pop("framework", "junit")))
    shaped = restructure(fmt.parse(io.BytesIO(path.read_bytes()), {}), QMetryOptions(framework=fmt.name, **options))
    return list(normalize(shaped, NormalizeOptions(smart=False)))


def results(events: list[Event]) -> list[Result]:
    return [e for e in events if isinstance(e, Result)]


def cycles(events: list[Event]) -> dict[str, list[str]]:
    """Cycle title -> titles of the results under it."""
    found: dict[str, list[str]] = {}
    for result in results(events):
        root = result.container
        while root is not None and root.parent is not None:
            root = root.parent
        assert root is not None and root.classification == CYCLE
        found.setdefault(root.title, []).append(result.title)
    return found


def test_junit_1_a_suite_is_a_test_case_its_testcases_steps() -> None:
    cases = results(run(ANT, hierarchy=1))
    assert [(c.title, [s.title for s in c.steps]) for c in cases] == [
        ("TestMessage", ["test_welcome_message"]),
        ("TestMessage2", ["test_welcome_message_2", "test_welcome_message_3"]),
    ]
    assert all(c.container is None for c in cases)  # one cycle: the report itself


def test_junit_1_worst_step_decides_and_nested_suites_stay_containers() -> None:
    events = run(NESTED, hierarchy=1)
    (case,) = results(events)
    assert case.title == "DataTest::testAdd" and len(case.steps) == 4
    assert case.status is Status.FAILED and [s.status for s in case.steps].count(Status.FAILED) == 1
    assert case.exception_description and case.steps[3].error  # the failing data set's message
    assert case.container is not None and case.container.title == "DataTest"


def test_junit_2_a_cycle_per_suite_and_append_test_name() -> None:
    events = run(ANT, hierarchy=2, append_test_name=True)
    assert cycles(events) == {
        "TestMessage": ["TestMessage: test_welcome_message"],
        "TestMessage2": ["TestMessage2: test_welcome_message_2", "TestMessage2: test_welcome_message_3"],
    }
    assert not any(isinstance(e, Container) and e.classification == "Suite" for e in events)


def test_junit_3_one_cycle_each_testcase_a_test_case() -> None:
    events = run(ANT, hierarchy=3)
    assert [r.title for r in results(events)] == [
        "test_welcome_message",
        "test_welcome_message_2",
        "test_welcome_message_3",
    ]
    assert not any(isinstance(e, Container) and e.classification == CYCLE for e in events)


def test_testng_1_a_test_is_a_test_case_its_methods_steps() -> None:
    cases = results(run(TESTNG, framework="testng", hierarchy=1))
    assert [(c.title, [s.title for s in c.steps]) for c in cases] == [
        ("XMLReporter:Tests", ["test1"]),
        ("XMLReporter:Tests:Another", ["test2"]),
        ("XMLReporter:Tests", ["test3"]),
        ("XMLReporter:Tests", ["test1"]),
    ]


def test_testng_2_a_cycle_per_test_name() -> None:
    events = run(TESTNG, framework="testng", hierarchy=2)
    assert cycles(events) == {"XMLReporter:Tests": ["test1", "test3", "test1"], "XMLReporter:Tests:Another": ["test2"]}


def test_testng_3_a_cycle_per_suite_name_unless_one_is_reused() -> None:
    assert cycles(run(TESTNG, framework="testng", hierarchy=3)) == {
        "XMLReporter tests": ["test1", "test2", "test3", "test1"]
    }
    reused = run(TESTNG, framework="testng", hierarchy=3, reuse=True)
    assert not any(isinstance(e, Container) and e.classification == CYCLE for e in reused)
    assert len(results(reused)) == 4


def test_attachments_only_with_attach_file() -> None:
    embedded = CORPUS / "cucumber" / "jvm-attachments-embeddings.json"

    def assets(events: list[Event]) -> int:
        return sum(len(r.assets) + sum(len(s.assets) for s in r.steps) for r in results(events))

    assert assets(run(embedded, framework="cucumber", attach_file=True)) > 0
    assert assets(run(embedded, framework="cucumber")) == 0  # attachFile defaults to false, as in QMetry


def test_cucumber_feature_name_and_description_fields_and_match_test_steps() -> None:
    events = run(
        CUCUMBER,
        framework="cucumber",
        use_feature_name=True,
        use_feature_description=True,
        match_test_steps=False,
        test_case={"labels": ["smoke"], "priority": "High"},
        execution={"comment": "nightly"},
        run={"trackingId": "t-1", "environment": "Chrome"},
    )
    feature = next(e for e in events if isinstance(e, Container) and e.classification == "Feature")
    scenarios = results(events)
    assert len(scenarios) == 6
    for scenario in scenarios:
        qmetry = scenario.json_data["qmetry"]
        assert qmetry["testCase"] == {"labels": ["smoke"], "priority": "High", "components": [feature.title]}
        assert qmetry["testCaseExecution"] == {"comment": "nightly"}
        assert qmetry["environment"] == "Chrome" and qmetry["matchTestSteps"] is False
        assert "smoke" in scenario.tags
        # matchTestSteps=false: the steps take the test case's result
        assert all(step.status is scenario.status and step.error is None for step in scenario.steps)
    assert feature.description and all(s.description == feature.description for s in scenarios)


def test_long_names_are_cut_at_255(tmp_path: Path) -> None:
    path = tmp_path / "long.xml"
    path.write_text(f'<testsuite name="{"S" * 300}"><testcase classname="a.B" name="{"t" * 400}"/></testsuite>')
    (case,) = results(run(path, hierarchy=2, append_test_name=True))
    assert len(case.title) == 255 and case.title == "S" * 255  # "suite: name", cut
    assert case.container is not None and case.container.title == "S" * 255
    (step_case,) = results(run(path, hierarchy=1))
    assert len(step_case.title) == 255 and len(step_case.steps[0].title) == 255
