"""The reads Xray scripts use, the evidence upload, the Jira issue check, and API key scopes."""

from __future__ import annotations

import base64

import httpx
import pytest

from assay.services.api_keys import create_api_key
from assay.services.projects import create_profile, create_project
from assay.store import write_transaction
from tests.api.conftest import Server
from tests.api.xray_support import EXAMPLE_1, PNG, SERVER_1, SERVER_2, add_tests, basic, report_row
from tests.formats.helpers import CORPUS

TESTEXEC = "/rest/raven/1.0/api/testexec/{key}/test"
TESTRUN = "/rest/raven/1.0/api/testrun"


@pytest.fixture
def execution(server: Server) -> str:
    """Example 1 imported: DEMO-6 passed, DEMO-7 failed with evidence, a step and defects."""
    add_tests(server, "DEMO-6", "DEMO-7")
    with basic(server) as client:
        response = client.post(SERVER_1, json=EXAMPLE_1)
    assert response.status_code == 200, response.text
    return str(response.json()["testExecIssue"]["key"])


def test_tests_of_an_execution_with_paging(server: Server, execution: str) -> None:
    with basic(server) as client:
        everything = client.get(TESTEXEC.format(key=execution)).json()
        first = client.get(TESTEXEC.format(key=execution), params={"page": 1, "limit": 1}).json()
        second = client.get(TESTEXEC.format(key=execution), params={"page": 2, "limit": 1}).json()
        past = client.get(TESTEXEC.format(key=execution), params={"page": 3, "limit": 1}).json()
        detailed = client.get(f"/rest/raven/latest/api/testexec/{execution}/test", params={"detailed": "true"}).json()
        missing = client.get(TESTEXEC.format(key="DEMO-404"))
    assert [(t["key"], t["status"], t["rank"]) for t in everything] == [("DEMO-6", "PASS", 1), ("DEMO-7", "FAIL", 2)]
    assert all(isinstance(t["id"], int) for t in everything)
    assert first == [everything[0]] and second[0]["key"] == "DEMO-7" and past == []  # paging clients stop on []
    assert detailed[1]["startedOn"] == "2014-08-30T11:51:00+01:00" and detailed[1]["executedBy"] == "admin"
    assert detailed[1]["defects"] == [{"key": "DEMO-10"}, {"key": "DEMO-11"}]
    assert detailed[1]["evidences"][0]["fileName"] == "image21.jpg"
    assert missing.status_code == 404 and missing.json() == {"error": "no Test Execution has the key DEMO-404"}


def test_test_run_by_keys_and_by_id(server: Server, execution: str) -> None:
    with basic(server) as client:
        by_keys = client.get(TESTRUN, params={"testExecIssueKey": execution, "testIssueKey": "DEMO-7"})
        assert by_keys.status_code == 200, by_keys.text
        run = by_keys.json()
        by_id = client.get(f"/rest/raven/2.0/api/testrun/{run['id']}").json()
        no_run = client.get(TESTRUN, params={"testExecIssueKey": execution, "testIssueKey": "DEMO-1205"})
        no_id = client.get("/rest/raven/1.0/api/testrun/987654")
    assert by_id == run
    assert (run["testKey"], run["testExecKey"], run["status"]) == ("DEMO-7", execution, "FAIL")
    assert run["comment"] == "Execution failed. Example #5 FAIL." and run["duration"] == 90_000
    assert run["steps"][0]["comment"]["raw"] == "Coment on Test Step Result 1"
    assert no_run.status_code == 404 and "has no Test Run of DEMO-1205" in no_run.json()["error"]
    assert no_id.status_code == 404 and no_id.json() == {"error": "no Test Run has the id 987654"}


def test_evidence_added_to_a_run(server: Server, execution: str) -> None:
    with basic(server) as client:
        run_id = client.get(TESTRUN, params={"testExecIssueKey": execution, "testIssueKey": "DEMO-6"}).json()["id"]
        url = f"/rest/raven/latest/api/testrun/{run_id}/attachment"
        as_json = client.post(
            url, json={"data": base64.b64encode(PNG).decode(), "filename": "after.png", "contentType": "image/png"}
        )
        as_file = client.post(
            f"/rest/raven/1.0/api/testrun/{run_id}/attachment",
            files={"file": ("log.txt", b"the whole log", "text/plain")},
        )
        not_base64 = client.post(url, json={"data": "***", "filename": "x.png"})
        nowhere = client.post("/rest/raven/1.0/api/testrun/424242/attachment", json={"data": "aGk=", "filename": "a"})
        run = client.get(f"/rest/raven/1.0/api/testrun/{run_id}").json()
        downloaded = client.get(as_json.json()["fileURL"], headers={"x-api-key": server.key})
    assert as_json.status_code == 200, as_json.text
    assert (as_json.json()["fileName"], as_json.json()["numericalFileSize"]) == ("after.png", len(PNG))
    assert as_file.status_code == 200 and as_file.json()["mimeType"] == "text/plain"
    assert sorted(e["fileName"] for e in run["evidences"]) == ["after.png", "log.txt"]
    assert downloaded.content == PNG
    assert not_base64.status_code == 400 and "not valid base64" in not_base64.json()["error"]
    assert nowhere.status_code == 404 and "424242" in nowhere.json()["error"]


def test_tests_by_keys(server: Server, execution: str) -> None:
    manual = {
        "tests": [
            {
                "status": "PASS",
                "testInfo": {
                    "summary": "Checkout by hand",
                    "type": "Manual",
                    "labels": ["ui"],
                    "steps": [{"action": "Open the cart", "data": "2 items", "result": "Total shown"}],
                },
            }
        ]
    }
    with basic(server) as client:
        made = client.post(SERVER_2, json=manual).json()["testIssues"]["success"][0]["key"]
        tests = client.get("/rest/raven/1.0/api/test", params={"keys": f"DEMO-6;DEMO-7;NOPE-1;{made}"}).json()
    assert [(t["key"], t["status"]) for t in tests] == [("DEMO-6", "PASS"), ("DEMO-7", "FAIL"), (made, "PASS")]
    checkout = tests[2]
    assert (checkout["summary"], checkout["type"], checkout["labels"]) == ("Checkout by hand", "Manual", ["ui"])
    assert checkout["steps"] == [
        {
            "id": 1,
            "index": 1,
            "step": {"raw": "Open the cart"},
            "data": {"raw": "2 items"},
            "result": {"raw": "Total shown"},
            "attachments": [],
        }
    ]


def test_issue_resource_for_clients_that_check_keys(server: Server, execution: str) -> None:
    with basic(server) as client:
        exec_issue = client.get(f"/rest/api/2/issue/{execution}").json()
        test_issue = client.get("/rest/api/latest/issue/DEMO-7").json()
        by_id = client.get(f"/rest/api/2/issue/{test_issue['id']}").json()
        plan_issue = client.get("/rest/api/2/issue/DEMO-100").json()
        missing = client.get("/rest/api/2/issue/DEMO-9999")
    assert exec_issue["key"] == execution and exec_issue["fields"]["issuetype"]["name"] == "Test Execution"
    assert exec_issue["fields"]["summary"] == EXAMPLE_1["info"]["summary"]
    assert exec_issue["fields"]["project"]["key"] == "DEMO" and exec_issue["fields"]["status"]["name"]
    assert (test_issue["fields"]["issuetype"]["name"], test_issue["fields"]["summary"]) == ("Test", "Test DEMO-7")
    assert by_id["key"] == "DEMO-7"
    assert plan_issue["fields"]["issuetype"]["name"] == "Test Plan"
    assert missing.status_code == 404 and missing.json() == {"errorMessages": ["Issue Does Not Exist"], "errors": {}}


def test_license(server: Server) -> None:
    with basic(server) as client:
        for version in ("1.0", "2.0", "latest"):
            response = client.get(f"/rest/raven/{version}/api/xraylicense")
            assert response.status_code == 200 and response.json()["active"] is True, version


def test_merged_execution_reads_back_whole(server: Server, execution: str) -> None:
    junit = (CORPUS / "junit/surefire-junit4-failures-skipped.xml").read_bytes()
    with basic(server) as client:
        added = client.post("/rest/raven/1.0/import/execution/junit", params={"testExecKey": execution}, content=junit)
        assert added.status_code == 200, added.text
        tests = client.get(TESTEXEC.format(key=execution)).json()
        calliope = client.get(f"/api/v2/report/{execution}", headers={"x-api-key": server.key}).json()
    assert len(tests) == 2 + 5 and report_row(server, execution)["count_total"] == 7
    assert calliope["count_total"] == 7 and calliope["count_failed"] == 1 + 2


def test_a_key_scoped_to_one_project_sees_only_it(server: Server, execution: str) -> None:
    with write_transaction(server.runtime.engine) as connection:
        calc = create_project(connection, "CALC", "Calculator")
        create_profile(connection, calc["id"], "CI")
        _, scoped = create_api_key(connection, calc["id"], "calc only")
    with httpx.Client(base_url=server.url, auth=("ci", scoped)) as client:
        hidden = client.get(TESTEXEC.format(key=execution))
        refused = client.post(SERVER_1, json={"info": {"project": "DEMO"}, "tests": [{"testKey": "DEMO-6"}]})
        own = client.post(
            "/rest/raven/1.0/import/execution/junit",
            content=(CORPUS / "junit/surefire-junit4-failures-skipped.xml").read_bytes(),
        )
        foreign_test = client.post(SERVER_1, json={"tests": [{"testKey": "DEMO-6", "status": "PASS"}]})
    assert hidden.status_code == 404
    assert refused.status_code == 400 and refused.json()["error"] == "project DEMO does not exist"
    assert own.status_code == 200 and own.json()["testExecIssue"]["key"].startswith("CALC-")  # the key's own project
    assert foreign_test.status_code == 400 and "no Test has the key DEMO-6" in foreign_test.json()["error"]
