"""kill -9 of an `assay worker` in the middle of a large QMetry import, then a restart that finishes it once.

Real processes: `assay serve` and `assay worker` on the real Redis (own queue name, cleaned up), over
SQLite and PostgreSQL; a JUnit file of tens of MB generated here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.api.conftest import free_port
from tests.conftest import create_postgres_database, drop_postgres_database

ASSAY = [sys.executable, "-m", "assay"]
REDIS_URL = os.environ.get("ASSAY_TEST_REDIS", "redis://127.0.0.1:6379/0")
CASES = 250_000  # ~37 MB of JUnit XML


@dataclass
class Deployment:
    url: str
    key: str
    env: dict[str, str]
    logs: Path

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            [*ASSAY, "worker", "--threads", "1"], env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while b"consuming queue" not in log.read_bytes():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        return process

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, headers={"apiKey": self.key}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    queue = f"assaykill{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "ASSAY_DATA_DIR": str(tmp_path / "data"),
        "ASSAY_REDIS_URL": REDIS_URL,
        "ASSAY_QUEUE_NAME": queue,
        "ASSAY_JOB_LEASE_SECONDS": "5",
    }
    env.pop("ASSAY_DATABASE_URL", None)
    database = None
    if request.param == "postgresql":
        url, database = create_postgres_database()
        env["ASSAY_DATABASE_URL"] = url
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([*ASSAY, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        created = subprocess.run([*ASSAY, "apikey", "create"], env=env, capture_output=True, text=True, check=True)
        yield Deployment(base, created.stdout.strip().splitlines()[-1], env, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"huey.*{queue}*"))
        if keys:
            client.delete(*keys)
        client.close()
        if database:
            drop_postgres_database(database)


def big_junit(path: Path, cases: int) -> tuple[int, int]:
    """A JUnit file of `cases` testcases in suites of 1000; returns (failed, skipped)."""
    failed = skipped = 0
    with path.open("w") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="big">\n')
        for start in range(0, cases, 1000):
            suite = f"com.acme.module{start // 1000}.OrderServiceTest"
            out.write(f'<testsuite name="{suite}">\n')
            for i in range(start, min(start + 1000, cases)):
                name = f"test_{i:07d}_checks_that_the_order_service_handles_case_{i % 97}"
                if i % 10 == 0:
                    failed += 1
                    out.write(
                        f'<testcase classname="{suite}" name="{name}" time="0.012"><failure '
                        f'type="java.lang.AssertionError" message="expected {i} but was {i + 1}">'
                        f"java.lang.AssertionError: expected {i} but was {i + 1}\n\tat {suite}.check"
                        f"(OrderServiceTest.java:{i % 500})</failure></testcase>\n"
                    )
                elif i % 25 == 1:
                    skipped += 1
                    out.write(f'<testcase classname="{suite}" name="{name}" time="0"><skipped/></testcase>\n')
                else:
                    out.write(f'<testcase classname="{suite}" name="{name}" time="0.004"/>\n')
            out.write("</testsuite>\n")
        out.write("</testsuites>\n")
    return failed, skipped


def test_kill_9_mid_import_then_restart_finishes_it_once(deployment: Deployment, tmp_path: Path) -> None:
    results = tmp_path / "TEST-big.xml"
    failed, skipped = big_junit(results, CASES)
    assert results.stat().st_size > 30 * 1024 * 1024
    first = deployment.worker("worker-1")
    try:
        step1 = httpx.post(
            f"{deployment.url}/rest/qtm4j/automation/latest/importresult",
            timeout=30,
            json={"format": "junit", "automationHierarchy": 3},
            headers={"apiKey": deployment.key},
        )
        answer = step1.json()
        with results.open("rb") as handle:
            sent = httpx.post(answer["url"], files={"file": (results.name, handle)}, timeout=120)
        assert sent.status_code == 204, sent.text
        tracking = answer["trackingId"]
        deadline = time.monotonic() + 60
        while deployment.get(f"/api/v2/import/{tracking}")["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(3)  # well into writing 250,000 results, in the report's one transaction
        job = deployment.get(f"/api/v2/import/{tracking}")
        assert job["status"] == "running", "the import finished before the kill: make the file bigger"
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert deployment.get("/api/v2/profile/1/reports")["total"] == 0  # nothing half-written
    assert (
        deployment.get("/rest/qmetry/automation/latest/importresult/track", trackingId=tracking)["importStatus"]
        == "INPROCESS"
    )

    second = deployment.worker("worker-2")  # takes the dead worker's job up at once (its pid is gone)
    try:
        deadline = time.monotonic() + 300
        while (done := deployment.get("/rest/qmetry/automation/latest/importresult/track", trackingId=tracking))[
            "importStatus"
        ] == "INPROCESS":
            assert time.monotonic() < deadline, done
            time.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0
    assert done["importStatus"] == "SUCCESS", done
    listing = deployment.get("/api/v2/profile/1/reports")
    assert listing["total"] == 1  # exactly once
    (stored,) = listing["items"]
    assert stored["import_id"] == tracking and stored["key"] == done["testCycles"][0]["key"]
    assert (stored["count_total"], stored["count_failed"], stored["count_skipped"]) == (CASES, failed, skipped)
    assert stored["count_passed"] == CASES - failed - skipped
    messages = [line["message"] for line in deployment.get(f"/api/v2/import/{tracking}")["log"]]
    assert messages.count("import started by the job queue") == 2
    assert any("stopped mid-import" in message for message in messages)
    assert not (tmp_path / "data" / "uploads" / "jobs" / tracking).exists()  # the raw upload went with the job
