"""The seed's Xray JSON examples 1-4 over real HTTP, on SQLite and PostgreSQL, as a CI job would send them."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from assay.services.catalog import create_test
from assay.store import read_transaction, tables, write_transaction
from tests.api.conftest import Server
from tests.api.xray_support import (
    CLOUD_2,
    EXAMPLE_1,
    EXAMPLE_2,
    EXAMPLE_3,
    EXAMPLE_4,
    EXAMPLE_4_CUSTOM_FIELDS,
    JPEG_1,
    JPEG_2,
    SERVER_1,
    SERVER_2,
    add_tests,
    basic,
    bearer,
    catalog_row,
    cloud_token,
    report_row,
    results_of,
)


def _prepare(server: Server) -> None:
    # DEMO-6 and DEMO-7 exist, as in the seed; the counter stands at 1205 so example 1's execution
    # becomes DEMO-1206, the key examples 2-4 name.
    add_tests(server, "DEMO-6", "DEMO-7", "DEMO-1205")


def test_examples_1_to_4_in_order(server: Server) -> None:
    _prepare(server)
    with basic(server) as client:
        first = client.post(SERVER_1, json=EXAMPLE_1)
    assert first.status_code == 200, first.text
    issue = first.json()["testExecIssue"]
    assert set(first.json()) == {"testExecIssue"}
    assert issue["key"] == "DEMO-1206"
    assert issue["self"] == f"{server.url}/rest/api/2/issue/{issue['id']}"

    report = report_row(server, "DEMO-1206")
    assert report["title"] == "Execution of automated tests for release v1.3"
    assert report["description"].startswith("This execution is automatically created")
    assert report["started_at"].replace(tzinfo=UTC) == datetime(2014, 8, 30, 10, 47, 35, tzinfo=UTC)
    assert report["finished_at"].replace(tzinfo=UTC) == datetime(2014, 8, 30, 10, 53, 0, tzinfo=UTC)
    props = report["properties"]
    assert (props["version"], props["revision"], props["user"]) == ("v1.3", "1.0.42134", "admin")
    assert props["testPlanKey"] == "DEMO-100" and props["testEnvironments"] == ["iOS", "Android"]
    assert (report["count_total"], report["count_passed"], report["count_failed"]) == (2, 1, 1)

    results = results_of(server, report["id"])
    assert [r["test_id"] for r in results] == [catalog_row(server, "DEMO-6")["id"], catalog_row(server, "DEMO-7")["id"]]
    with basic(server) as client:
        run = client.get(
            "/rest/raven/1.0/api/testrun", params={"testExecIssueKey": "DEMO-1206", "testIssueKey": "DEMO-7"}
        ).json()
        assert run["status"] == "FAIL" and run["comment"] == "Execution failed. Example #5 FAIL."
        assert run["defects"] == [{"key": "DEMO-10"}, {"key": "DEMO-11"}]
        assert run["examples"] == ["PASS", "PASS", "PASS", "PASS", "FAIL"]
        assert run["startedOn"] == "2014-08-30T11:51:00+01:00" and run["finishedOn"] == "2014-08-30T11:52:30+01:00"
        assert run["testEnvironments"] == ["iOS", "Android"] and run["executedBy"] == "admin"
        (evidence,) = run["evidences"]
        assert (evidence["fileName"], evidence["mimeType"], evidence["numericalFileSize"]) == (
            "image21.jpg",
            "image/jpeg",
            len(JPEG_1),
        )
        (step,) = run["steps"]
        assert step["status"] == "PASS" and step["comment"]["raw"] == "Coment on Test Step Result 1"
        assert step["actualResult"]["raw"] == "Actual result on Test Step 1"
        assert step["evidences"][0]["fileName"] == "image22.jpg"
        # the evidence files are the bytes that were sent
        assert client.get(evidence["fileURL"], headers={"x-api-key": server.key}).content == JPEG_1
        assert client.get(step["evidences"][0]["fileURL"], headers={"x-api-key": server.key}).content == JPEG_2
        passed = client.get(
            "/rest/raven/1.0/api/testrun", params={"testExecIssueKey": "DEMO-1206", "testIssueKey": "DEMO-6"}
        ).json()
        assert passed["status"] == "PASS" and passed["testVersion"] == "v2"

    # The test plan was created on first use and holds the execution and its Tests.
    with read_transaction(server.runtime.engine) as connection:
        plan = connection.execute(select(tables.test_plan).where(tables.test_plan.c.key == "DEMO-100")).one()
        linked = (
            connection.execute(
                select(tables.test_plan_report.c.report_id).where(tables.test_plan_report.c.test_plan_id == plan.id)
            )
            .scalars()
            .all()
        )
        plan_tests = set(
            connection.execute(
                select(tables.test.c.key)
                .join(tables.test_plan_test, tables.test_plan_test.c.test_id == tables.test.c.id)
                .where(tables.test_plan_test.c.test_plan_id == plan.id)
            ).scalars()
        )
        run_ids = dict(
            connection.execute(
                select(tables.test.c.key, tables.test_run.c.id).join(
                    tables.test, tables.test.c.id == tables.test_run.c.test_id
                )
            ).all()
        )
    assert linked == [report["id"]] and plan_tests == {"DEMO-6", "DEMO-7"}

    # Example 2: the same execution, DEMO-6 run again: its run is overwritten, not added.
    with basic(server) as client:
        second = client.post(SERVER_1, json=EXAMPLE_2)
    assert second.status_code == 200, second.text
    assert second.json()["testExecIssue"]["key"] == "DEMO-1206"
    again = report_row(server, "DEMO-1206")
    assert (again["count_total"], again["count_passed"], again["count_failed"]) == (2, 1, 1)
    assert len(results_of(server, report["id"])) == 2
    with read_transaction(server.runtime.engine) as connection:
        assert (
            dict(
                connection.execute(
                    select(tables.test.c.key, tables.test_run.c.id).join(
                        tables.test, tables.test.c.id == tables.test_run.c.test_id
                    )
                ).all()
            )
            == run_ids
        )  # a Test Run keeps its id when its Test runs again

    with write_transaction(server.runtime.engine) as connection:
        create_test(connection, "DEMO", "An old generic test", key="DEMO-1207")

    # Example 3: a Test that does not exist yet is created from testInfo (Manual, with its steps).
    with basic(server) as client:
        third = client.post(SERVER_1, json=EXAMPLE_3)
    assert third.status_code == 200, third.text
    with read_transaction(server.runtime.engine) as connection:
        created = connection.execute(select(tables.test).where(tables.test.c.title == "Create new test")).one()
    assert created.type == "Manual" and created.key.startswith("DEMO-")
    assert created.definition["steps"][1] == {"action": "Step action 2", "data": "Data 2", "result": "Step result 2"}
    third_report = report_row(server, "DEMO-1206")
    assert (third_report["count_total"], third_report["count_failed"]) == (3, 2)
    with basic(server) as client:
        run = client.get(
            "/rest/raven/1.0/api/testrun", params={"testExecIssueKey": "DEMO-1206", "testIssueKey": created.key}
        ).json()
    assert [(s["step"]["raw"], s["status"], s["data"]["raw"], s["result"]["raw"]) for s in run["steps"]] == [
        ("Step action 1", "PASS", "Data 1", "Step result 1"),
        ("Step action 2", "FAIL", "Data 2", "Step result 2"),
    ]

    # Example 4: an existing Test (DEMO-1207, made before example 3) has its definition updated by testInfo.
    with basic(server) as client:
        fourth = client.post(SERVER_1, json=EXAMPLE_4)
    assert fourth.status_code == 200, fourth.text
    updated = catalog_row(server, "DEMO-1207")
    assert (updated["title"], updated["type"]) == ("Update existing test", "Manual")
    assert [s["action"] for s in updated["definition"]["steps"]] == ["Step action 1", "Step action 2"]
    assert report_row(server, "DEMO-1206")["count_total"] == 4

    # Example 4 (custom fields): a new execution; the run's custom fields are kept and read back.
    with basic(server) as client:
        fifth = client.post(SERVER_1, json=EXAMPLE_4_CUSTOM_FIELDS)
        assert fifth.status_code == 200, fifth.text
        key = fifth.json()["testExecIssue"]["key"]
        run = client.get("/rest/raven/1.0/api/testrun", params={"testExecIssueKey": key, "testIssueKey": "DEMO-1207"})
    assert run.json()["customFields"] == EXAMPLE_4_CUSTOM_FIELDS["tests"][0]["customFields"]
    assert key != "DEMO-1206"


def test_example_1_answers_in_each_api_shape(server: Server) -> None:
    add_tests(server, "DEMO-6", "DEMO-7")
    token = cloud_token(server)
    for endpoint in (
        SERVER_1,
        SERVER_2,
        CLOUD_2,
        "/rest/raven/latest/import/execution",
        "/rest/raven/2.0/api/import/execution",
        "/api/v1/import/execution",
    ):
        cloud = endpoint.startswith("/api/")
        with bearer(server, token) if cloud else basic(server) as client:
            response = client.post(endpoint, json=EXAMPLE_1)
        assert response.status_code == 200, (endpoint, response.text)
        body = response.json()
        if cloud:
            assert set(body) == {"id", "key", "self"}, endpoint
            issue = body
        else:
            issue = body["testExecIssue"]
            if "/2.0/" in endpoint:
                assert [t["key"] for t in body["testIssues"]["success"]] == ["DEMO-6", "DEMO-7"]
                assert body["testIssues"]["error"] == [] and body["infoMessages"] == []
            else:
                assert set(body) == {"testExecIssue"}, endpoint
        assert issue["key"].startswith("DEMO-")
        # `self` is a link clients can follow: Jira's issue resource, answered by Assay
        followed = httpx.get(issue["self"], auth=("ci", server.key))
        assert followed.status_code == 200
        assert followed.json()["fields"]["issuetype"]["name"] == "Test Execution"
        assert followed.json()["fields"]["summary"] == EXAMPLE_1["info"]["summary"]
