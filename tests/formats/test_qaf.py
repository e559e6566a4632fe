"""QAF reader: the files of a QAF test-results folder (files/qaf/test-results/...), read one at a
time as an import feeds them, with and without the optional `filename` / `open_related` options."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ParseError
from assay.formats import detect, get_format
from assay.formats.qaf import sniff
from assay.model import Container, ReportMeta, Result, Status
from tests.formats.helpers import CORPUS, containers_of, count, parse_events, results_of

FILES = Path(__file__).resolve().parent / "files" / "qaf"
RUN = FILES / "test-results" / "Fri14Jun24_093011AM"
CLASS_DIR = RUN / "QafDemo" / "Web" / "com.qmetry.qaf.example.test.SearchTest"
SAMPLES = sorted(p for p in FILES.rglob("*.json"))
OTHER_FILES = sorted(
    p for p in [*CORPUS.rglob("*"), *FILES.parent.rglob("*")]
    if p.is_file() and p.suffix != ".md" and p.name != "expected.json" and FILES not in p.parents
)


def qaf(document: Any, **options: Any) -> list[object]:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return list(get_format("qaf").parse(io.BytesIO(data), options))


def related_to(folder: Path) -> Callable[[str], bytes | None]:
    """The `open_related` callable an importer would pass: files beside the one being parsed."""

    def read(name: str) -> bytes | None:
        path = folder / name
        return path.read_bytes() if path.is_file() else None

    return read


def class_results(**options: Any) -> list[object]:
    return qaf((CLASS_DIR / "meta-info.json").read_bytes(), **options)


def by_title(events: list[object]) -> dict[str, Result]:
    return {r.title: r for r in results_of(events)}


# -- class meta-info.json ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.relative_to(FILES).as_posix() for p in SAMPLES])
def test_every_file_of_the_folder_is_detected_as_qaf(path: Path) -> None:
    assert detect(path.read_bytes()[:65536], path.name).name == "qaf"
    for event in qaf(path.read_bytes()):
        assert isinstance(event, (Container, Result, ReportMeta))


def test_class_meta_info_gives_the_tests() -> None:
    events = class_results()
    (cls,) = containers_of(events)
    assert (cls.title, cls.classification, cls.parent) == ("com.qmetry.qaf.example.test.SearchTest", "Class", None)
    assert [(r.title, r.status, r.duration) for r in results_of(events)] == [
        ("searchGoogle", Status.PASSED, 6120),
        ("Search result lists QMetry first", Status.FAILED, 11458),
        ("searchWithData [1]", Status.PASSED, 4802),
        ("searchWithData [2]", Status.SKIPPED, 12),
    ]  # the config method setUp is not a test
    google = by_title(events)["searchGoogle"]
    assert google.tags == ["SMOKE", "web"] and google.description == "Search for QAF on Google"
    assert google.test_key == "QTM-TC-17" and google.classname == cls.title
    assert google.properties["resultFileName"] == "SearchGoogle"
    assert google.json_data == {"index": 1, "startTime": 1718357413600, "passPer": 0.0}
    bdd = by_title(events)["Search result lists QMetry first"]
    assert bdd.properties["reference"] == "scenarios/search.feature" and bdd.steps == []
    data_driven = by_title(events)["searchWithData [2]"]
    assert data_driven.json_data["args"] == [{"searchKey": "appium", "__index": 2}]
    assert data_driven.json_data["retryCount"] == 1 and data_driven.flaky is False


def test_filename_option_names_suite_test_and_class() -> None:
    events = class_results(filename="test-results/Fri14Jun24_093011AM/QafDemo/Web/com.acme.Renamed/meta-info.json")
    suite, test, cls = containers_of(events)
    assert [(c.title, c.classification) for c in (suite, test, cls)] == [
        ("QafDemo", "Suite"), ("Web", "Test"), ("com.acme.Renamed", "Class")]
    assert cls.parent is test and test.parent is suite
    assert all(r.container is cls for r in results_of(events))


def test_open_related_reads_checkpoints_trace_and_command_log() -> None:
    results = by_title(class_results(open_related=related_to(CLASS_DIR)))
    google = results["searchGoogle"]
    assert [(s.title, s.status) for s in google.steps] == [
        ("get 'https://www.google.com/'", Status.PASSED),
        ("search for 'QAF'", Status.PASSED),
        ("Results page title contains QAF", Status.PASSED),
    ]
    assert google.steps[0].duration == 1874 and google.steps[2].data == {"type": "Info"}
    assert google.steps[1].steps[0].title == "Expected search input present : Actual search input present"
    assert google.stdout == "get(https://www.google.com/)\nsendKeys(name=q, QAF)"
    failed = results["Search result lists QMetry first"]
    then = failed.steps[2]
    assert (then.title, then.status) == ("Then first result should be 'qmetry.com'", Status.FAILED)
    assert [(a.name, a.path) for a in then.assets] == [
        ("SearchResultListsQmetryFirst_1718357431101.png", "../img/SearchResultListsQmetryFirst_1718357431101.png")]
    assert then.steps[0].error.startswith("Expected first result text should be 'qmetry.com'")
    assert failed.exception_name == "java.lang.AssertionError"
    assert failed.exception_description.startswith("Expected first result text should be 'qmetry.com'")
    assert failed.exception_backtrace.splitlines()[1].strip().startswith("at com.qmetry.qaf.automation.util.Validator")
    assert results["searchWithData [2]"].steps == []  # SearchWithData4.json is not in the folder


def test_config_failure_is_noted_on_the_class() -> None:
    events = qaf({"methods": [
        {"type": "config", "result": "fail", "metaData": {"name": "setUp"}},
        {"type": "test", "result": "skip", "metaData": {"name": "t"}},
    ]})
    (cls,) = containers_of(events)
    assert cls.title == "(unnamed class)" and cls.properties == {"config-failures": [{"method": "setUp"}]}
    assert count(events).skipped == 1


# -- per-method files ----------------------------------------------------------------------------------


def test_method_file_alone_yields_only_a_meta() -> None:
    events = qaf((CLASS_DIR / "SearchResultListsQmetryFirst.json").read_bytes())
    assert len(events) == 1 and isinstance(events[0], ReportMeta)
    # with its folder readable and the class meta-info.json there, still nothing: the class file counts it
    assert results_of(qaf((CLASS_DIR / "SearchGoogle.json").read_bytes(), open_related=related_to(CLASS_DIR))) == []


def test_method_file_without_class_meta_info_is_its_own_result(tmp_path: Path) -> None:
    folder = tmp_path / "com.acme.LoginTest"
    folder.mkdir()
    data = (CLASS_DIR / "SearchResultListsQmetryFirst.json").read_bytes()
    events = qaf(data, filename="run/S/T/com.acme.LoginTest/LoginFails.json", open_related=related_to(folder))
    (cls,) = containers_of(events)
    (result,) = results_of(events)
    assert (cls.title, result.title, result.status, result.container) == (
        "com.acme.LoginTest", "LoginFails", Status.FAILED, cls)
    assert len(result.steps) == 3 and result.exception_name == "java.lang.AssertionError"


# -- run, suite and overview files --------------------------------------------------------------------


def test_run_index_suite_and_overview_give_report_meta() -> None:
    (index,) = qaf((FILES / "test-results" / "meta-info.json").read_bytes())
    assert index.title == "QafDemo" and index.started_at == datetime(2024, 6, 14, 9, 30, 11, 204000, tzinfo=UTC)
    (suite,) = qaf((RUN / "meta-info.json").read_bytes())
    assert suite.title == "QafDemo" and suite.finished_at == datetime(2024, 6, 14, 9, 30, 36, 871000, tzinfo=UTC)
    (overview,) = qaf((RUN / "QafDemo" / "Web" / "overview.json").read_bytes())
    assert (overview.os, overview.platform) == ("Linux 5.15.0-105-generic", "amd64")
    assert overview.properties["qaf.java.version"] == "17.0.11" and overview.properties["qaf.host"] == "ci-runner-3"


def test_unknown_qaf_object_is_an_empty_meta() -> None:
    (meta,) = qaf({"something": "else"})
    assert isinstance(meta, ReportMeta) and meta.title is None and meta.properties == {}
    (meta,) = qaf({"reports": [{"name": "a", "startTime": "garbage"}, {"name": "b", "startTime": 0}]})
    assert meta.title is None and meta.started_at is None  # two runs: no single title


# -- refusals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document, path", [
    ({"methods": {"a": 1}}, "methods"),
    ({"methods": [{"metaData": ["name"]}]}, "methods[0].metaData"),
    ({"methods": [{"metaData": {"name": ["x"]}}]}, "methods[0].metaData.name"),
    ({"methods": [{"metaData": {}, "args": "x"}]}, "methods[0].args"),
    ({"checkPoints": [{"message": "m", "subCheckPoints": {"x": 1}}]}, "checkPoints[0].subCheckPoints"),
    ({"checkPoints": "x"}, "checkPoints"),
    ({"reports": [["a"]]}, "reports[0]"),
    ({"total": 1, "classes": [], "envInfo": []}, "envInfo"),
])
def test_wrong_shape_at_depth_names_its_path(document: dict[str, Any], path: str) -> None:
    with pytest.raises(ParseError) as caught:
        qaf(document)
    assert caught.value.details["path"] == path


def test_bad_related_file_names_its_path() -> None:
    def read(name: str) -> bytes | None:
        return b'{"checkPoints": [{"message": 3, "type": ["x"]}]}' if name == "SearchGoogle.json" else None

    with pytest.raises(ParseError) as caught:
        class_results(open_related=read)
    assert caught.value.details["path"] == "SearchGoogle.json.checkPoints[0].type"


def test_not_an_object_malformed_truncated_and_empty_are_refused() -> None:
    with pytest.raises(ParseError, match="expected an object"):
        qaf([{"methods": []}])
    with pytest.raises(ParseError) as caught:
        qaf(b'{"methods": [\n  {"index": 1,, "type": "test"}]}')
    assert caught.value.details["line"] == 2
    data = (CLASS_DIR / "meta-info.json").read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        qaf(data[: len(data) // 3])
    for empty in (b"", b"   "):
        with pytest.raises(ParseError) as caught:
            qaf(empty)
        assert caught.value.code == "empty_file"


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("head, score", [
    (b'{"seleniumLog": [], "checkPoints": []}', 0.9),
    (b'{\n  "methods": [\n    {\n      "index": 1,\n      "metaData": {', 0.9),
    (b'{"total": 1, "pass": 1, "fail": 0, "skip": 0, "classes": [], "envInfo": {}}', 0.6),
    (b'{"reports": [{"name": "x", "dir": "test-results/x"}]}', 0.5),
    (b'{"name": "x", "tests": [], "total": 1, "pass": 1, "fail": 0, "skip": 0}', 0.4),
    (b'{"methods": ["GET", "POST"]}', 0.0),
    (b'{"reports": []}', 0.0),
    (b'[{"checkPoints": []}]', 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert sniff(head) == score


@pytest.mark.parametrize("path", OTHER_FILES, ids=[p.relative_to(p.parents[1]).as_posix() for p in OTHER_FILES])
def test_sniff_claims_no_other_formats_file(path: Path) -> None:
    assert sniff(path.read_bytes()[:65536]) == 0.0


def test_parse_events_helper_reads_the_folder_files() -> None:
    assert count(parse_events("qaf", CLASS_DIR / "meta-info.json")).total == 4
