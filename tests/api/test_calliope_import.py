"""The Calliope-compatible import API over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import urllib.parse

import httpx
from sqlalchemy import func, select

from assay.services.api_keys import create_api_key
from assay.services.projects import create_profile, create_project
from assay.store import read_transaction, tables, write_transaction
from tests.api.conftest import Server
from tests.formats.helpers import CORPUS, expected_counts

SUREFIRE = CORPUS / "junit" / "surefire-junit4-failures-skipped.xml"
PYTEST = CORPUS / "junit" / "pytest-xfail-properties.xml"
IMPORT = "/api/v2/profile/1/report/import"


def _counts(report: dict) -> tuple[int, int, int, int, int]:
    return (
        report["count_total"],
        report["count_passed"],
        report["count_failed"],
        report["count_broken"],
        report["count_skipped"],
    )


def _want(relative: str) -> tuple[int, int, int, int, int]:
    want = expected_counts()[relative]
    return (want["tests"], want["passed"], want["failed"], want["errors_or_broken"], want["skipped"])


def _report_rows(server: Server) -> int:
    with read_transaction(server.runtime.engine) as connection:
        return connection.execute(select(func.count()).select_from(tables.report)).scalar_one()


def test_raw_body_with_formatter(server: Server) -> None:
    with server.client() as client:
        response = client.post(
            f"{IMPORT}/junit?os=linux&platform=jvm&build=42",
            content=SUREFIRE.read_bytes(),
            headers={"Content-Type": "text/xml"},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["import_status"] == 0 and body["import_id"]
    report = body["report"]
    assert _counts(report) == _want("junit/surefire-junit4-failures-skipped.xml")
    assert report["origin"] == "junit_xml" and report["key"].startswith("DEMO-")
    assert report["url"].endswith(f"/reports/{report['id']}")
    with server.client() as client:
        page = httpx.get(report["url"])
        stored = client.get(f"/api/v2/report/{report['id']}").json()
    # The report's page is the web UI's: it asks for a sign-in first, then comes back (tests/web).
    assert page.status_code == 303 and page.headers["location"] == f"/login?next=/reports/{report['id']}"
    assert (stored["os"], stored["platform"], stored["build"]) == ("linux", "jvm", "42")
    assert stored["count_total"] == report["count_total"]


def test_autodetect_and_swagger_alias(server: Server) -> None:
    with server.client() as client:
        detected = client.post(IMPORT, content=PYTEST.read_bytes(), headers={"Content-Type": "application/xml"})
        alias = client.post("/api/v2/profile/1/import", content=PYTEST.read_bytes())
        alias_fmt = client.post("/api/v2/profile/1/import/junit", content=PYTEST.read_bytes())
    for response in (detected, alias, alias_fmt):
        assert response.status_code == 200, response.text
        assert _counts(response.json()["report"]) == _want("junit/pytest-xfail-properties.xml")


def test_multipart_files_make_one_report_with_options_as_fields(server: Server) -> None:
    files = [("file[]", (p.name, p.read_bytes(), "text/xml")) for p in (SUREFIRE, PYTEST)]
    data = {"tag[]": ["os:android", "nightly", "team:core"], "build": "7"}
    with server.client() as client:
        response = client.post(f"{IMPORT}/junit", files=files, data=data)
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    a, b = _want("junit/surefire-junit4-failures-skipped.xml"), _want("junit/pytest-xfail-properties.xml")
    assert _counts(report) == tuple(x + y for x, y in zip(a, b, strict=True))
    with server.client() as client:
        stored = client.get(f"/api/v2/report/{report['id']}").json()
    assert stored["os"] == "android" and stored["build"] == "7"
    assert {"os:android", "nightly", "team:core"} <= set(stored["tags"])


def test_multipart_body_under_a_wrong_or_boundaryless_header(server: Server) -> None:
    boundary = "----assayboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file[]"; filename="a.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        + SUREFIRE.read_bytes()
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="build"; filename="build.txt"\r\n\r\n'
            f"99\r\n--{boundary}--\r\n"
        ).encode()
    )
    want = _want("junit/surefire-junit4-failures-skipped.xml")
    with server.client() as client:
        for content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            response = client.post(IMPORT, content=body, headers={"Content-Type": content_type})
            assert response.status_code == 200, (content_type, response.text)
            assert _counts(response.json()["report"]) == want
            stored = client.get(f"/api/v2/report/{response.json()['report']['id']}").json()
            assert stored["build"] == "99"


def test_urlencoded_file_field(server: Server) -> None:
    encoded = "file[]=" + urllib.parse.quote(SUREFIRE.read_text(), safe="") + "&smart=false"
    with server.client() as client:
        response = client.post(
            f"{IMPORT}/junit", content=encoded, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    assert response.status_code == 200, response.text
    assert _counts(response.json()["report"]) == _want("junit/surefire-junit4-failures-skipped.xml")


def test_auth_profile_and_formatter_refusals(server: Server) -> None:
    with write_transaction(server.runtime.engine) as connection:
        other = create_project(connection, "OTHER", "Other")
        other_profile = create_profile(connection, other["id"], "Main")
        _, scoped = create_api_key(connection, other["id"])
    body = SUREFIRE.read_bytes()
    with server.client(with_key=False) as client:
        missing = client.post(f"{IMPORT}/junit", content=body)
        wrong = client.post(f"{IMPORT}/junit", content=body, headers={"x-api-key": "assay_dead_beef"})
        out_of_scope = client.post(f"{IMPORT}/junit", content=body, headers={"x-api-key": scoped})
        in_scope = client.post(
            f"/api/v2/profile/{other_profile['id']}/report/import/junit", content=body, headers={"x-api-key": scoped}
        )
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert wrong.status_code == 401
    assert out_of_scope.status_code == 404
    assert in_scope.status_code == 200 and in_scope.json()["report"]["key"] == "OTHER-1"
    with server.client() as client:
        unknown_profile = client.post("/api/v2/profile/999/report/import/junit", content=body)
        unknown_format = client.post(f"{IMPORT}/nosuchformat", content=body)
    assert unknown_profile.status_code == 404
    assert unknown_format.status_code == 400
    assert "junit" in unknown_format.json()["error"]["message"]
    assert unknown_format.json()["import_status"] == 1


def test_malformed_xml_is_a_clear_400_kept_on_the_import(server: Server) -> None:
    broken = SUREFIRE.read_bytes()[:700]
    with server.client() as client:
        response = client.post(f"{IMPORT}/junit", content=broken)
        assert response.status_code == 400
        body = response.json()
        assert body["import_status"] == 1 and body["error"]["code"] == "parse_error"
        assert "line" in body["error"]["message"] and body["error"]["line"] >= 1
        job = client.get(f"/api/v2/import/{body['import_id']}").json()
    assert job["status"] == "failed" and job["import_status"] == 1 and job["error_code"] == "parse_error"
    assert any("failed" in line["message"] for line in job["log"])
    assert _report_rows(server) == 0


def test_hostile_xml_is_refused_fast(server: Server) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">'.encode() for i in range(10))
        + b']><testsuite name="x"><testcase name="&a9;"/></testsuite>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<testsuite><testcase name="&x;"/></testsuite>'
    )
    with server.client() as client:
        for payload in (laughs, external):
            started = time.monotonic()
            response = client.post(f"{IMPORT}/junit", content=payload)
            assert time.monotonic() - started < 1.0
            assert response.status_code == 400 and response.json()["error"]["code"] == "xml_entities_refused"
            assert "root:" not in response.text
    assert _report_rows(server) == 0


def test_empty_inputs(server: Server) -> None:
    empty_suite = b'<testsuites><testsuite name="none" tests="0"/></testsuites>'
    with server.client() as client:
        nothing = client.post(f"{IMPORT}/junit", content=b"")
        no_tests = client.post(f"{IMPORT}/junit", content=empty_suite)
        allowed = client.post(f"{IMPORT}/junit?ignore_empty_report=true", content=empty_suite)
        wrong_format = client.post(f"{IMPORT}/junit", content=b'{"not": "xml"}')
        undetectable = client.post(IMPORT, content=b"just some words")
    assert nothing.status_code == 400 and nothing.json()["error"]["code"] == "no_file"
    assert no_tests.status_code == 400 and no_tests.json()["error"]["code"] == "empty_report"
    assert allowed.status_code == 200 and allowed.json()["report"]["count_total"] == 0
    assert wrong_format.status_code == 400 and wrong_format.json()["import_status"] == 1
    assert undetectable.status_code == 400 and undetectable.json()["error"]["code"] == "format_not_detected"
    assert _report_rows(server) == 1


def test_bad_options_and_unknown_options(server: Server) -> None:
    with server.client() as client:
        bad_date = client.post(f"{IMPORT}/junit?date=yesterday", content=SUREFIRE.read_bytes())
        bad_bool = client.post(f"{IMPORT}/junit?smart=perhaps", content=SUREFIRE.read_bytes())
        unknown = client.post(f"{IMPORT}/junit?colour=blue&date=2026-01-02T03:04:05Z", content=SUREFIRE.read_bytes())
        assert bad_date.status_code == 400 and "date" in bad_date.json()["error"]["message"]
        assert bad_bool.status_code == 400 and "smart" in bad_bool.json()["error"]["message"]
        assert unknown.status_code == 200
        job = client.get(f"/api/v2/import/{unknown.json()['import_id']}").json()
        report = client.get(f"/api/v2/report/{unknown.json()['report']['id']}").json()
    assert job["options"]["unknown"] == {"colour": ["blue"]}
    assert report["date"].startswith("2026-01-02T03:04:05")


def test_upload_over_the_limit_is_413_and_recorded(server: Server) -> None:
    server.runtime.settings.max_upload_bytes = 1024
    with server.client() as client:
        response = client.post(f"{IMPORT}/junit", content=SUREFIRE.read_bytes())
        assert response.status_code == 413
        body = response.json()
        assert body["error"]["code"] == "payload_too_large" and body["import_status"] == 1
        job = client.get(f"/api/v2/import/{body['import_id']}").json()
    assert job["status"] == "failed" and job["error_code"] == "payload_too_large"


def test_reports_list_newest_first_and_paginated(server: Server) -> None:
    with server.client() as client:
        for day in (1, 3, 2):
            assert client.post(f"{IMPORT}/junit?date=2026-01-0{day}", content=SUREFIRE.read_bytes()).status_code == 200
        page = client.get("/api/v2/profile/1/reports?per_page=2").json()
        rest = client.get("/api/v2/profile/1/reports?per_page=2&page=2").json()
    assert page["total"] == 3
    assert [r["date"][:10] for r in page["items"] + rest["items"]] == ["2026-01-03", "2026-01-02", "2026-01-01"]


def test_projects_profiles_and_health(server: Server) -> None:
    with server.client() as client:
        assert client.get("/health").json()["status"] == "ok"
        created = client.post("/api/v2/projects", json={"key": "SHOP", "name": "Shop"})
        assert created.status_code == 201
        profile = client.post("/api/v2/projects/SHOP/profiles", json={"name": "nightly"})
        assert profile.status_code == 201
        profiles = client.get("/api/v2/projects/SHOP/profiles").json()
        duplicate = client.post("/api/v2/projects", json={"key": "SHOP", "name": "again"})
        keys = [p["key"] for p in client.get("/api/v2/projects").json()]
        openapi = client.get("/openapi.json").json()
    assert [p["name"] for p in profiles] == ["nightly"]
    assert duplicate.status_code == 409
    assert keys == ["DEMO", "SHOP"]
    assert "/api/v2/profile/{profile_id}/report/import/{formatter}" in openapi["paths"]


def test_concurrent_imports_get_distinct_keys(server: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    body = SUREFIRE.read_bytes()

    def post(_: int) -> httpx.Response:
        with server.client() as client:
            return client.post(f"{IMPORT}/junit", content=body)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(post, range(12)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    keys = [r.json()["report"]["key"] for r in responses]
    assert sorted(keys, key=lambda k: int(k.split("-")[1])) == [f"DEMO-{n}" for n in range(1, 13)]
    assert _report_rows(server) == 12
