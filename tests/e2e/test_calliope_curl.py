"""The Calliope documents' curl commands (seeds 000 and 001), run as written with real curl."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import LiveServer
from tests.formats.helpers import CORPUS, expected_counts

RESULT = CORPUS / "junit" / "surefire-junit4-failures-skipped.xml"
OTHERS = [CORPUS / "junit" / "pytest-xfail-properties.xml", CORPUS / "junit" / "go-junit-report-subtests.xml"]


def curl(*args: str) -> tuple[int, dict]:
    assert shutil.which("curl"), "curl must be installed (.ci/run installs it)"
    done = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", *args], capture_output=True, text=True, timeout=60, check=True
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def total(*files: Path) -> int:
    return sum(expected_counts()[f"junit/{f.name}"]["tests"] for f in files)


def test_single_file_as_body(live_server: LiveServer) -> None:
    status, body = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type: text/xml",
        "-H",
        f"x-api-key:{live_server.key}",
        "-d",
        f"@{RESULT}",
        f"{live_server.url}/api/v2/profile/1/report/import?os=linux&platform=jvm&build=123test",
    )
    assert status == 200, body
    assert body["report"]["count_total"] == total(RESULT)


def test_multi_file_with_urlencoded_header(live_server: LiveServer) -> None:
    files = [RESULT, *OTHERS]
    status, body = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "-H",
        f"x-api-key:{live_server.key}",
        *[a for f in files for a in ("-F", f"file[]=@{f}")],
        f"{live_server.url}/api/v2/profile/1/report/import?os=linux&platform=jvm&build=1",
    )
    assert status == 200, body
    assert body["report"]["count_total"] == total(*files)


def test_multipart_with_tags(live_server: LiveServer) -> None:
    status, body = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type:multipart/form-data",
        "-H",
        f"x-api-key:{live_server.key}",
        "-F",
        f"file[]=@{RESULT}",
        "-F",
        "tag[]=os:debian",
        "-F",
        "tag[]=platform:jvm",
        "-F",
        "tag[]=build:77",
        f"{live_server.url}/api/v2/profile/1/report/import/junit",
    )
    assert status == 200, body
    status, report = curl(
        "-H", f"x-api-key:{live_server.key}", f"{live_server.url}/api/v2/report/{body['report']['id']}"
    )
    assert (report["os"], report["platform"], report["build"]) == ("debian", "jvm", "77")


@pytest.mark.parametrize("mode", ["-d", "--data-binary"])
def test_body_and_binary(live_server: LiveServer, mode: str) -> None:
    status, body = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type:text/xml",
        "-H",
        f"x-api-key:{live_server.key}",
        mode,
        f"@{RESULT}",
        f"{live_server.url}/api/v2/profile/1/report/import/junit",
    )
    assert status == 200, body
    assert body["report"]["count_failed"] == expected_counts()["junit/" + RESULT.name]["failed"]


def test_urlencoded_raw_file(live_server: LiveServer) -> None:
    status, body = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type:application/x-www-form-urlencoded",
        "-H",
        f"x-api-key:{live_server.key}",
        "--data-urlencode",
        f"file[]@{RESULT}",
        f"{live_server.url}/api/v2/profile/1/report/import/junit",
    )
    assert status == 200, body
    assert body["report"]["count_total"] == total(RESULT)
    # The seed's literal form: -F with a field holding the URL-encoded file text.
    import urllib.parse

    encoded = urllib.parse.quote(RESULT.read_text(), safe="")
    status, body = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type:application/x-www-form-urlencoded",
        "-H",
        f"x-api-key:{live_server.key}",
        "-F",
        f"file[]={encoded}",
        f"{live_server.url}/api/v2/profile/1/report/import/junit",
    )
    assert status == 200, body
    assert body["report"]["count_total"] == total(RESULT)


def test_cli_import_local_and_remote_then_export(live_server: LiveServer, tmp_path: Path) -> None:
    remote = live_server.cli(
        "import",
        str(RESULT),
        "--profile",
        "1",
        "--url",
        live_server.url,
        "--api-key",
        live_server.key,
        "--tag",
        "ci:yes",
    )
    assert f"{total(RESULT)} tests" in remote.stdout
    key = remote.stdout.split()[1]
    exported = live_server.cli("export", key, "--to", "junit")
    round_trip = tmp_path / "round.xml"
    round_trip.write_text(exported.stdout)
    again = live_server.cli("import", str(round_trip), "--profile", "1")
    assert f"{total(RESULT)} tests" in again.stdout
    assert live_server.cli("detect", str(RESULT)).stdout.strip() == "junit"
    refused = live_server.cli("import", str(RESULT), "--url", live_server.url, "--api-key", "nope", check=False)
    assert refused.returncode != 0 and "401" in refused.stderr
