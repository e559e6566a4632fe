"""JUnit, TestNG, NUnit, xUnit.net, Robot, Cucumber and Behave corpus files through each Xray endpoint."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from assay.store import read_transaction, tables
from tests.api.conftest import Server
from tests.api.xray_support import (
    add_tests,
    basic,
    bearer,
    catalog_row,
    cloud_token,
    count_rows,
    report_row,
    results_of,
)
from tests.formats.helpers import CORPUS, expected_for, parse_events
from tests.formats.helpers import results_of as results_of_events

FILES = {
    "junit": "junit/surefire-junit4-failures-skipped.xml",
    "testng": "testng/testng-dataprovider-params.xml",
    "nunit": "nunit/nunit3.8-failures.xml",
    "xunit": "xunit/xunit2.0-console-pass-fail-skip.xml",
    "robot": "robot/rf4.0b3-skip-statuses.xml",
    "cucumber": "cucumber/jvm-scenario-outline-examples.json",
    "behave": "behave/behave-1.2.5-pass-fail-skip.json",
}


def _counts(report: dict) -> tuple[int, int, int, int]:
    return (
        report["count_total"],
        report["count_passed"],
        report["count_failed"] + report["count_broken"],
        report["count_skipped"] + report["count_unknown"],
    )


def _want(relative: str) -> tuple[int, int, int, int]:
    want = expected_for(relative)
    return (
        want["tests"],
        want["passed"],
        want["failed"] + want["errors_or_broken"],
        want["skipped"] + want.get("unknown", 0),
    )


def _test_runs(server: Server, report_id: str) -> dict[str, int]:
    with read_transaction(server.runtime.engine) as connection:
        return dict(
            connection.execute(
                select(tables.test.c.key, tables.test_run.c.id)
                .join(tables.test, tables.test.c.id == tables.test_run.c.test_id)
                .where(tables.test_run.c.report_id == report_id)
            ).all()
        )


@pytest.mark.parametrize("fmt", list(FILES))
def test_format_through_server_and_cloud_endpoints(server: Server, fmt: str) -> None:
    relative = FILES[fmt]
    path = CORPUS / relative
    info = {
        "fields": {
            "project": {"key": "DEMO"},
            "summary": f"{fmt} nightly",
            "description": "from CI",
            "labels": ["nightly"],
            "fixVersions": [{"name": "2.4"}],
            "issuetype": {"id": "10007"},
            "customfield_11805": ["Linux"],
        }
    }
    test_info = {"fields": {"project": {"key": "DEMO"}, "labels": ["automated"], "components": [{"name": "core"}]}}

    # 1. Server 2.0 multipart: results part `file`, the execution's fields, fields for the new Tests.
    with basic(server) as client:
        first = client.post(
            f"/rest/raven/2.0/import/execution/{fmt}/multipart",
            files={
                "file": (path.name, path.read_bytes(), "application/octet-stream"),
                "info": ("info.json", json.dumps(info), "application/json"),
                "testInfo": ("testInfo.json", json.dumps(test_info), "application/json"),
            },
        )
    assert first.status_code == 200, first.text
    key = first.json()["testExecIssue"]["key"]
    created = [t["key"] for t in first.json()["testIssues"]["success"]]
    report = report_row(server, key)
    assert _counts(report) == _want(relative)
    assert report["title"] == f"{fmt} nightly" and report["description"] == "from CI"
    assert report["properties"]["version"] == "2.4" and report["properties"]["fields"] == {
        "customfield_11805": ["Linux"]
    }
    assert "nightly" in report["tags"]
    results = results_of(server, report["id"])
    assert all(r["test_id"] is not None for r in results)
    runs = _test_runs(server, report["id"])
    assert sorted(runs) == sorted(created) and 0 < len(runs) <= len(results)
    new_test = catalog_row(server, created[0])
    assert "automated" in new_test["labels"] and new_test["definition"]["fields"] == {"components": [{"name": "core"}]}
    assert new_test["type"] == ("Cucumber" if fmt in ("cucumber", "behave") else "Generic")
    tests_before = count_rows(server, tables.test)

    # 2. Server 1.0, raw body, into the same execution: every Test ran again, so runs are replaced.
    with basic(server) as client:
        second = client.post(
            f"/rest/raven/1.0/import/execution/{fmt}",
            params={"testExecKey": key},
            content=path.read_bytes(),
            headers={"Content-Type": "application/xml"},
        )
    assert second.status_code == 200, second.text
    assert second.json() == {"testExecIssue": first.json()["testExecIssue"]}
    again = report_row(server, key)
    assert _counts(again) == _want(relative)
    assert {r["id"] for r in results_of(server, report["id"])}.isdisjoint({r["id"] for r in results})
    assert _test_runs(server, report["id"]) == runs  # same Test Runs, same ids
    assert count_rows(server, tables.test) == tests_before  # the Tests were found again by name

    # 3. Cloud v2 multipart with Cloud's part name `results` and xrayFields: a new execution in a plan.
    cloud_info = {
        "fields": {"project": {"key": "DEMO"}, "summary": "cloud run"},
        "xrayFields": {"testPlanKey": "DEMO-500", "environments": ["Chrome"]},
    }
    with bearer(server, cloud_token(server)) as client:
        third = client.post(
            f"/api/v2/import/execution/{fmt}/multipart",
            files={
                "results": (path.name, path.read_bytes()),
                "info": ("info.json", json.dumps(cloud_info)),
            },
        )
    assert third.status_code == 200, third.text
    assert set(third.json()) == {"id", "key", "self"} and third.json()["key"] != key
    cloud_report = report_row(server, third.json()["key"])
    assert cloud_report["title"] == "cloud run" and cloud_report["properties"]["testEnvironments"] == ["Chrome"]
    assert count_rows(server, tables.test) == tests_before
    with read_transaction(server.runtime.engine) as connection:
        plan = connection.execute(select(tables.test_plan).where(tables.test_plan.c.key == "DEMO-500")).one()
        in_plan = (
            connection.execute(
                select(tables.test_plan_test.c.test_id).where(tables.test_plan_test.c.test_plan_id == plan.id)
            )
            .scalars()
            .all()
        )
    assert len(in_plan) == len(runs)


def test_aliases_clients_use(server: Server) -> None:
    path = CORPUS / FILES["junit"]
    token = cloud_token(server)
    for endpoint in (
        "/rest/raven/latest/import/execution/junit",
        "/rest/raven/1.0/api/import/execution/junit",
        "/rest/raven/2.0/api/import/execution/junit/multipart",
        "/api/v1/import/execution/junit",
        "/api/v1/import/execution/junit/multipart",
    ):
        cloud = endpoint.startswith("/api/")
        with bearer(server, token) if cloud else basic(server) as client:
            if endpoint.endswith("multipart"):
                response = client.post(
                    endpoint, params={"projectKey": "DEMO"}, files={"result": (path.name, path.read_bytes())}
                )
            else:
                response = client.post(endpoint, params={"projectKey": "DEMO"}, content=path.read_bytes())
        assert response.status_code == 200, (endpoint, response.text)
        key = response.json()["key"] if cloud else response.json()["testExecIssue"]["key"]
        assert _counts(report_row(server, key)) == _want(FILES["junit"])


def test_bundle_zip_of_cucumber_results(server: Server) -> None:
    files = [CORPUS / "cucumber/jvm-rules-backgrounds.json", CORPUS / "cucumber/jvm-failing-hooks.json"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in files:
            archive.write(path, f"results/{path.name}")
        archive.writestr("results/screenshot.png", b"\x89PNG not really")
    with basic(server) as client:
        zipped = client.post(
            "/rest/raven/1.0/import/execution/bundle",
            params={"projectKey": "DEMO"},
            files={"file": ("results.zip", buffer.getvalue(), "application/zip")},
        )
        single = client.post("/rest/raven/1.0/import/execution/bundle", content=files[0].read_bytes())
    assert zipped.status_code == 200, zipped.text
    want = [expected_for(f"cucumber/{p.name}") for p in files]
    assert report_row(server, zipped.json()["testExecIssue"]["key"])["count_total"] == sum(w["tests"] for w in want)
    assert single.status_code == 200, single.text
    assert report_row(server, single.json()["testExecIssue"]["key"])["count_total"] == want[0]["tests"]


_TWICE = """<?xml version="1.0"?>
<testsuites>
  <testsuite name="smoke">
    <testcase classname="com.acme.CartTest" name="adds" time="0.1"/>
    <testcase classname="com.acme.CartTest" name="removes" time="0.1"/>
    <testcase classname="com.acme.CartTest" name="pays" time="0.1"/>
  </testsuite>
  <testsuite name="regression">
    <testcase classname="com.acme.CartTest" name="adds" time="0.1"/>
    <testcase classname="com.acme.CartTest" name="removes" time="0.1"><failure message="boom">trace</failure></testcase>
    <testcase classname="com.acme.CartTest" name="pays" time="0.1"><skipped/></testcase>
  </testsuite>
</testsuites>
"""


def test_a_test_that_ran_twice_aggregates_as_xray_does(server: Server) -> None:
    with basic(server) as client:
        response = client.post("/rest/raven/1.0/import/execution/junit", content=_TWICE)
        assert response.status_code == 200, response.text
        key = response.json()["testExecIssue"]["key"]
        tests = client.get(f"/rest/raven/1.0/api/testexec/{key}/test").json()
    # one Test Run per Test; both runs' results are kept in the report
    assert report_row(server, key)["count_total"] == 6
    by_title = {catalog_row(server, t["key"])["title"]: t["status"] for t in tests}
    assert by_title == {"adds": "PASS", "removes": "FAIL", "pays": "TODO"}


def test_duplicate_names_across_suites_share_their_test(server: Server) -> None:
    path = CORPUS / "junit/mocha-junit-reporter-latex-utensils.xml"  # 109 runs of fewer distinct names
    distinct = {(r.classname, r.title) for r in results_of_events(parse_events("junit", path))}
    with basic(server) as client:
        response = client.post("/rest/raven/1.0/import/execution/junit", content=path.read_bytes())
    assert response.status_code == 200, response.text
    report = report_row(server, response.json()["testExecIssue"]["key"])
    assert report["count_total"] == 109
    assert len(_test_runs(server, report["id"])) == len(distinct) < 109


_XRAY_JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="com.acme.LoginTest" tests="3">
    <testcase classname="com.acme.LoginTest" name="logsIn">
      <properties>
        <property name="test_key" value="CALC-5"/>
        <property name="test_summary" value="A user logs in"/>
        <property name="tags" value="login,smoke"/>
        <property name="testrun_comment" value="ran on the staging database"/>
        <property name="testrun_evidence"><item name="screen.png">{png}</item></property>
      </properties>
    </testcase>
    <testcase classname="com.acme.LoginTest" name="logsOut">
      <properties>
        <property name="test_id" value="{test_id}"/>
      </properties>
      <failure message="still logged in">trace</failure>
    </testcase>
    <testcase classname="com.acme.LoginTest" name="resetsPassword">
      <properties>
        <property name="requirements" value="CALC-1, CALC-2"/>
        <property name="test_description" value="Reset mails a link"/>
        <property name="test_summary" value="Password reset"/>
      </properties>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_junit_properties_xray_documents(server: Server) -> None:
    import base64

    from assay.services.catalog import create_test
    from assay.services.projects import create_project
    from assay.store import write_transaction
    from tests.api.xray_support import PNG

    with write_transaction(server.runtime.engine) as connection:
        create_project(connection, "CALC", "Calculator")
    add_tests(server, "CALC-5", "CALC-6")
    with write_transaction(server.runtime.engine) as connection:
        logout = create_test(connection, "CALC", "Logout")
    body = _XRAY_JUNIT.format(png=base64.b64encode(PNG).decode(), test_id=logout["id"])
    with basic(server) as client:
        response = client.post("/rest/raven/2.0/import/execution/junit", params={"projectKey": "CALC"}, content=body)
        assert response.status_code == 200, response.text
        key = response.json()["testExecIssue"]["key"]
        assert key.startswith("CALC-")
        keys = [t["key"] for t in response.json()["testIssues"]["success"]]
        run = client.get(
            "/rest/raven/1.0/api/testrun", params={"testExecIssueKey": key, "testIssueKey": "CALC-5"}
        ).json()
    assert keys[:2] == ["CALC-5", logout["key"]]
    linked = catalog_row(server, "CALC-5")
    assert linked["title"] == "A user logs in" and set(linked["labels"]) == {"login", "smoke"}
    assert run["comment"] == "ran on the staging database"
    assert [(e["fileName"], e["numericalFileSize"]) for e in run["evidences"]] == [("screen.png", len(PNG))]
    reset = catalog_row(server, keys[2])
    assert reset["title"] == "Password reset" and reset["type"] == "Generic"
    assert reset["definition"] == {
        "definition": "com.acme.LoginTest.resetsPassword",
        "description": "Reset mails a link",
        "requirements": ["CALC-1", "CALC-2"],
    }


def test_cucumber_tags_name_existing_tests(server: Server) -> None:
    add_tests(server, "DEMO-3")
    feature = [
        {
            "uri": "features/cart.feature",
            "name": "Cart",
            "keyword": "Feature",
            "elements": [
                {
                    "name": "adds an item",
                    "keyword": "Scenario",
                    "type": "scenario",
                    "tags": [{"name": "@TEST_DEMO-3"}],
                    "steps": [{"keyword": "Given ", "name": "an empty cart", "result": {"status": "passed"}}],
                },
                {
                    "name": "removes an item",
                    "keyword": "Scenario",
                    "type": "scenario",
                    "tags": [{"name": "@smoke"}],
                    "steps": [
                        {
                            "keyword": "When ",
                            "name": "I remove it",
                            "result": {"status": "failed", "error_message": "still there"},
                        }
                    ],
                },
            ],
        }
    ]
    with basic(server) as client:
        response = client.post("/rest/raven/2.0/import/execution/cucumber", params={"projectKey": "DEMO"}, json=feature)
    assert response.status_code == 200, response.text
    keys = [t["key"] for t in response.json()["testIssues"]["success"]]
    assert keys[0] == "DEMO-3"
    made = catalog_row(server, keys[1])
    assert (made["type"], made["title"], made["definition"]) == (
        "Cucumber",
        "removes an item",
        {"definition": "When I remove it"},
    )
    assert made["labels"] == ["smoke"]


_ROBOT = """<?xml version="1.0" encoding="UTF-8"?>
<robot generator="Robot 6.1.1 (Python 3.11.4 on linux)" generated="20230801 10:00:00.000" rpa="false" schemaversion="4">
<suite id="s1" name="Shop" source="/work/shop.robot">
<test id="s1-t1" name="Checkout" line="3">
<kw name="Log" library="BuiltIn"><arg>paying</arg>
<status status="PASS" starttime="20230801 10:00:00.001" endtime="20230801 10:00:00.002"/></kw>
<tag>DEMO-3</tag>
<tag>payments</tag>
<status status="PASS" starttime="20230801 10:00:00.000" endtime="20230801 10:00:00.003"/>
</test>
<test id="s1-t2" name="Refund" line="7">
<kw name="Fail" library="BuiltIn"><arg>no money</arg>
<status status="FAIL" starttime="20230801 10:00:00.004" endtime="20230801 10:00:00.005">no money</status></kw>
<status status="FAIL" starttime="20230801 10:00:00.004" endtime="20230801 10:00:00.006">no money</status>
</test>
<status status="FAIL" starttime="20230801 10:00:00.000" endtime="20230801 10:00:00.007"/>
</suite>
<statistics><total><stat pass="1" fail="1" skip="0">All Tests</stat></total><tag></tag><suite></suite></statistics>
<errors></errors>
</robot>
"""


def test_robot_tag_that_is_a_test_key_links_to_it(server: Server) -> None:
    add_tests(server, "DEMO-3")
    with basic(server) as client:
        first = client.post("/rest/raven/2.0/import/execution/robot", params={"projectKey": "DEMO"}, content=_ROBOT)
        second = client.post("/rest/raven/2.0/import/execution/robot", params={"projectKey": "DEMO"}, content=_ROBOT)
    assert first.status_code == 200, first.text
    keys = [t["key"] for t in first.json()["testIssues"]["success"]]
    assert keys[0] == "DEMO-3"
    refund = catalog_row(server, keys[1])
    assert (refund["title"], refund["definition"]["definition"]) == ("Refund", "Shop.Refund")
    assert [t["key"] for t in second.json()["testIssues"]["success"]] == keys  # found again by full name


def test_loose_payloads_real_clients_send(server: Server) -> None:
    add_tests(server, "DEMO-6", "DEMO-7", "DEMO-8")
    body = {
        "testExecutionKey": "",
        "info": {"project": "1", "summary": "loose", "description": "", "version": "", "testPlanKey": "",
                 "testEnvironments": [], "startDate": "2024-05-01T10:00:00.123Z",
                 "finishDate": "2024-05-01T10:05:00+0000", "customfield_10100": "kept"},
        "tests": [
            {"testKey": "DEMO-6", "status": "PASSED", "comment": "", "defects": [], "evidences": [],
             "start": "2024-05-01T10:00:00.123+00:00", "finish": "2024-05-01T10:00:01.456Z"},
            {"testKey": "DEMO-7", "status": "FAILED", "evidence": [{"data": "aGk=", "filename": "hi.txt"}]},
            {"testKey": "DEMO-8", "status": "BLOCKED"},
        ],
    }
    with basic(server) as client:
        response = client.post("/rest/raven/1.0/import/execution", json=body)
        assert response.status_code == 200, response.text
        key = response.json()["testExecIssue"]["key"]
        runs = client.get(f"/rest/raven/1.0/api/testexec/{key}/test").json()
        failed = client.get("/rest/raven/1.0/api/testrun", params={"testExecIssueKey": key, "testIssueKey": "DEMO-7"})
    report = report_row(server, key)
    assert (report["count_passed"], report["count_failed"], report["count_unknown"]) == (1, 1, 1)
    assert report["title"] == "loose" and report["description"] is None
    assert "testPlanKey" not in report["properties"] and report["properties"]["project"] == "1"
    assert [r["status"] for r in runs] == ["PASSED", "FAILED", "BLOCKED"]  # each kept as the client wrote it
    assert [e["fileName"] for e in failed.json()["evidences"]] == ["hi.txt"]
    assert count_rows(server, tables.test_plan) == 0


def test_multipart_whatever_its_content_type_says(server: Server) -> None:
    path = CORPUS / FILES["junit"]
    boundary = "----assay-boundary-7"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="junit.xml"\r\n\r\n'.encode()
        + path.read_bytes()
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="info"\r\n\r\n'.encode()
        + b'{"fields": {"summary": "boundary from the body", "project": {"id": "1"}}}'
        + f"\r\n--{boundary}--\r\n".encode()
    )
    with basic(server) as client:
        for content_type in ("multipart/form-data", "application/x-www-form-urlencoded", "application/json"):
            response = client.post("/rest/raven/2.0/import/execution/junit/multipart", content=body,
                                   headers={"Content-Type": content_type})
            assert response.status_code == 200, (content_type, response.text)
            report = report_row(server, response.json()["testExecIssue"]["key"])
            assert report["title"] == "boundary from the body"
            assert _counts(report) == _want(FILES["junit"])
