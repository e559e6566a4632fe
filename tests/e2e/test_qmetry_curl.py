"""docs/compat/qmetry.md, run as written: every `bash` block, in order, with real curl and jq against a real
`assay serve` (embedded queue), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import LiveServer
from tests.formats.helpers import CORPUS, REPO_ROOT

DOC = REPO_ROOT / "docs" / "compat" / "qmetry.md"
_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)


def doc_script() -> str:
    blocks = _BLOCK.findall(DOC.read_text())
    assert len(blocks) >= 6, "the doc's flow is in ```bash blocks"
    return "set -euo pipefail\n" + "\n".join(blocks)


def tracked(live: LiveServer, tracking_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{live.url}/rest/qmetry/automation/latest/importresult/track",
        params={"trackingId": tracking_id},
        headers={"apiKey": live.key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_docs_curl_flow(live_server: LiveServer, tmp_path: Path) -> None:
    assert shutil.which("curl") and shutil.which("jq"), "the doc's flow needs curl and jq"
    shutil.copy(CORPUS / "junit" / "ant-junitreport-testsuites.xml", tmp_path / "results.xml")
    shutil.copy(CORPUS / "cucumber" / "jvm-all-statuses.json", tmp_path / "cucumber.json")
    env = {**live_server.env, "ASSAY_URL": live_server.url, "API_KEY": live_server.key}
    done = subprocess.run(
        ["bash", "-c", doc_script()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout

    def saved(name: str) -> dict[str, Any]:
        return json.loads((tmp_path / name).read_text())  # type: ignore[no-any-return]

    # step 2 answered 204, the second upload to the same URL 409
    assert re.search(r"^204$", out, re.MULTILINE) and re.search(r"^409$", out, re.MULTILINE)
    assert '"errorMessage":"This upload URL was already used' in out

    first = tracked(live_server, saved("step1.json")["trackingId"])
    assert first["importStatus"] == "SUCCESS"
    cycles = {c["summary"]: c for c in first["testCycles"]}
    assert {name: c["testCasesImported"] for name, c in cycles.items()} == {"TestMessage": 1, "TestMessage2": 2}
    assert '"processStatus": "SUCCESS"' in out and cycles["TestMessage"]["url"] in out

    reuse = tracked(live_server, saved("reuse.json")["trackingId"])
    (reused,) = reuse["testCycles"]
    assert reused["reused"] and reused["key"] == first["testCycles"][0]["key"] and reused["testCasesImported"] == 3

    cloud = tracked(live_server, saved("cloud.json")["trackingId"])
    assert cloud["format"] == "CUCUMBER" and cloud["importStatus"] == "SUCCESS"
    assert [(c["summary"], c["testCasesImported"]) for c in cloud["testCycles"]] == [("Cucumber on Cloud paths", 6)]

    assert saved("refused.json")["errorMessage"] == "Framework 'xyz' is not supported."
    assert len(saved("invalid.json")["errors"]) == 2
    assert saved("async.json")["import_status"] == "pending"
    assert saved("async-job.json")["status"] == "success" and saved("async-job.json")["report_id"]
