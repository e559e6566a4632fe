"""Every refusal of the QMetry-compatible API, over real HTTP, in QMetry's error shape."""

from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from assay.services.api_keys import create_api_key
from assay.services.projects import create_profile, create_project
from assay.store import tables, write_transaction
from tests.api.conftest import Server
from tests.api.qmetry_client import (
    CLOUD_START,
    CLOUD_TRACK,
    START,
    TRACK,
    imported,
    start,
    track,
    upload,
    url_for,
    wait,
)
from tests.formats.helpers import CORPUS

ANT = CORPUS / "junit" / "ant-junitreport-testsuites.xml"
_TIMESTAMP = re.compile(r"^\d{2}/[A-Z][a-z]{2}/\d{4} \d{2}:\d{2}$")


def refused(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and _TIMESTAMP.match(body["timestamp"]), body
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", [START, "/rest/qmetry/automation/latest/importresult", CLOUD_START])
def test_unsupported_framework(server: Server, path: str) -> None:
    body = refused(start(server, {"format": "xyz"}, path), 400)
    assert body["errorMessage"] == "Framework 'xyz' is not supported."


def test_qaf_needs_a_zip(server: Server) -> None:
    for isZip in (False, "false", None):
        body = refused(start(server, {"format": "QAF", "isZip": isZip}), 400)
        assert body["errorMessage"] == "Zip file format is required for QAF framework."


def test_form_data_is_refused(server: Server) -> None:
    response = httpx.post(f"{server.url}{START}", files={"format": (None, "junit")}, headers={"apiKey": server.key})
    assert "form-data is not supported" in refused(response, 400)["errorMessage"]
    response = httpx.post(f"{server.url}{START}", data={"format": "junit"}, headers={"apiKey": server.key})
    assert "form-data is not supported" in refused(response, 400)["errorMessage"]


def test_parameters_each_checked(server: Server) -> None:
    assert refused(start(server, {}), 400)["errorMessage"] == "Parameter 'format' is required."
    assert "JSON object" in refused(start(server, ["junit"]), 400)["errorMessage"]
    body = refused(start(server, {"format": "junit", "automationHierarchy": 4, "isZip": "yes", "build": ["1"]}), 400)
    assert body["errorMessage"] == "The supplied parameters are invalid"
    assert body["errors"] == [
        "isZip must be true or false, not 'yes'",
        "automationHierarchy must be 1, 2 or 3, not 4",
        "build must be a string",
    ]
    body = refused(start(server, {"format": "junit", "testCycleToReuse": "DEMO-999"}), 400)
    assert body["errorMessage"] == "Test Cycle 'DEMO-999' to reuse was not found in project DEMO."


def test_invalid_fields_are_each_listed(server: Server) -> None:
    fields = {
        "testCycle": {
            "plannedStartDate": "2021-05-20",
            "plannedEndDate": "20/Foo/2021 00:00",
            "labels": "a,b",
            "sprintId": "sprint one",
            "color": "red",
            "customFields": [{"value": 1}],
        },
        "testCase": {"estimatedTime": "10:75", "priority": 3},
        "testCaseExecution": {"executionPlannedDate": "16/02/2024"},
        "testRun": {},
    }
    body = refused(start(server, {"format": "junit", "fields": fields}), 400)
    assert body["errorMessage"] == "The supplied fields are invalid"
    assert body["errors"] == [
        "testCycle.plannedStartDate '2021-05-20' is not a date in dd/MMM/yyyy HH:mm format, e.g. 20/May/2021 00:00",
        "testCycle.plannedEndDate '20/Foo/2021 00:00' is not a date in dd/MMM/yyyy HH:mm format, "
        "e.g. 20/May/2021 00:00",
        'testCycle.labels must be a list of names, e.g. ["regression"]',
        "testCycle.sprintId must be a number, not 'sprint one'",
        "Unknown field 'testCycle.color'",
        "testCycle.customFields[0] must be an object with a name and a value",
        "testCase.estimatedTime '10:75' is not a time in HH:mm format, e.g. 10:30",
        "testCase.priority must be a string",
        "testCaseExecution.executionPlannedDate '16/02/2024' is not a date in dd/MMM/yyyy format, e.g. 16/Feb/2024",
        "Unknown fields group 'testRun': use testCycle, testCase or testCaseExecution",
    ]
    body = refused(
        start(
            server,
            {
                "format": "junit",
                "fields": {
                    "testCycle": {"plannedStartDate": "30/May/2021 00:00", "plannedEndDate": "20/May/2021 00:00"}
                },
            },
        ),
        400,
    )
    assert body["errors"] == [
        "testCycle.plannedEndDate '20/May/2021 00:00' is before plannedStartDate '30/May/2021 00:00'"
    ]


def test_auth_api_key_basic_bearer(server: Server) -> None:
    body = {"format": "junit"}
    for headers in (
        {"apiKey": server.key},
        {"Authorization": f"Bearer {server.key}"},
        {"Authorization": "Basic " + base64.b64encode(f"fred:{server.key}".encode()).decode()},
    ):
        response = httpx.post(f"{server.url}{START}", json=body, headers=headers)
        assert response.status_code == 200, response.text
    assert "API key" in refused(httpx.post(f"{server.url}{START}", json=body), 401)["errorMessage"]
    assert refused(httpx.post(f"{server.url}{START}", json=body, headers={"apiKey": "assay_x_y"}), 401)
    assert refused(httpx.get(f"{server.url}{TRACK}", params={"trackingId": "x"}), 401)


def test_second_use_expired_and_unknown_urls(server: Server) -> None:
    answer = url_for(server, {"format": "junit"})
    assert upload(answer["url"], ANT).status_code == 204
    again = refused(upload(answer["url"], ANT), 409)
    assert "already used" in again["errorMessage"] and again["code"] == "upload_url_used"
    late = url_for(server, {"format": "junit"})
    with write_transaction(server.runtime.engine) as connection:
        connection.execute(
            update(tables.upload_slot)
            .where(tables.upload_slot.c.import_id == late["trackingId"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert "expired" in refused(upload(late["url"], ANT), 410)["errorMessage"]
    expired = track(server, late["trackingId"]).json()
    assert (expired["importStatus"], expired["detailedMessage"]) == (
        "FAILED",
        "The upload URL expired before a file was uploaded.",
    )
    assert "not valid" in refused(upload(f"{server.url}/rest/qmetry/automation/upload/guess", ANT), 404)["errorMessage"]
    # a different secret of the same length is still a different URL
    assert refused(upload(answer["url"][:-4] + "AAAA", ANT), 404)


def test_wrong_extension_and_content(server: Server) -> None:
    answer = url_for(server, {"format": "junit"})
    body = refused(upload(answer["url"], ANT, "results.txt"), 400)
    assert body["errorMessage"] == "'results.txt' cannot be uploaded: only .json, .xml and .zip files are supported."
    assert refused(upload(answer["url"], ANT, "results.zip"), 400)["code"] == "not_a_zip"
    assert refused(httpx.post(answer["url"], files={"other": ("x", b"")}), 400)["code"] == "no_file"
    # refusals leave the URL usable
    assert upload(answer["url"], ANT).status_code == 204
    zipped = url_for(server, {"format": "junit", "isZip": True})
    assert "not a zip" in refused(upload(zipped["url"], ANT), 400)["errorMessage"]


def test_track_unknown_or_out_of_reach(server: Server) -> None:
    for path in (TRACK, "/rest/qtm4j/automation/latest/importresult/track", CLOUD_TRACK):
        body = refused(track(server, "840ba1e3-bf14-4f08-b19c-e5de6447711b", path), 404)
        assert body["errorMessage"] == (
            "No import details found for given tracking id '840ba1e3-bf14-4f08-b19c-e5de6447711b'"
        )
    assert (
        "trackingId" in refused(httpx.get(f"{server.url}{TRACK}", headers={"apiKey": server.key}), 400)["errorMessage"]
    )
    done = imported(server, {"format": "junit"}, ANT)
    with write_transaction(server.runtime.engine) as connection:
        other = create_project(connection, "OTHER", "Other")
        create_profile(connection, other["id"], "Default")
        _, other_key = create_api_key(connection, other["id"], "other")
    response = httpx.get(
        f"{server.url}{TRACK}", params={"trackingId": done["trackingId"]}, headers={"apiKey": other_key}
    )
    refused(response, 404)
    # a key scoped to OTHER imports into OTHER, and may not reuse DEMO's cycles
    response = httpx.post(
        f"{server.url}{START}",
        json={"format": "junit", "testCycleToReuse": done["testCycles"][0]["key"]},
        headers={"apiKey": other_key},
    )
    assert "was not found in project OTHER" in refused(response, 400)["errorMessage"]


def test_two_uploads_racing_for_one_url(server: Server) -> None:
    answer = url_for(server, {"format": "junit"})
    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(lambda _: upload(answer["url"], ANT).status_code, range(4)))
    assert statuses == [204, 409, 409, 409]
    assert wait(server, answer["trackingId"])["importStatus"] == "SUCCESS"
