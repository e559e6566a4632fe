"""docs/compat/xray.md's shell blocks, run as written (in order, one shell) with real curl against `assay serve`."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx

from tests.e2e.conftest import LiveServer
from tests.formats.helpers import CORPUS, REPO_ROOT

DOC = REPO_ROOT / "docs" / "compat" / "xray.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)

# The files the doc's commands read from the current directory.
FILES = {
    "junit.xml": "junit/surefire-junit4-failures-skipped.xml",
    "testng-results.xml": "testng/testng-dataprovider-params.xml",
    "nunit.xml": "nunit/nunit3.8-failures.xml",
    "xunit.xml": "xunit/xunit2.0-console-pass-fail-skip.xml",
    "output.xml": "robot/rf4.0b3-skip-statuses.xml",
    "cucumber.json": "cucumber/jvm-scenario-outline-examples.json",
    "behave.json": "behave/behave-1.2.5-pass-fail-skip.json",
}

# Every curl the doc runs records its block, the status the block expects (`# expect: 401`) and
# the status it got; it prints the body as curl would, so `$(curl ...)` still captures it.
WRAPPER = r"""
curl() {
  local out code
  out=$(mktemp)
  if ! code=$(command curl -sS -o "$out" -w '%{http_code}' "$@"); then code=failed; fi
  echo "$BLOCK $EXPECT $code" >> "$CODES"
  cat "$out"; echo; rm -f "$out"
}
"""


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for name, relative in FILES.items():
        shutil.copy(CORPUS / relative, work / name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(CORPUS / "cucumber/jvm-rules-backgrounds.json", "cucumber/rules.json")
        archive.write(CORPUS / "cucumber/jvm-failing-hooks.json", "cucumber/hooks.json")
    (work / "results.zip").write_bytes(buffer.getvalue())
    return work


def test_the_docs_commands_work_as_written(live_server: LiveServer, tmp_path: Path) -> None:
    assert shutil.which("curl"), "curl must be installed (.ci/run installs it)"
    blocks = BLOCK.findall(DOC.read_text())
    assert len(blocks) >= 12 and all("127.0.0.1:8000" in b for b in blocks if "curl" in b)
    lines = ["set -euo pipefail", WRAPPER]
    expected: dict[int, str] = {}
    for index, block in enumerate(blocks):
        match = re.search(r"^# expect: (\d{3})$", block, re.M)
        expected[index] = match.group(1) if match else "2xx"
        lines += [f"BLOCK={index}; EXPECT={expected[index]}", block.replace("http://127.0.0.1:8000", live_server.url)]
    lines.append('echo "VARS $EXEC $TEST $RUN"')
    codes = tmp_path / "codes.txt"
    env = {
        **live_server.env,
        "CODES": str(codes),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-c", "\n".join(lines)], cwd=_workdir(tmp_path), env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    calls = [line.split() for line in codes.read_text().splitlines()]
    for block, _expect, got in calls:
        wanted = expected[int(block)]
        ok = got.startswith("2") if wanted == "2xx" else got == wanted
        assert ok, (
            f"block {block} of {DOC.name} answered {got}, expected {wanted}:\n{blocks[int(block)]}\n{done.stdout}"
        )
    with_curl = {index for index, block in enumerate(blocks) if "curl " in block}
    assert {int(block) for block, _, _ in calls} == with_curl  # every block's commands ran
    assert len(calls) >= 30

    exec_key, test_key, run_id = done.stdout.rsplit("VARS ", 1)[1].split()
    auth = ("ci", live_server.key)
    tests = httpx.get(f"{live_server.url}/rest/raven/1.0/api/testexec/{exec_key}/test", auth=auth).json()
    assert test_key in [t["key"] for t in tests] and len(tests) == 6  # the 5 JUnit tests and the Manual one
    run = httpx.get(f"{live_server.url}/rest/raven/1.0/api/testrun/{run_id}", auth=auth).json()
    assert run["testKey"] == test_key and run["status"] == "PASSED" and run["comment"] == "fixed"
    assert sorted(e["fileName"] for e in run["evidences"]) == ["after.txt", "junit.xml"]
    manual = httpx.get(f"{live_server.url}/rest/raven/1.0/api/test", params={"keys": test_key}, auth=auth).json()
    assert manual[0]["type"] == "Manual" and len(manual[0]["steps"]) == 2
