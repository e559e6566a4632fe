"""Attachments, zip uploads (and their tricks), merge_containers and the Calliope JSON round trip."""

from __future__ import annotations

import io
import zipfile

from tests.api.conftest import Server
from tests.formats.helpers import CORPUS, REPO_ROOT

IMPORT = "/api/v2/profile/1/report/import"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

JUNIT_WITH_ATTACHMENT = b"""<?xml version="1.0"?>
<testsuite name="ui.LoginTest" tests="2">
  <testcase classname="ui.LoginTest" name="shows error">
    <failure message="no banner">trace</failure>
    <system-out>[[ATTACHMENT|/builds/42/screens/login-error.png]]</system-out>
  </testcase>
  <testcase classname="ui.LoginTest" name="signs in"/>
</testsuite>"""


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tree(client, report_id: str) -> dict:  # type: ignore[no-untyped-def]
    return client.get(f"/api/v2/report/{report_id}").json()


def _results(node: dict) -> list[dict]:
    found = list(node.get("results", []))
    for child in node.get("containers", []):
        found.extend(_results(child))
    return found


def test_attachment_parts_land_on_the_results_that_name_them(server: Server) -> None:
    files = [
        ("file[]", ("TEST-ui.xml", JUNIT_WITH_ATTACHMENT, "text/xml")),
        ("attachment[]", ("login-error.png", PNG, "image/png")),
        ("attachment[]", ("build.log", b"build log text", "text/plain")),
    ]
    with server.client() as client:
        response = client.post(f"{IMPORT}/junit", files=files)
        assert response.status_code == 200, response.text
        report = _tree(client, response.json()["report"]["id"])
        failing = next(r for r in _results(report) if r["title"] == "shows error")
        (shot,) = failing["assets"]
        assert shot["name"] == "login-error.png"
        download = client.get(shot["url"])
        assert download.status_code == 200 and download.content == PNG
        assert [a["name"] for a in report["assets"]] == ["build.log"]
        assert client.get(report["assets"][0]["url"]).content == b"build log text"
        anonymous = server.client(with_key=False).get(shot["url"])
    assert anonymous.status_code == 401


def test_zip_of_mixed_result_files_and_screenshots_makes_one_report(server: Server) -> None:
    archive = _zip({
        "reports/TEST-ui.xml": JUNIT_WITH_ATTACHMENT,
        "reports/nested/surefire.xml": (CORPUS / "junit" / "surefire-junit4-failures-skipped.xml").read_bytes(),
        "screens/login-error.png": PNG,
        "reports/results.json": (REPO_ROOT / "tests/formats/files/calliope/sample-report.json").read_bytes(),
    })
    with server.client() as client:
        response = client.post(IMPORT, content=archive, headers={"Content-Type": "application/zip"})
        assert response.status_code == 200, response.text
        body = response.json()
        report = _tree(client, body["report"]["id"])
        job = client.get(f"/api/v2/import/{body['import_id']}").json()
    titles = [r["title"] for r in _results(report)]
    assert "shows error" in titles and len(titles) == body["report"]["count_total"]
    assert body["report"]["count_total"] == 2 + 5 + 7  # our JUnit, the Surefire file, the Calliope sample
    failing = next(r for r in _results(report) if r["title"] == "shows error")
    assert [a["name"] for a in failing["assets"]] == ["login-error.png"]
    assert set(job["detected_format"].split(",")) == {"junit", "calliope"}


def test_zip_tricks_are_refused_with_a_clear_400(server: Server) -> None:
    slip = _zip({"../../etc/cron.d/evil.xml": JUNIT_WITH_ATTACHMENT})
    bomb = _zip({"big.xml": b"<" + b"a" * (20 * 1024 * 1024)})
    too_deep = _zip({"outer.zip": _zip({"inner.zip": _zip({"r.xml": JUNIT_WITH_ATTACHMENT})})})
    nothing = _zip({"notes.txt": b"hello", "shot.png": PNG})
    one_level = _zip({"inner.zip": _zip({"r.xml": JUNIT_WITH_ATTACHMENT})})
    encrypted = bytearray(_zip({"r.xml": JUNIT_WITH_ATTACHMENT}, zipfile.ZIP_STORED))
    # Set the "encrypted" flag bit in the local and central headers, as an encrypting tool would.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = encrypted.find(signature)
        encrypted[at + offset] |= 0x1
    expectations = {
        "zip_slip": slip, "zip_bomb": bomb, "zip_too_deep": too_deep, "no_result_in_zip": nothing,
        "zip_encrypted": bytes(encrypted),
    }
    with server.client() as client:
        for code, payload in expectations.items():
            response = client.post(IMPORT, content=payload)
            assert response.status_code == 400, (code, response.text)
            assert response.json()["error"]["code"] == code, response.text
            job = client.get(f"/api/v2/import/{response.json()['import_id']}").json()
            assert job["status"] == "failed" and job["error_code"] == code
        ok = client.post(IMPORT, content=one_level)
    assert ok.status_code == 200 and ok.json()["report"]["count_total"] == 2


def test_merge_containers_joins_same_titled_suites_across_files(server: Server) -> None:
    suite = b'<testsuite name="API"><testcase name="%s"/></testsuite>'
    files = [("file[]", (f"{n}.xml", suite % n.encode(), "text/xml")) for n in ("one", "two")]
    with server.client() as client:
        merged = client.post(f"{IMPORT}/junit?merge_containers=true&smart=false", files=files).json()
        separate = client.post(f"{IMPORT}/junit?smart=false", files=files).json()
        merged_tree = _tree(client, merged["report"]["id"])
        separate_tree = _tree(client, separate["report"]["id"])
    assert [c["title"] for c in merged_tree["containers"]] == ["API"]
    assert merged_tree["containers"][0]["count_total"] == 2
    assert [c["title"] for c in separate_tree["containers"]] == ["API", "API"]


def test_calliope_json_round_trips_through_import_and_read(server: Server) -> None:
    sample = (REPO_ROOT / "tests/formats/files/calliope/sample-report.json").read_bytes()
    with server.client() as client:
        first = client.post(f"{IMPORT}/calliope", content=sample, headers={"Content-Type": "application/json"})
        assert first.status_code == 200, first.text
        exported = client.get(f"/api/v2/report/{first.json()['report']['id']}").content
        second = client.post(f"{IMPORT}/calliope", content=exported)
        assert second.status_code == 200, second.text
        a = _tree(client, first.json()["report"]["id"])
        b = _tree(client, second.json()["report"]["id"])

    def shape(node: dict) -> list:
        return [
            (c["title"], c["classification"], c["position"], c["status"], c["count_total"],
             [(r["title"], r["status"], r["duration"], r["description"], r["exception_name"],
               r["exception_description"], r["exception_backtrace"], r["position"],
               [(x["name"], x["type"], x["tag"]) for x in r["assets"]]) for r in c["results"]],
             shape(c))
            for c in node["containers"]
        ]

    assert shape(a) == shape(b) and shape(a)
    assert a["date"] == b["date"]
    assert (a["count_total"], a["count_failed"]) == (b["count_total"], b["count_failed"])
