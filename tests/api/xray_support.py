"""Shared by the Xray API tests: the seed's example bodies, clients with each kind of credentials, row counts."""

from __future__ import annotations

import base64
import copy
from typing import Any

import httpx
from sqlalchemy import func, select

from assay.services.catalog import create_test
from assay.store import read_transaction, tables, write_transaction
from tests.api.conftest import Server

SERVER_1 = "/rest/raven/1.0/import/execution"
SERVER_2 = "/rest/raven/2.0/import/execution"
CLOUD_2 = "/api/v2/import/execution"

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
JPEG_1 = b"\xff\xd8\xff\xe0evidence of test DEMO-7"
JPEG_2 = b"\xff\xd8\xff\xe0evidence of step 1"

_INFO = {
    "summary": "Execution of automated tests for release v1.3",
    "description": "This execution is automatically created when importing execution results from an external source",
    "version": "v1.3",
    "user": "admin",
    "revision": "1.0.42134",
    "startDate": "2014-08-30T11:47:35+01:00",
    "finishDate": "2014-08-30T11:53:00+01:00",
    "testPlanKey": "DEMO-100",
    "testEnvironments": ["iOS", "Android"],
}
_MANUAL_STEPS = [
    {"action": "Step action 1", "data": "Data 1", "result": "Step result 1"},
    {"action": "Step action 2", "data": "Data 2", "result": "Step result 2"},
]

# The seed's examples (004: Xray's import-execution page), their JSON made whole where the capture
# garbled it; the base64 evidence the page elides is real bytes here.
EXAMPLE_1: dict[str, Any] = {
    "info": {"project": "DEMO", **_INFO},
    "tests": [
        {
            "testKey": "DEMO-6",
            "start": "2014-08-30T11:47:35+01:00",
            "finish": "2014-08-30T11:50:56+01:00",
            "comment": "Successful execution",
            "testVersion": "v2",
            "status": "PASS",
        },
        {
            "testKey": "DEMO-7",
            "start": "2014-08-30T11:51:00+01:00",
            "finish": "2014-08-30T11:52:30+01:00",
            "comment": "Execution failed. Example #5 FAIL.",
            "status": "FAIL",
            "evidences": [
                {"data": base64.b64encode(JPEG_1).decode(), "filename": "image21.jpg", "contentType": "image/jpeg"}
            ],
            "examples": ["PASS", "PASS", "PASS", "PASS", "FAIL"],
            "steps": [
                {
                    "status": "PASS",
                    "comment": "Coment on Test Step Result 1",
                    "evidences": [
                        {
                            "data": base64.b64encode(JPEG_2).decode(),
                            "filename": "image22.jpg",
                            "contentType": "image/jpeg",
                        }
                    ],
                    "actualResult": "Actual result on Test Step 1",
                }
            ],
            "defects": ["DEMO-10", "DEMO-11"],
        },
    ],
}
EXAMPLE_2: dict[str, Any] = {
    "testExecutionKey": "DEMO-1206",
    "info": dict(_INFO),
    "tests": [
        {
            "testKey": "DEMO-6",
            "start": "2014-08-30T11:47:35+01:00",
            "finish": "2014-08-30T11:50:56+01:00",
            "comment": "Successful execution",
            "status": "PASS",
            "testVersion": "v2",
        }
    ],
}
EXAMPLE_3: dict[str, Any] = {
    "testExecutionKey": "DEMO-1206",
    "tests": [
        {
            "status": "FAIL",
            "steps": [{"status": "PASS"}, {"status": "FAIL"}],
            "testInfo": {
                "summary": "Create new test",
                "testType": "Manual",
                "projectKey": "DEMO",
                "steps": copy.deepcopy(_MANUAL_STEPS),
            },
        }
    ],
}
EXAMPLE_4: dict[str, Any] = {
    "testExecutionKey": "DEMO-1206",
    "tests": [
        {
            "status": "FAIL",
            "steps": [{"status": "PASS"}, {"status": "FAIL"}],
            "testKey": "DEMO-1207",
            "testInfo": {
                "summary": "Update existing test",
                "testType": "Manual",
                "projectKey": "DEMO",
                "steps": copy.deepcopy(_MANUAL_STEPS),
            },
        }
    ],
}
EXAMPLE_4_CUSTOM_FIELDS: dict[str, Any] = {
    "info": {
        "summary": "Execution of automated tests for release v1.3",
        "description": "This execution is automatically created when importing execution results from an "
        "external source",
        "user": "admin",
        "startDate": "2014-08-30T11:47:35+01:00",
        "finishDate": "2014-08-30T11:53:00+01:00",
    },
    "tests": [
        {
            "testKey": "DEMO-1207",
            "start": "2014-08-30T11:47:35+01:00",
            "finish": "2014-08-30T11:50:56+01:00",
            "comment": "Successful execution",
            "status": "PASS",
            "customFields": [
                {"id": 1, "value": True},
                {"id": 2, "value": "13400"},
                {"id": 3, "value": "Test instance is refreshed"},
            ],
        }
    ],
}


def basic(server: Server, user: str = "ci-bot") -> httpx.Client:
    """Xray Server's usual credentials: Basic, any user name, the API key as the password."""
    return httpx.Client(base_url=server.url, auth=(user, server.key), timeout=120)


def bearer(server: Server, token: str | None = None) -> httpx.Client:
    """A personal access token (an API key) or a token from /api/v2/authenticate."""
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token or server.key}"}, timeout=120)


def cloud_token(server: Server) -> str:
    response = httpx.post(
        f"{server.url}/api/v2/authenticate",
        json={"client_id": "ci", "client_secret": server.key},
        headers={"Accept": "text/plain"},
    )
    assert response.status_code == 200, response.text
    return str(response.json())


def add_tests(server: Server, *keys: str) -> None:
    """Tests migrated with their keys, as a Jira admin would have them before a CI job imports."""
    with write_transaction(server.runtime.engine) as connection:
        for key in keys:
            create_test(connection, key.split("-")[0], f"Test {key}", key=key)


def count_rows(server: Server, table: Any) -> int:
    with read_transaction(server.runtime.engine) as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def report_row(server: Server, key: str) -> dict[str, Any]:
    with read_transaction(server.runtime.engine) as connection:
        row = connection.execute(select(tables.report).where(tables.report.c.key == key)).one()
    return dict(row._mapping)


def catalog_row(server: Server, key: str) -> dict[str, Any]:
    with read_transaction(server.runtime.engine) as connection:
        row = connection.execute(select(tables.test).where(tables.test.c.key == key)).one()
    return dict(row._mapping)


def results_of(server: Server, report_id: str) -> list[dict[str, Any]]:
    with read_transaction(server.runtime.engine) as connection:
        rows = connection.execute(
            select(tables.result).where(tables.result.c.report_id == report_id).order_by(tables.result.c.position)
        )
        return [dict(row._mapping) for row in rows]


def stored_counts(server: Server) -> dict[str, int]:
    """Rows an import may write; a refused import must leave them all as they were."""
    return {
        name: count_rows(server, table)
        for name, table in (
            ("report", tables.report),
            ("result", tables.result),
            ("test", tables.test),
            ("test_run", tables.test_run),
            ("test_plan", tables.test_plan),
            ("container", tables.container),
            ("asset", tables.asset),
            ("step", tables.step),
        )
    }
