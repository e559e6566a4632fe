"""The QMetry-compatible three-step import over real HTTP, on SQLite and PostgreSQL, on the embedded queue."""

from __future__ import annotations

import io
import time
import zipfile

import httpx
from sqlalchemy import func, select

from assay.store import read_transaction, tables
from tests.api.conftest import Server
from tests.api.qmetry_client import (
    CLOUD_START,
    CLOUD_TRACK,
    imported,
    report,
    results,
    track,
    upload,
    url_for,
    wait,
)
from tests.formats.helpers import CORPUS, REPO_ROOT

ANT = CORPUS / "junit" / "ant-junitreport-testsuites.xml"  # suites TestMessage (1 testcase), TestMessage2 (2)
SUREFIRE = CORPUS / "junit" / "surefire-junit4-failures-skipped.xml"  # 1 suite, 5 testcases: 2 pass, 2 fail, 1 skip
TESTNG = CORPUS / "testng" / "testng-same-test-name-multi-suite.xml"
CUCUMBER = CORPUS / "cucumber" / "jvm-all-statuses.json"

FIELDS = {
    "testCycle": {
        "summary": "Nightly regression",
        "description": "from CI",
        "labels": ["nightly", ""],
        "components": ["web"],
        "priority": "High",
        "status": "To Do",
        "folderPath": "F1/F2",
        "plannedStartDate": "20/May/2021 00:00",
        "plannedEndDate": "30/May/2021 00:00",
        "customFields": [{"name": "Browser", "value": "Chrome"}],
    },
    "testCase": {
        "labels": ["automated"],
        "priority": "Medium",
        "estimatedTime": "10:10",
        "precondition": "",
        "sprintId": "1000",
        "fixVersionId": 10000,
    },
    "testCaseExecution": {"comment": "run by CI", "actualTime": "00:05", "executionPlannedDate": "16/Feb/2024"},
}


def _reports(server: Server) -> int:
    with read_transaction(server.runtime.engine) as connection:
        return int(connection.execute(select(func.count()).select_from(tables.report)).scalar_one())


def test_junit_hierarchy_1_fields_environment_build(server: Server) -> None:
    done = imported(server, {"format": "JUNIT", "environment": "Chrome", "build": "4.1.0", "fields": FIELDS}, ANT)
    assert (done["format"], done["processStatus"], done["fileName"]) == ("JUNIT", "SUCCESS", ANT.name)
    assert done["endTime"].endswith(".000+0000") and done["fileSize"] == ANT.stat().st_size
    (cycle,) = done["testCycles"]
    assert cycle["created"] and cycle["url"].endswith(f"/reports/{cycle['id']}")
    assert done["summary"]["testCycleIssueKey"] == cycle["key"] and cycle["id"] == done["trackingId"]
    stored = report(server, cycle["id"])
    assert stored["title"] == "Nightly regression" and stored["description"] == "from CI"
    assert stored["build"] == "4.1.0" and {"nightly", "environment:Chrome"} <= set(stored["tags"])
    qmetry = stored["properties"]["qmetry"]
    assert qmetry["environment"] == "Chrome" and qmetry["fields"]["testCycle"]["customFields"] == [
        {"name": "Browser", "value": "Chrome"}
    ]
    assert "" not in qmetry["fields"]["testCycle"]["labels"]
    cases = results(stored)
    # hierarchy 1: a suite is a test case, its testcases are its steps
    assert [(c["title"], len(c["steps"])) for c in cases] == [("TestMessage", 1), ("TestMessage2", 2)]
    run = cases[1]["extra"]["qmetry"]
    assert run["testCase"] == {
        "labels": ["automated"],
        "priority": "Medium",
        "estimatedTime": "10:10",
        "sprintId": 1000,
        "fixVersionId": 10000,
    }
    assert run["testCaseExecution"]["comment"] == "run by CI" and run["environment"] == "Chrome"
    assert run["trackingId"] == done["trackingId"] and "automated" in cases[1]["extra"]["tags"]


def test_junit_hierarchy_1_status_of_a_test_case_is_its_worst_step(server: Server) -> None:
    done = imported(server, {"format": "junit"}, SUREFIRE)
    stored = report(server, done["testCycles"][0]["id"])
    (case,) = results(stored)
    assert len(case["steps"]) == 5 and case["status"] == 0  # failed
    assert sorted(step["status"] for step in case["steps"]) == [0, 0, 2, 2, 3]
    assert stored["count_total"] == 1 and stored["count_failed"] == 1


def test_junit_hierarchy_2_a_cycle_per_suite_ignores_reuse(server: Server) -> None:
    first = imported(server, {"format": "junit", "automationHierarchy": 3}, ANT)
    reused_key = first["testCycles"][0]["key"]
    done = imported(
        server,
        {"format": "junit", "automationHierarchy": "2", "appendTestName": "true", "testCycleToReuse": reused_key},
        ANT,
    )
    cycles = {c["summary"]: c for c in done["testCycles"]}
    assert set(cycles) == {"TestMessage", "TestMessage2"} and all(c["created"] for c in cycles.values())
    assert reused_key not in {c["key"] for c in cycles.values()}  # QMetry ignores testCycleToReuse here
    two = results(report(server, cycles["TestMessage2"]["id"]))
    assert [r["title"] for r in two] == ["TestMessage2: test_welcome_message_2", "TestMessage2: test_welcome_message_3"]
    assert report(server, cycles["TestMessage"]["id"])["count_total"] == 1
    assert report(server, first["testCycles"][0]["id"])["count_total"] == 3  # untouched


def test_junit_hierarchy_3_one_cycle_each_testcase_a_test_case(server: Server) -> None:
    done = imported(server, {"format": "junit", "automationHierarchy": 3}, SUREFIRE)
    (cycle,) = done["testCycles"]
    stored = report(server, cycle["id"])
    assert stored["count_total"] == 5 and (stored["count_passed"], stored["count_failed"]) == (2, 2)
    assert cycle["testCasesImported"] == 5 and all(not r["steps"] for r in results(stored))


def test_testng_hierarchies(server: Server) -> None:
    one = imported(server, {"format": "testng"}, TESTNG)
    assert [(r["title"], len(r["steps"])) for r in results(report(server, one["testCycles"][0]["id"]))] == [
        ("XMLReporter:Tests", 1),
        ("XMLReporter:Tests:Another", 1),
        ("XMLReporter:Tests", 1),
        ("XMLReporter:Tests", 1),
    ]
    two = imported(server, {"format": "testng", "automationHierarchy": 2}, TESTNG)
    assert {c["summary"]: c["testCasesImported"] for c in two["testCycles"]} == {
        "XMLReporter:Tests": 3,
        "XMLReporter:Tests:Another": 1,
    }
    three = imported(server, {"format": "testng", "automationHierarchy": 3}, TESTNG)
    assert [(c["summary"], c["testCasesImported"]) for c in three["testCycles"]] == [("XMLReporter tests", 4)]


def test_reuse_adds_to_an_existing_cycle(server: Server) -> None:
    first = imported(
        server,
        {"format": "junit", "automationHierarchy": 3, "fields": {"testCycle": {"summary": "Sprint 7"}}},
        SUREFIRE,
    )
    cycle = first["testCycles"][0]
    before = _reports(server)
    done = imported(
        server,
        {
            "format": "junit",
            "automationHierarchy": 3,
            "testCycleToReuse": cycle["key"].lower(),
            "environment": "Firefox",
            "fields": {"testCycle": {"summary": "ignored"}},
        },
        ANT,
    )
    assert _reports(server) == before  # no new report
    (reused,) = done["testCycles"]
    assert (reused["key"], reused["reused"], reused["created"], reused["testCasesImported"]) == (
        cycle["key"],
        True,
        False,
        3,
    )
    stored = report(server, cycle["id"])
    assert stored["count_total"] == 8 and stored["title"] == "Sprint 7"  # a reused cycle's own fields are ignored
    assert "environment:Firefox" in stored["tags"]
    imports = stored["properties"]["qmetry"]["imports"]
    assert [(i["trackingId"], i["count_total"]) for i in imports] == [(first["trackingId"], 5), (done["trackingId"], 3)]
    assert wait(server, first["trackingId"])["testCycles"][0]["testCasesImported"] == 5  # what that import added
    titles = [r["title"] for r in results(stored)]
    assert titles[-3:] == ["test_welcome_message", "test_welcome_message_2", "test_welcome_message_3"]


def test_cucumber_options(server: Server) -> None:
    done = imported(
        server,
        {"format": "cucumber", "useFeatureName": True, "useFeatureDescription": True, "matchTestSteps": False},
        CUCUMBER,
    )
    stored = report(server, done["testCycles"][0]["id"])
    cases = results(stored)
    assert len(cases) == 6
    (feature,) = stored["containers"]
    assert feature["classification"] == "Feature" and feature["description"].startswith("This sample exercises")
    for case in cases:
        assert case["extra"]["qmetry"]["testCase"]["components"] == [feature["title"]]
        assert case["description"] == feature["description"]
        assert {step["status"] for step in case["steps"]} <= {case["status"]}


def test_zip_of_several_files_cloud_paths_and_empty_fields(server: Server) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(ANT, "reports/ant.xml")
        zipped.write(SUREFIRE, "reports/surefire.xml")
    body = {
        "format": "JUNIT",
        "isZip": True,
        "automationHierarchy": 3,
        "environment": "",
        "fields": {
            "testCycle": {"labels": [""], "summary": "", "components": []},
            "testCase": {"customFields": [{"name": "", "value": ""}]},
        },
    }
    answer = url_for(server, body, CLOUD_START)
    assert upload(answer["url"], archive.getvalue(), "results.zip", method="PUT").status_code == 204
    done = wait(server, answer["trackingId"], CLOUD_TRACK)
    assert done["importStatus"] == "SUCCESS", done
    assert [f["fileName"] for f in done["files"]] == ["reports/ant.xml", "reports/surefire.xml"]
    stored = report(server, done["testCycles"][0]["id"])
    assert stored["count_total"] == 8 and stored["title"] == "Automated Test Cycle"  # QMetry's default summary
    assert not stored["properties"]["qmetry"]["fields"]  # empty strings and lists are unset


def test_boundary_less_multipart_and_raw_put(server: Server) -> None:
    boundary = "----qmetry"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="ant.xml"\r\n'
            f"Content-Type: text/xml\r\n\r\n"
        ).encode()
        + ANT.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    answer = url_for(server, {"format": "junit"})
    # the upload URL is the credential: no key needed, and a stale one is ignored
    sent = httpx.post(
        answer["url"], content=body, headers={"Content-Type": "multipart/form-data", "apiKey": "wrong"}, timeout=60
    )
    assert sent.status_code == 204, sent.text
    assert wait(server, answer["trackingId"])["importStatus"] == "SUCCESS"
    raw = url_for(server, {"format": "junit"})
    sent = httpx.put(raw["url"], content=ANT.read_bytes(), headers={"Content-Type": "multipart/form-data"}, timeout=60)
    assert sent.status_code == 204, sent.text
    done = wait(server, raw["trackingId"])
    assert done["importStatus"] == "SUCCESS" and done["fileName"] == "junit-results.xml"


def test_a_bad_file_fails_with_its_reason_and_no_report(server: Server) -> None:
    before = _reports(server)
    answer = url_for(server, {"format": "junit"})
    assert upload(answer["url"], b"<testsuite><testcase name='x'>", "broken.xml").status_code == 204
    done = wait(server, answer["trackingId"])
    assert (done["importStatus"], done["processStatus"]) == ("FAILED", "FAILED")
    assert done["error"]["code"] == "parse_error" and "line" in done["detailedMessage"]
    assert done["testCycles"] == [] and _reports(server) == before
    with server.client() as client:
        job = client.get(f"/api/v2/import/{answer['trackingId']}").json()
    assert (job["status"], job["error_code"], job["import_status"]) == ("failed", "parse_error", 1)


def test_track_before_upload_and_raw_upload_is_released(server: Server) -> None:
    answer = url_for(server, {"format": "junit"})
    early = track(server, answer["trackingId"]).json()
    assert (early["processStatus"], early["importStatus"], early["testCycles"]) == ("VALIDATION", "INPROCESS", [])
    assert upload(answer["url"], ANT).status_code == 204
    assert wait(server, answer["trackingId"])["importStatus"] == "SUCCESS"
    kept = server.runtime.settings.upload_dir / "jobs" / answer["trackingId"]
    deadline = time.monotonic() + 10
    while kept.exists():  # the worker lets the raw upload go right after the job's commit
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_qaf_zip_hpuft_and_specflow(server: Server) -> None:
    files = REPO_ROOT / "tests" / "formats" / "files"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((files / "qaf").rglob("*.json")):
            zipped.write(path, path.relative_to(files / "qaf").as_posix())
    qaf = imported(server, {"format": "QAF", "isZip": "true", "attachFile": True}, archive.getvalue(), "qaf.zip")
    cases = results(report(server, qaf["testCycles"][0]["id"]))
    assert [(c["title"], c["status"]) for c in cases] == [
        ("searchGoogle", 2),
        ("Search result lists QMetry first", 0),
        ("searchWithData [1]", 2),
        ("searchWithData [2]", 3),
    ]
    assert [s["title"] for s in cases[0]["steps"]][:1] and qaf["files"]  # checkpoints are its steps
    uft = imported(
        server, {"format": "hpuft"}, files / "uft" / "uft-15-run_results-reusable-actions-failed-checkpoint.xml"
    )
    assert (uft["format"], uft["testCycles"][0]["testCasesImported"]) == ("HPUFT", 1)
    specflow = imported(server, {"format": "specflow"}, files / "specflow" / "specflow-reporting-json-1.0-report.json")
    stored = report(server, specflow["testCycles"][0]["id"])
    assert [(c["title"], len(c["steps"])) for c in results(stored)] == [
        ("Add two numbers", 4),
        ("Multiply two numbers", 2),
    ]
