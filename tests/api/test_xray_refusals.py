"""Every refusal of the Xray API: 400/401/404 in Xray's `{"error": "..."}` shape, a precise message, nothing stored."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import select

from assay.store import read_transaction, tables
from tests.api.conftest import Server
from tests.api.xray_support import CLOUD_2, SERVER_1, SERVER_2, add_tests, basic, stored_counts
from tests.formats.helpers import CORPUS

JUNIT = (CORPUS / "junit/surefire-junit4-failures-skipped.xml").read_bytes()


def _refused(response: httpx.Response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str), body  # Xray's shape, never Calliope's
    for fragment in fragments:
        assert fragment in body["error"], body["error"]
    return str(body["error"])


def _jobs(server: Server) -> list[dict[str, Any]]:
    with read_transaction(server.runtime.engine) as connection:
        rows = connection.execute(select(tables.import_job).order_by(tables.import_job.c.created_at))
        return [dict(row._mapping) for row in rows]


CASES: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    ("invalid JSON", SERVER_1, {"content": b'{"tests": [ {"testKey": "DEMO-6", }'}, ("not valid JSON", "line 1")),
    ("no tests array", SERVER_1, {"json": {"info": {"summary": "x"}}}, ('no "tests" array',)),
    (
        "a test of the wrong shape",
        SERVER_2,
        {"json": {"tests": [{"testKey": "DEMO-6", "status": "PASS"}, "DEMO-7"]}},
        ("tests[1]",),
    ),
    (
        "unknown execution",
        SERVER_1,
        {"json": {"testExecutionKey": "DEMO-999", "tests": [{"testKey": "DEMO-6", "status": "PASS"}]}},
        ("testExecutionKey DEMO-999", "no Test Execution"),
    ),
    (
        "unknown test key after a new test",
        SERVER_1,
        {
            "json": {
                "tests": [
                    {"status": "PASS", "testInfo": {"summary": "would be created", "type": "Manual"}},
                    {"testKey": "DEMO-6", "status": "PASS"},
                    {"testKey": "DEMO-99", "status": "FAIL"},
                ]
            }
        },
        ("tests[2].testKey", "DEMO-99"),
    ),
    (
        "a test with neither key nor testInfo",
        CLOUD_2,
        {"json": {"tests": [{"status": "PASSED"}]}},
        ("tests[0]", "testKey", "testInfo"),
    ),
    (
        "evidence that is not base64",
        SERVER_2,
        {
            "json": {
                "tests": [
                    {
                        "testKey": "DEMO-6",
                        "status": "FAIL",
                        "evidences": [
                            {"data": "this is not base64!", "filename": "shot.png", "contentType": "image/png"}
                        ],
                    }
                ]
            }
        },
        ("tests[0].evidences[0].data", "base64"),
    ),
    (
        "step evidence that is not base64",
        SERVER_1,
        {
            "json": {
                "tests": [
                    {
                        "testKey": "DEMO-6",
                        "status": "FAIL",
                        "steps": [{"status": "FAIL", "evidence": [{"data": "%%%", "filename": "s.png"}]}],
                    }
                ]
            }
        },
        ("steps[0].evidence[0].data",),
    ),
    ("no body", SERVER_1, {"content": b""}, ("no execution results were provided",)),
    (
        "multipart without results",
        SERVER_1 + "/junit/multipart",
        {"files": {"info": ("info.json", b'{"fields": {"summary": "x"}}')}},
        ("no execution results were provided",),
    ),
    (
        "an info part that is not JSON",
        SERVER_2 + "/junit/multipart",
        {"files": {"file": ("r.xml", JUNIT), "info": ("info.json", b"{fields:")}},
        ("info part is not valid JSON",),
    ),
    (
        "an unknown project",
        SERVER_1 + "/junit",
        {"content": JUNIT, "params": {"projectKey": "NOPE"}},
        ("project NOPE does not exist",),
    ),
    (
        "an unknown testExecKey",
        SERVER_1 + "/junit",
        {"content": JUNIT, "params": {"testExecKey": "DEMO-4242"}},
        ("testExecKey DEMO-4242", "no Test Execution"),
    ),
    ("not XML", SERVER_1 + "/junit", {"content": b"<testsuite><testcase name='a'>"}, ("line",)),
    (
        "a file with no tests",
        SERVER_1 + "/xunit",
        {"content": (CORPUS / "xunit/xunit2.2-empty-assembly.xml").read_bytes()},
        ("no execution results were provided",),
    ),
    ("an unknown format", SERVER_1 + "/gherkin", {"content": JUNIT}, ("format",)),
    (
        "a test_id that is not a number",
        SERVER_1 + "/junit",
        {
            "content": b'<testsuite><testcase classname="a.B" name="c">'
            b'<properties><property name="test_id" value="DEMO-1"/></properties></testcase></testsuite>'
        },
        ('test "a.B.c"', "test_id"),
    ),
]


def test_every_refusal_stores_nothing(server: Server) -> None:
    add_tests(server, "DEMO-6", "DEMO-7")
    headers = {"Authorization": f"Bearer {server.key}"}
    for name, path, request_args, fragments in CASES:
        before = stored_counts(server)
        response = httpx.post(f"{server.url}{path}", headers=headers, timeout=60, **request_args)
        try:
            _refused(response, 400, *fragments)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None
        assert stored_counts(server) == before, name


def test_refused_imports_are_kept_with_their_reason(server: Server) -> None:
    add_tests(server, "DEMO-6")
    with basic(server) as client:
        _refused(client.post(SERVER_1, json={"tests": [{"testKey": "DEMO-77", "status": "PASS"}]}), 400, "DEMO-77")
    (job,) = _jobs(server)
    assert (job["api"], job["status"], job["report_id"]) == ("xray", "failed", None)
    assert "DEMO-77" in job["error"]["message"] and job["error_code"] == "unknown_test"


def test_a_test_execution_key_is_not_a_test(server: Server) -> None:
    add_tests(server, "DEMO-6")
    with basic(server) as client:
        key = client.post(SERVER_1, json={"tests": [{"testKey": "DEMO-6", "status": "PASS"}]}).json()["testExecIssue"][
            "key"
        ]
        _refused(
            client.post(SERVER_1, json={"tests": [{"testKey": key, "status": "PASS"}]}),
            400,
            f"{key} is a Test Execution, not a Test",
        )
        _refused(
            client.post(SERVER_1, json={"testExecutionKey": "DEMO-6", "tests": [{"testKey": "DEMO-6"}]}),
            400,
            "DEMO-6 is a Test, not a Test Execution",
        )
        _refused(
            client.post(SERVER_1 + "/junit", params={"testPlanKey": "DEMO-6"}, content=JUNIT),
            400,
            "testPlanKey DEMO-6 is a Test, not a Test Plan",
        )


def _chunks(total: int) -> Iterator[bytes]:
    block = b"<!-- padding -->" * 4096
    yield b'<?xml version="1.0"?><testsuite>'
    sent = 0
    while sent < total:
        yield block
        sent += len(block)


def test_over_50_mb_is_refused_and_nothing_stored(server: Server) -> None:
    before = stored_counts(server)
    limit = server.runtime.settings.max_upload_bytes
    assert limit == 50 * 1024 * 1024
    # Streamed without a Content-Length: refused once the body passes the limit.
    with basic(server) as client:
        response = client.post(SERVER_1 + "/junit", content=_chunks(limit + 256 * 1024))
    _refused(response, 400, "larger than the limit of 50 MB", "nothing was imported")
    # Declared too large: refused before a byte of the body is read.
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
        auth = base64.b64encode(f"ci:{server.key}".encode()).decode()
        sock.sendall(
            f"POST {CLOUD_2}/junit HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Type: application/xml\r\nContent-Length: {limit + 1}\r\n\r\n<testsuite>".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b'"error":"the results are larger than the limit' in body
    assert stored_counts(server) == before


def test_errors_outside_routes_are_json_in_xray_shape(server: Server) -> None:
    with basic(server) as client:
        _refused(client.get(SERVER_1), 405, "Method Not Allowed")
        _refused(client.post("/rest/raven/1.0/import/nothing-here"), 404, "Not Found")
        _refused(client.get("/api/v1/no/such/thing"), 404)
        assert "<html" not in client.post("/rest/raven/1.0/import/nothing-here").text.lower()
