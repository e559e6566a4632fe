"""A real Xray client, pytest-jira-xray (PyPI), pointed at Assay by its base URL only, in all three auth modes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import Server
from tests.api.xray_support import add_tests, basic, report_row

pytest.importorskip("pytest_xray", reason="pytest-jira-xray is in the test extra")

SAMPLE = """
import pytest


@pytest.mark.xray("DEMO-6")
def test_login():
    assert 1 + 1 == 2


@pytest.mark.xray("DEMO-7")
def test_checkout():
    assert "cart" == "empty", "the cart lost its items"
"""


def _run_client(server: Server, tmp_path: Path, *options: str, env: dict[str, str]) -> str:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("XRAY_", "PYTEST_"))}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "--jira-xray",
            *options,
            str(tmp_path / "test_sample.py"),
        ],
        cwd=tmp_path,
        env={**clean, "XRAY_API_BASE_URL": server.url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # test_checkout fails on purpose; an upload error would be 3 or worse
    match = re.search(r"Uploaded results to (?:JIRA )?XRAY\. Test Execution Id: (\S+)", output)
    assert match is not None, output
    return match.group(1)


@pytest.mark.parametrize("mode", ["basic", "personal-access-token", "cloud"])
def test_pytest_jira_xray_uploads_to_assay(server: Server, tmp_path: Path, mode: str) -> None:
    add_tests(server, "DEMO-6", "DEMO-7")
    options, env = {
        "basic": ((), {"XRAY_API_USER": "jenkins", "XRAY_API_PASSWORD": server.key}),
        "personal-access-token": (("--api-key-auth",), {"XRAY_API_KEY": server.key}),
        "cloud": (("--cloud", "--client-secret-auth"), {"XRAY_CLIENT_ID": "gha", "XRAY_CLIENT_SECRET": server.key}),
    }[mode]
    key = _run_client(
        server,
        tmp_path,
        *options,
        "--testplan",
        "DEMO-100",
        env={**env, "XRAY_EXECUTION_SUMMARY": "pytest nightly", "XRAY_EXECUTION_TEST_ENVIRONMENTS": "py3 linux"},
    )
    report = report_row(server, key)
    assert report["title"] == "pytest nightly"
    assert (report["count_total"], report["count_passed"], report["count_failed"]) == (2, 1, 1)
    assert report["properties"]["testPlanKey"] == "DEMO-100"
    assert report["properties"]["testEnvironments"] == ["py3", "linux"]
    with basic(server) as client:
        runs = client.get(f"/rest/raven/1.0/api/testexec/{key}/test").json()
        failed = client.get("/rest/raven/1.0/api/testrun", params={"testExecIssueKey": key, "testIssueKey": "DEMO-7"})
    expected = ("PASSED", "FAILED") if mode == "cloud" else ("PASS", "FAIL")  # each API's own status names
    assert [(r["key"], r["status"]) for r in runs] == [("DEMO-6", expected[0]), ("DEMO-7", expected[1])]
    assert "the cart lost its items" in failed.json()["comment"]

    # The same client adding to that execution (--execution): runs are replaced, not added.
    again = _run_client(server, tmp_path, *options, "--execution", key, env=env)
    assert again == key
    assert report_row(server, key)["count_total"] == 2
